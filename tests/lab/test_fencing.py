"""Lab fencing on a lab of its own: the agent in every node, Pacemaker power-cycling a node
through it, off and on, refusals that change nothing, concurrent requests, and nothing
left after `lab down` (the fence daemon included).

Tests run in file order on one lab; stonith stays disabled (the bare lab) until the last
one, so that `off` is not followed by the cluster's own reboot of the node.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from ngha.lab import cluster, fencing
from ngha.lab.fenced import ANSWERED, RECEIVED
from ngha.lab.node import is_alive
from ngha.lab.session import Lab, lab_paths
from ngha.transport.process import run_process

from lab_support import LAB, leftovers, ngha

pytestmark = [*LAB, pytest.mark.timeout(420)]

NAME = "ngha-test-fence"
NODES = ["ctl-0", "ctl-1", "ctl-2"]
# Loads the agent installed in the node as a module, to send what the agent itself
# refuses to send (an unknown action).
RAW_REQUEST = """
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("agent", "/usr/sbin/fence_ngha_lab")
agent = importlib.util.module_from_spec(importlib.util.spec_from_loader("agent", loader))
sys.modules["agent"] = agent  # its dataclasses look their module up there
loader.exec_module(agent)
key = agent.read_key(agent.KEY_FILE)
try:
    print(agent.ask(sys.argv[1], agent.DEFAULT_PORT, key, sys.argv[2], sys.argv[3], 5, 30))
except agent.AgentError as exc:
    print(exc)
    sys.exit(1)
"""


@pytest.fixture(scope="module")
def lab():
    ngha("lab", "down", "--name", NAME)  # the remains of an earlier, killed run
    try:
        ngha("lab", "up", "--name", NAME, "--nodes", "3")
        yield Lab.read(NAME)
    finally:
        ngha("lab", "down", "--name", NAME, check=False)


@pytest.fixture(scope="module")
def transport(lab):
    return lab.transport(follow=True)


@pytest.fixture(scope="module")
def daemon_ip(lab):
    return fencing.daemon_address(lab.state)


def agent(transport, node: str, *args: str, timeout: float = 90):
    return transport.run(node, ["fence_ngha_lab", *args], timeout=timeout)


def power() -> dict[str, tuple[str, int | None]]:
    state = Lab.read(NAME).state
    return {n.name: (n.power, n.pid1 if is_alive(n) else None) for n in state.nodes}


def wait_daemon_idle(timeout: float = 60) -> None:
    """Every request the daemon received is answered: one whose sender died on the way
    (shot by the other side of a duel) is carried out all the same."""
    def idle() -> bool:
        lines = lab_paths(NAME).fence_log.read_text().splitlines()
        return sum(RECEIVED in l for l in lines) == sum(f" {ANSWERED} " in l for l in lines)
    time.sleep(1)
    deadline = time.monotonic() + timeout
    while not idle():
        tail = lab_paths(NAME).fence_log.read_text().splitlines()[-12:]
        assert time.monotonic() < deadline, \
            "the fence daemon is still busy; its log ends:\n" + "\n".join(tail)
        time.sleep(0.5)


def wait_powered_on(node: str, old_pid1: int | None, timeout: float = 60) -> None:
    """A reboot's power-on comes after the daemon's answer (min_off later)."""
    deadline = time.monotonic() + timeout
    while not (power()[node][0] == "running" and power()[node][1] not in (None, old_pid1)):
        assert time.monotonic() < deadline, f"{node} was not powered on again: {power()}"
        time.sleep(0.5)


def wait_all_online(transport, timeout: float = 120) -> None:
    cluster.wait_until(transport, NODES, cluster.all_online_with_quorum(NODES),
                       timeout=timeout, what="every node online")


def test_every_node_has_the_agent_and_a_root_only_key(lab, transport):
    for node in NODES:
        modes = transport.run(node, ["stat", "-c", "%a %U", "/usr/sbin/fence_ngha_lab",
                                     "/etc/ngha/fence-lab.key"], check=True).stdout.split("\n")
        assert modes[:2] == ["755 root", "600 root"], node
    meta = ET.fromstring(agent(transport, "ctl-1", "-o", "metadata").stdout)
    assert {"on", "off", "reboot", "status", "monitor"} <= {
        a.get("name") for a in meta.iter("action")}
    admin = transport.run("ctl-0", ["stonith_admin", "--metadata", "--agent", "fence_ngha_lab"])
    assert admin.ok and 'name="fence_ngha_lab"' in admin.stdout
    described = transport.run("ctl-0", ["pcs", "stonith", "describe", "fence_ngha_lab"])
    assert described.ok and "ip (required)" in described.stdout
    status = ngha("lab", "status", "--name", NAME).stdout
    assert "daemon listening on port 7410 (main, cut)" in status
    # The key reaches the daemon through a file: no process shows it in its argv.
    key = lab.paths.fence_key.read_text().strip()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            assert key.encode() not in open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue


def test_off_leaves_a_node_crashed_and_on_boots_it(transport, daemon_ip):
    before = power()["ctl-1"]
    off = agent(transport, "ctl-0", "-a", daemon_ip, "-n", "ctl-1", "-o", "off")
    assert off.rc == 0 and off.stdout == "Success: Powered OFF\n", off.stderr
    time.sleep(3)
    assert power()["ctl-1"] == ("crashed", None)
    status = agent(transport, "ctl-2", "-a", daemon_ip, "-n", "ctl-1", "-o", "status")
    assert (status.rc, status.stdout) == (2, "Status: OFF\n")

    on = agent(transport, "ctl-0", "-a", daemon_ip, "-n", "ctl-1", "-o", "on")
    assert on.rc == 0 and on.stdout == "Success: Powered ON\n", on.stderr
    state, pid1 = power()["ctl-1"]
    assert state == "running" and pid1 not in (None, before[1])
    wait_all_online(transport)


def test_refused_requests_change_nothing(lab, transport, daemon_ip):
    before = power()
    transport.put_file("ctl-0", "/root/wrong.key", "ab" * 32 + "\n", mode=0o600)
    wrong = agent(transport, "ctl-0", "-a", daemon_ip, "-n", "ctl-2", "-o", "off",
                  "-k", "/root/wrong.key")
    assert wrong.rc == 1 and "refused: authentication failed" in wrong.stderr
    other_lab = agent(transport, "ctl-0", "-a", daemon_ip, "-n", "ngha-test/ctl-2", "-o", "off")
    assert other_lab.rc == 1 and "not a node of lab ngha-test-fence" in other_lab.stderr
    unknown = transport.run("ctl-0", ["python3", "-c", RAW_REQUEST, daemon_ip, "destroy",
                                      "ctl-2"])
    assert unknown.rc == 1 and "unknown action 'destroy'" in unknown.stdout
    missing = transport.run("ctl-0", ["python3", "-c", RAW_REQUEST, daemon_ip, "off", "ctl-9"])
    assert missing.rc == 1 and "has no node 'ctl-9'" in missing.stdout
    # The right key from the client's namespace, where a user (or a stolen key) would be.
    stolen = run_process(
        ["ip", "netns", "exec", lab.state.client.netns, sys.executable, "-c",
         "import sys; from ngha.lab import fence_agent as a; "
         "k = a.parse_key(sys.stdin.read()); a.ask(sys.argv[1], a.DEFAULT_PORT, k, 'off', "
         "'ctl-2', 5, 30)", daemon_ip],
        stdin=lab.paths.fence_key.read_bytes(), timeout=30)
    assert stolen.rc == 1 and b"is not a node of lab" in stolen.stderr
    assert power() == before


def test_concurrent_requests_keep_the_lab_consistent(transport, daemon_ip):
    """The same node rebooted from two nodes at once, then two nodes powering each other
    off: every request is served under the lab lock, and lab.json matches reality."""
    old = power()["ctl-1"][1]
    results = {}

    def from_node(node: str, action: str, target: str) -> None:
        results[(node, target)] = agent(transport, node, "-a", daemon_ip, "-n", target,
                                        "-o", action)

    both = [threading.Thread(target=from_node, args=(n, "reboot", "ctl-1"))
            for n in ("ctl-0", "ctl-2")]
    for t in both:
        t.start()
    for t in both:
        t.join()
    assert all(r.rc == 0 for r in results.values()), results
    wait_powered_on("ctl-1", old)
    wait_all_online(transport)

    results.clear()
    duel = [threading.Thread(target=from_node, args=("ctl-1", "off", "ctl-2")),
            threading.Thread(target=from_node, args=("ctl-2", "off", "ctl-1"))]
    for t in duel:
        t.start()
    for t in duel:
        t.join()
    wait_daemon_idle()
    after = power()
    assert after["ctl-0"][0] == "running"
    # at least one shot landed; a node killed first may not have sent its own
    assert {after["ctl-1"][0], after["ctl-2"][0]} & {"crashed"}
    for node in ("ctl-1", "ctl-2"):
        assert (after[node][0] == "running") == (after[node][1] is not None), after
        if after[node][0] == "crashed":
            ngha("lab", "boot", "--name", NAME, "--no-wait", node)
    wait_all_online(transport)


def test_stonith_admin_reboot_power_cycles_a_node(transport, daemon_ip):
    run = lambda *argv: transport.run("ctl-0", list(argv), timeout=120, check=True)  # noqa
    # No plug: Pacemaker passes the target itself, as with a device per node in production.
    run("pcs", "stonith", "create", "fence-ctl-2", "fence_ngha_lab", f"ip={daemon_ip}",
        "pcmk_host_list=ctl-2")
    run("pcs", "property", "set", "stonith-enabled=true")
    deadline = time.monotonic() + 60
    while not re.search(r"fence-ctl-2\s.*Started", run("crm_mon", "-1").stdout):
        assert time.monotonic() < deadline, run("crm_mon", "-1").stdout
        time.sleep(1)
    old = power()["ctl-2"][1]

    started = time.monotonic()
    run("stonith_admin", "--reboot", "ctl-2", "--timeout", "60")
    seconds = time.monotonic() - started
    print(f"\nstonith_admin --reboot ctl-2: {seconds:.1f} s")
    assert power()["ctl-2"][0] == "crashed"  # fenced: off, its power-on still to come
    wait_powered_on("ctl-2", old)
    # back in the cluster with Pacemaker running: it came back after the survivors saw it
    # leave, so it was not told it "was allegedly just fenced"
    wait_all_online(transport)
    assert "reboot of ctl-2 successful" in run("stonith_admin", "--history", "ctl-2").stdout


def test_down_removes_the_fence_daemon_too(lab):
    ngha("lab", "down", "--name", NAME)
    assert leftovers(NAME, lab_paths(NAME).dir) == []
    processes = run_process(["ps", "-eo", "args"]).stdout.decode()
    assert f"ngha.lab.fenced {lab.paths.dir}" not in processes
