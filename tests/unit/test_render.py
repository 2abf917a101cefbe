"""Rendering: atomic output directory, file modes, secrets never written."""

import json
import os
import stat

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.model.load import load_deployment
from ngha.render import tree as tree_module
from ngha.render.artifacts import render_all
from tests.conftest import REFERENCE


def test_failure_midway_leaves_previous_output_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    render_all(load_deployment(REFERENCE), out, with_svg=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls = {"n": 0}
    original = tree_module.Tree.write

    def failing_write(self, relative, content, mode=0o644):
        calls["n"] += 1
        if calls["n"] == 10:
            raise OSError("disk full")
        return original(self, relative, content, mode)

    monkeypatch.setattr(tree_module.Tree, "write", failing_write)
    with pytest.raises(OSError):
        render_all(load_deployment(REFERENCE, profile="legacy"), out, with_svg=False)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failure_on_first_render_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tree_module.Tree, "write", boom)
    with pytest.raises(OSError):
        render_all(load_deployment(REFERENCE), tmp_path / "out", with_svg=False)
    assert list(tmp_path.iterdir()) == []


def test_modes_and_node_files(tmp_path):
    out = tmp_path / "out"
    render_all(load_deployment(REFERENCE), out, with_svg=False)
    script = out / "pcs-commands.sh"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    node = out / "nodes/controller-0"
    units = json.loads((node / "units.json").read_text())
    assert {u["unit"] for u in units["disable"]} == {
        "haproxy", "rabbitmq-server", "mariadb", "redis", "openstack-cinder-volume"}
    dropins = node / "etc/systemd/system"
    restart = (dropins / "openstack-nova-api.service.d/50-ngha-restart.conf").read_text()
    assert restart.count("Restart=always") == 1
    # a Type=notify service started while Galera is down waits for it, never killed
    assert "TimeoutStartSec=infinity" in restart
    # oneshot cleanup units are enabled but must not get Restart=always (systemd refuses it)
    assert not (dropins / "neutron-ovs-cleanup.service.d").exists()
    assert "neutron-ovs-cleanup" in {u["unit"] for u in units["enable"]}
    # Pacemaker-owned units get no restart drop-in: Pacemaker restarts them
    assert not (dropins / "mariadb.service.d/50-ngha-restart.conf").exists()
    retry = (node / "etc/nova/nova.conf.d/50-ngha-retry.conf").read_text()
    assert "max_retries = -1" in retry and "db_max_retries = 100000" in retry
    assert (dropins / "haproxy.service.d/50-ngha-secrets.conf").exists()
    assert sorted(os.listdir(out / "nodes")) == ["controller-0", "controller-1", "controller-2"]


def test_legacy_render_has_no_systemd_dropins(tmp_path):
    out = tmp_path / "out"
    render_all(load_deployment(REFERENCE, profile="legacy"), out, with_svg=False)
    assert not list(out.glob("nodes/*/etc/systemd/system/*/50-ngha-restart.conf"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resources"]["total"] == 47 and summary["constraints"]["total"] == 74
    assert summary["constraints"]["order"] == 47 and summary["constraints"]["colocation"] == 27


def test_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = CliRunner().invoke(cli, ["render", str(REFERENCE), "-o", str(target)])
    assert result.exit_code == 2 and "is a file" in result.output
