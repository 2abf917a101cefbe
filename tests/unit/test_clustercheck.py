"""HAProxy's Galera check, the rendered script itself run by sh: a fake `mysql` answers
wsrep_local_state; the SST donor is a real process, found by the real pgrep."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from ngha.render.clustercheck import SCRIPT


@pytest.fixture
def check(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = tmp_path / "clustercheck"
    script.write_text(SCRIPT)
    script.chmod(0o755)

    def run(state: str | None) -> str:
        mysql = bin_dir / "mysql"
        answer = f"printf 'wsrep_local_state\\t{state}\\n'" if state else "exit 1"
        mysql.write_text(f"#!/bin/sh\n{answer}\n")
        mysql.chmod(0o755)
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        out = subprocess.run([str(script)], input="GET / HTTP/1.0\r\n", env=env,
                             capture_output=True, text=True, timeout=30, check=True)
        return out.stdout.splitlines()[0]
    return run


@pytest.fixture
def donor(tmp_path):
    """Starts a process that looks like MariaDB's SST script on a donor (its arguments as
    the server passes them) and waits until pgrep sees it."""
    started = []

    def start(*extra: str) -> None:
        sst = tmp_path / "wsrep_sst_rsync"
        sst.write_text("#!/bin/sh\nsleep 60\n")  # no exec: the script's argv must stay
        sst.chmod(0o755)
        started.append(subprocess.Popen(
            [str(sst), "--role", "'donor'", "--address", "'10.0.0.1:4444'", *extra]))
        deadline = time.monotonic() + 10
        while subprocess.run(["pgrep", "-f", f"{sst} --role"],
                             capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "the fake SST process never showed up"
            time.sleep(0.05)
    yield start
    for process in started:
        process.kill()
        process.wait()


def test_synced_is_up_and_joining_or_unreachable_is_down(check):
    assert check("4") == "HTTP/1.1 200 OK"
    for state in ("1", "3", None):
        assert check(state) == "HTTP/1.1 503 Service Unavailable"


def test_a_donor_with_no_snapshot_under_way_keeps_serving(check):
    assert check("2") == "HTTP/1.1 200 OK"


def test_an_incremental_transfers_donor_keeps_serving(check, donor):
    donor("--bypass")
    assert check("2") == "HTTP/1.1 200 OK"


def test_a_full_snapshots_donor_is_out_its_writes_are_blocked(check, donor):
    donor()
    assert check("2") == "HTTP/1.1 503 Service Unavailable"
    assert check("4") == "HTTP/1.1 200 OK"  # synced again: the script has ended
