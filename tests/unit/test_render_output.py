"""Where `render -o` may write: never over a user's files, never a system directory, and
never a staging or old tree left behind, whatever happens."""

import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.errors import NghaError
from ngha.model.load import load_deployment
from ngha.render import tree as tree_module
from ngha.render.artifacts import render_all
from ngha.render.destination import MANIFEST
from tests.conftest import REFERENCE, SECRET, SECRET_ENV


def render(*args: str):
    result = CliRunner().invoke(cli, ["render", str(REFERENCE), "--no-verify", *args],
                                env=SECRET_ENV)
    assert SECRET not in result.output, result.output
    return result


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".new-" in p.name or ".old-" in p.name)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*")
            if p.is_file()}


def test_directory_with_an_unrelated_file_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = render("-o", str(out))
    assert result.exit_code == 2, result.output
    assert "holds 'notes.txt'" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert snapshot(out) == {"notes.txt": b"mine"}
    assert leftovers(tmp_path) == []


def test_force_replaces_a_foreign_directory(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = render("-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "notes.txt").exists() and (out / "cib.xml").exists()
    assert leftovers(tmp_path) == []


def test_an_earlier_render_is_replaced_and_its_manifest_lists_every_file(tmp_path):
    out = tmp_path / "out"
    assert render("-o", str(out)).exit_code == 0
    assert render("-o", str(out), "--profile", "legacy").exit_code == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["generator"] == "ngha" and manifest["profile"] == "legacy"
    assert manifest["ngha_version"]
    assert set(manifest["files"]) == set(snapshot(out)) - {MANIFEST}
    assert leftovers(tmp_path) == []


def test_an_earlier_render_with_a_file_added_is_refused(tmp_path):
    out = tmp_path / "out"
    assert render("-o", str(out)).exit_code == 0
    (out / "nodes" / "my-notes.txt").write_text("mine")
    before = snapshot(out)
    result = render("-o", str(out))
    assert result.exit_code == 2 and "'nodes/my-notes.txt'" in result.output
    assert snapshot(out) == before


def test_an_empty_directory_is_used(tmp_path):
    (tmp_path / "out").mkdir()
    assert render("-o", str(tmp_path / "out")).exit_code == 0


@pytest.mark.parametrize("target", ["/", "/etc", "/etc/ngha-render", "/usr/local/out", "/tmp",
                                    "/home", "/root", "/var", "/var/lib", "/proc/x"])
def test_system_directories_are_never_written_even_with_force(target):
    result = render("-o", target, "--force")
    assert result.exit_code == 2, result.output
    assert "ngha never replaces it" in result.output and "Traceback" not in result.output


def test_the_deployment_directory_and_its_parents_are_refused(tmp_path):
    deployment = tmp_path / "site" / "deployment.yaml"
    deployment.parent.mkdir()
    deployment.write_text(REFERENCE.read_text())
    for target in (deployment.parent, tmp_path):
        result = CliRunner().invoke(cli, ["render", str(deployment), "-o", str(target),
                                          "--force", "--no-verify"])
        assert result.exit_code == 2, result.output
        assert "directory holding" in result.output
        assert deployment.read_text() == REFERENCE.read_text()


def test_the_environment_and_secret_directories_are_refused(tmp_path, write_yaml):
    env = write_yaml("pacemaker_services: [haproxy, galera, rabbitmq, redis]\n", "env.yaml")
    result = CliRunner().invoke(cli, ["render", str(REFERENCE), "-e", str(env), "-o",
                                      str(tmp_path), "--force", "--no-verify"])
    assert result.exit_code == 2 and f"directory holding {env}" in result.output
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    deployment = write_yaml(REFERENCE.read_text().replace(
        "/etc/ngha/secrets/database_password", str(secrets_dir / "db")), "d.yaml")
    result = CliRunner().invoke(cli, ["render", str(deployment), "-o", str(secrets_dir),
                                      "--force", "--no-verify"])
    assert result.exit_code == 2 and "directory holding" in result.output


def test_the_current_directory_and_home_are_refused(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "work")
    for target, why in ((".", "the current directory"), (str(home), "a home directory")):
        result = render("-o", target, "--force")
        assert result.exit_code == 2 and why in result.output, result.output
    assert home.exists() and (home / "work").exists()


def test_symlink_loop_as_output(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = render("-o", str(tmp_path / "a"))
    assert result.exit_code == 2 and "loop of symbolic links" in result.output
    assert "Traceback" not in result.output


def test_symlink_to_an_earlier_render_is_followed_and_kept(tmp_path):
    real = tmp_path / "real"
    assert render("-o", str(real)).exit_code == 0
    (tmp_path / "link").symlink_to(real)
    assert render("-o", str(tmp_path / "link"), "--profile", "legacy").exit_code == 0
    assert (tmp_path / "link").is_symlink()
    assert json.loads((real / MANIFEST).read_text())["profile"] == "legacy"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing")
    result = render("-o", str(dangling))
    assert result.exit_code == 2 and "missing directory" in result.output
    assert leftovers(tmp_path) == []


def test_new_parent_directories_go_away_when_the_render_fails(tmp_path, monkeypatch):
    def boom(self, relative, content, mode=0o644):
        raise OSError("disk full")

    monkeypatch.setattr(tree_module.Tree, "write", boom)
    with pytest.raises(OSError):
        render_all(load_deployment(REFERENCE), tmp_path / "a" / "b" / "out", with_svg=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", ["oserror", "keyboardinterrupt", "sigint", "sigterm",
                                     "check"])
def test_nothing_is_left_behind_when_a_render_stops(tmp_path, monkeypatch, failure):
    out = tmp_path / "out"
    render_all(load_deployment(REFERENCE), out, with_svg=False)
    before = snapshot(out)
    original = tree_module.Tree.write
    calls = {"n": 0}

    def stopping_write(self, relative, content, mode=0o644):
        calls["n"] += 1
        if calls["n"] == 5:
            if failure == "oserror":
                raise OSError("disk full")
            if failure == "keyboardinterrupt":
                raise KeyboardInterrupt
            if failure in ("sigint", "sigterm"):  # a real signal, delivered to this process
                os.kill(os.getpid(), signal.SIGINT if failure == "sigint" else signal.SIGTERM)
        return original(self, relative, content, mode)

    def failing_check(root: Path) -> None:
        raise NghaError("crm_verify says no")

    monkeypatch.setattr(tree_module.Tree, "write", stopping_write)
    # As in a terminal: a process started in the background (nohup, `cmd &` in a script)
    # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler), \
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    expected = {"oserror": OSError, "keyboardinterrupt": KeyboardInterrupt,
                "sigint": KeyboardInterrupt, "sigterm": SystemExit, "check": NghaError}[failure]
    try:
        with pytest.raises(expected):
            render_all(load_deployment(REFERENCE, profile="legacy"), out, with_svg=False,
                       check=failing_check if failure == "check" else None)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored after render
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_interrupt_in_the_middle_of_the_swap_restores_the_old_tree(tmp_path, monkeypatch):
    out = tmp_path / "out"
    render_all(load_deployment(REFERENCE), out, with_svg=False)
    before = snapshot(out)
    real_rename = os.rename

    def rename(src, dst):
        if ".new-" in str(src):  # the old tree is already moved aside: the worst moment
            raise KeyboardInterrupt
        return real_rename(src, dst)

    monkeypatch.setattr(tree_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        render_all(load_deployment(REFERENCE, profile="legacy"), out, with_svg=False)
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []
