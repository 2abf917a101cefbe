"""Transport behaviour that needs no lab: local runs, put/read, timeouts, ssh argv."""

import getpass
import grp
import os
import shlex

import pytest

from ngha.transport import LocalTransport, SSHTransport, TransportError, run_on_nodes


def test_run_returns_rc_stdout_stderr():
    r = LocalTransport().run("here", ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.rc, r.stdout, r.stderr, r.ok) == (3, "out\n", "err\n", False)
    with pytest.raises(TransportError, match="exited 3: err"):
        r.check()


def test_timeout_kills_the_whole_command():
    r = LocalTransport().run("here", ["sh", "-c", "sleep 30 & wait"], timeout=0.5)
    assert r.timed_out and r.rc == 124 and r.duration < 5


def test_put_file_uses_stdin_and_sets_mode(tmp_path):
    t = LocalTransport()
    target = tmp_path / "sub" / "secret.txt"
    group = grp.getgrgid(os.getegid()).gr_name
    t.put_file("here", str(target), "p@ss word'; $(x)\n", mode=0o640,
               owner=getpass.getuser(), group=group)
    assert target.read_text() == "p@ss word'; $(x)\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert t.read_file("here", str(target)) == b"p@ss word'; $(x)\n"
    assert [p.name for p in target.parent.iterdir()] == ["secret.txt"]
    with pytest.raises(TransportError, match="cannot read"):
        t.read_file("here", str(tmp_path / "missing"))


def test_run_on_nodes_keeps_node_order():
    results = run_on_nodes(LocalTransport(), ["a", "b", "c"], ["echo", "hi"])
    assert list(results) == ["a", "b", "c"]
    assert all(r.stdout == "hi\n" for r in results.values())


def test_ssh_argv_quotes_the_remote_command(tmp_path):
    t = SSHTransport(config_file=tmp_path / "cfg", via=["ip", "netns", "exec", "x"])
    argv = t.ssh_argv("ctl-0", ["echo", "a b", "$HOME"])
    assert argv[:5] == ["ip", "netns", "exec", "x", "ssh"]
    assert argv[5:7] == ["-F", str(tmp_path / "cfg")]
    assert "BatchMode=yes" in argv
    assert shlex.split(argv[-1]) == ["echo", "a b", "$HOME"] and argv[-2] == "ctl-0"
