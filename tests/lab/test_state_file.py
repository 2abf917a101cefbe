"""The lab description and the deployment skeleton (no root needed)."""

import dataclasses
import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ngha.lab.addressing import plan_addresses, parse_subnet
from ngha.lab.deployment import lab_corosync_settings, write_deployment
from ngha.lab.errors import LabError, LabNotFoundError, UnknownNodeError
from ngha.lab.lifecycle import new_state
from ngha.lab.state import load_state, save_state
from ngha.model.load import load_deployment
from ngha.render.corosync import render_corosync, render_corosync_conf

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab-3ctl.yaml"


@pytest.fixture
def state():
    plan = plan_addresses(parse_subnet("10.213.3.0/24"), ["ctl-0", "ctl-1", "ctl-2"])
    return new_state("ngha-lab", plan, 3000)


def test_round_trip(tmp_path, state):
    state.nodes[1].pid1, state.nodes[1].pid1_start = 4242, 99
    path = tmp_path / "lab.json"
    save_state(state, path)
    loaded = load_state(path, "ngha-lab")
    assert loaded == state
    assert loaded.node("ctl-1").pid1 == 4242
    assert loaded.node("ctl-1").netns == "ngha.ngha-lab.ctl-1"
    assert json.loads(path.read_text())["client"]["address"] == "10.213.3.200"
    assert [p.name for p in tmp_path.iterdir()] == ["lab.json"]  # no temporary file left
    assert path.stat().st_mode & 0o777 == 0o600


def test_errors_name_the_fix(tmp_path, state):
    with pytest.raises(LabNotFoundError, match="ngha lab up --name x"):
        load_state(tmp_path / "missing.json", "x")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(LabError, match="ngha lab down --name x"):
        load_state(tmp_path / "bad.json", "x")
    with pytest.raises(UnknownNodeError, match="known: ctl-0, ctl-1, ctl-2, client"):
        state.node("ctl-7")


def test_deployment_skeleton(tmp_path, state):
    path = write_deployment(state, tmp_path / "deployment.yaml", tmp_path / "secrets")
    loaded = load_deployment(path)  # the project's own loader accepts it
    assert [n.name for n in loaded.deployment.nodes] == ["ctl-0", "ctl-1", "ctl-2"]
    doc = YAML(typ="safe").load(path.read_text())
    assert doc["cluster"] == "ngha-lab" and doc["profile"] == "nextgen"
    assert doc["distro"] == "debian" and doc["target"] == "lab"
    assert doc["corosync"] == {"transport": "knet", "token": 3000, "crypto": False,
                              "blackbox": False}
    assert doc["nodes"][0] == {"name": "ctl-0", "address": "10.213.3.11"}
    assert doc["vips"]["redis"] == "10.213.3.105"
    assert doc["services"][:4] == ["keystone", "memcached", "ngha-probe", "ngha-probe-worker"]
    assert "cinder-volume" in doc["services"] and doc["openstack"]["settings"]["cinder"]
    core_only = write_deployment(dataclasses.replace(state, openstack=False),
                                 tmp_path / "core.yaml", tmp_path / "secrets")
    core = YAML(typ="safe").load(core_only.read_text())
    assert core["services"] == ["keystone", "memcached", "ngha-probe", "ngha-probe-worker"]
    assert "openstack" not in core
    assert doc["tuning"]["keystone_workers"] == 2
    for name in ("database_password", "rabbitmq_password", "redis_password"):
        secret = tmp_path / "secrets" / name
        assert doc["secrets"][name] == {"file": str(secret)}
        assert secret.stat().st_mode & 0o777 == 0o600
        assert len(secret.read_text().strip()) >= 24
    first = (tmp_path / "secrets" / "redis_password").read_text()
    write_deployment(state, path, tmp_path / "secrets")
    assert (tmp_path / "secrets" / "redis_password").read_text() == first


def test_default_lab_matches_the_shipped_example(tmp_path):
    """examples/lab-3ctl.yaml (and its golden render) is what `lab up` writes by default."""
    plan = plan_addresses(parse_subnet("10.213.0.0/24"), ["ctl-0", "ctl-1", "ctl-2"])
    state = new_state("ngha-lab", plan, 3000)
    written = load_deployment(write_deployment(state, tmp_path / "d.yaml", tmp_path / "s"))
    example = load_deployment(EXAMPLE)
    ignore = {"secrets"}  # the example points at the default state directory
    assert written.deployment.model_dump(exclude=ignore) == \
        example.deployment.model_dump(exclude=ignore)
    assert sorted(written.deployment.secrets) == sorted(example.deployment.secrets)


def test_nodes_run_the_corosync_conf_ngha_renders(tmp_path, state):
    """What provisioning writes into every node is `ngha render`'s corosync.conf for the
    lab's deployment file, byte for byte (apply finds nothing to change in it)."""
    rendered = render_corosync(load_deployment(
        write_deployment(state, tmp_path / "d.yaml", tmp_path / "s")).deployment)
    provisioned = render_corosync_conf(lab_corosync_settings(state))
    assert provisioned == rendered and "blackbox: off" in rendered
