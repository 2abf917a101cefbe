"""`lab up` never leaves half a lab: killed with SIGKILL, the next `up` clears the remains;
stopped with SIGTERM, it removes what it made itself."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from ngha.lab.session import lab_paths

from lab_support import LAB, leftovers, ngha, ngha_executable

pytestmark = [*LAB, pytest.mark.timeout(300)]

NAME = "ngha-test-stale"


@pytest.fixture
def clean_lab():
    ngha("lab", "down", "--name", NAME)
    yield lab_paths(NAME).dir
    ngha("lab", "down", "--name", NAME, check=False)


def start_up_and_wait_for_nodes(nodes: int) -> subprocess.Popen:
    """Start `lab up` and return once every node has a PID 1 (the cluster is not formed)."""
    proc = subprocess.Popen([ngha_executable(), "lab", "up", "--name", NAME,
                             "--nodes", str(nodes)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    state_file = lab_paths(NAME).state_file
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            state = json.loads(state_file.read_text())
            if all(n["pid1"] for n in state["nodes"]):
                return proc
        except (OSError, ValueError, KeyError):
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("nodes did not start within 60 s")


def test_up_recovers_from_an_up_killed_midway(clean_lab):
    proc = start_up_and_wait_for_nodes(nodes=2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert leftovers(NAME, clean_lab), "a killed up should have left something to clean"

    up = ngha("lab", "up", "--name", NAME, "--nodes", "2")
    assert "remains of an interrupted" in up.stderr
    status = ngha("lab", "status", "--name", NAME)
    assert status.stdout.count("quorum=yes online=ctl-0,ctl-1 ") == 2

    ngha("lab", "down", "--name", NAME)
    assert leftovers(NAME, clean_lab) == []


def test_up_stopped_with_sigterm_removes_what_it_made(clean_lab):
    proc = start_up_and_wait_for_nodes(nodes=1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "interrupted; everything it made was removed" in err
    assert "Traceback" not in err
    assert leftovers(NAME, clean_lab) == []


def test_a_node_whose_old_namespace_lingers_boots_again():
    """A killed node's namespace lives on while its last processes exit (seconds under
    load), and its veth with it: unplugging deletes the veth from the fabric's end, so
    the next boot's plug finds the port's name free."""
    from ngha.lab import network
    from ngha.lab.layout import NetnsNames

    lab = "ngha-test-net"
    netns = NetnsNames(lab).node("ctl-0")
    network.delete_all(lab)
    network.create_fabric(lab)
    holder = None
    try:
        network.plug(lab, "ctl-0", netns, "10.99.0.11", 24)
        # a process still in the namespace keeps it, and the veth, alive after `netns del`
        holder = subprocess.Popen(["ip", "netns", "exec", netns, "sleep", "300"])
        time.sleep(0.5)
        subprocess.run(["ip", "netns", "del", netns], check=True)
        assert network.port_exists(lab, "ctl-0")  # what a boot used to trip over
        network.unplug(lab, "ctl-0", netns)
        assert not network.port_exists(lab, "ctl-0")
        network.plug(lab, "ctl-0", netns, "10.99.0.11", 24)
        assert network.port_exists(lab, "ctl-0")
    finally:
        if holder:
            holder.kill()
            holder.wait()
        assert network.delete_all(lab) == []
        network.release_netns_dir()
