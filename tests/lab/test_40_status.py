"""`ngha status` and `ngha restart` on the shared lab, deployed by test_30_apply: the view
across Pacemaker and systemd, how faults show, and a rolling restart measured from a
client through the VIP."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ngha.facts import (ClockFact, CorosyncFact, HaproxyServersFact, JournalFact, WsrepFact,
                        operation_results)
from ngha.facts.rabbitmq import AmqpLoginFact
from ngha.lab import cluster as lab_cluster
from ngha.live import connect
from ngha.targets import Target

from lab_checks import LabView
from lab_support import LAB, SHARED_LAB, ngha

pytestmark = [*LAB, pytest.mark.timeout(600)]
NODES = ["ctl-0", "ctl-1", "ctl-2"]


@pytest.fixture(scope="module")
def deployed(shared_lab):
    # on its own this module deploys the lab first; after test_30 this changes nothing
    ngha("apply", shared_lab, timeout=900)
    return shared_lab


@pytest.fixture(scope="module")
def live(deployed):
    return connect(Target.load(deployed).loaded.deployment)


def status(deployed) -> tuple[int, dict]:
    result = ngha("status", deployed, "--json", check=False)
    return result.returncode, json.loads(result.stdout)


def wait_status(deployed, verdict: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        code, data = status(deployed)
        if code == verdict or time.monotonic() > deadline:
            assert code == verdict, data["reasons"]
            return data
        time.sleep(2)


def test_every_node_read_of_the_core_services_on_real_nodes(deployed, live):
    """The facts chaos, apply and status share, read on the applied lab's real nodes."""
    target = Target.load(deployed)
    for node, wsrep in live.read_all(WsrepFact()).items():
        assert wsrep.synced and wsrep.cluster_size == 3, (node, wsrep)
    for node, servers in live.read_all(HaproxyServersFact()).items():
        assert [s for (b, s), state in servers.items() if b == "mysql" and state.up] \
            == NODES, node
    runtime = live.read_any(CorosyncFact())
    assert len(runtime.members) == 3 and all(m.joined for m in runtime.members)
    assert runtime.failover_budget > runtime.token_ms / 1000
    clocks = {n: live.read(ClockFact(), n) for n in NODES}
    assert all(abs(c - time.time()) < 5 for c in clocks.values())
    # every node's journal has what Pacemaker started there since the lab booted
    results = operation_results(live.read(JournalFact("pacemaker", clocks["ctl-0"] - 3600),
                                          "ctl-0"))
    assert any(r.action == "start" and r.ok and r.node == "ctl-0" for r in results)
    # the services' RabbitMQ login, right and wrong password (never in an argv)
    address = f"{target.loaded.deployment.node('ctl-1').address}:5672"
    password = target.secrets.value("rabbitmq_password")
    assert live.read(AmqpLoginFact(address, "openstack", password), "ctl-1") == "ok"
    refused = live.read(AmqpLoginFact(address, "openstack", password + "x"), "ctl-1")
    assert refused.startswith("refused"), refused


def test_healthy_lab_lists_every_service_with_its_manager(deployed):
    data = wait_status(deployed, 0)
    managers = {row["service"]: row["manager"] for row in data["services"]}
    openstack = ("glance-api", "placement-api", "nova-api", "nova-conductor", "nova-scheduler",
                 "neutron-server", "neutron-rpc-server", "cinder-api", "cinder-scheduler",
                 "heat-api", "heat-engine")
    assert managers == {"haproxy": "pacemaker", "rabbitmq": "pacemaker",
                        "galera": "pacemaker", "redis": "pacemaker",
                        "keystone": "systemd", "memcached": "systemd",
                        "ngha-probe": "systemd", "ngha-probe-worker": "pacemaker",
                        **{name: "systemd" for name in openstack},
                        "cinder-volume": "pacemaker"}
    galera = next(r for r in data["services"] if r["service"] == "galera")
    assert {c["state"] for c in galera["cells"].values()} == {"promoted"}
    assert data["quorum"] and set(data["nodes"].values()) == {"online"}
    table = ngha("status", deployed)
    for service in managers:
        assert service in table.stdout
    assert "HEALTHY" in table.stdout


def test_status_is_fast_and_writes_prometheus(deployed, tmp_path):
    started = time.monotonic()
    ngha("status", deployed, "--prometheus", str(tmp_path / "ngha.prom"))
    print(f"ngha status: {time.monotonic() - started:.2f} s")
    text = (tmp_path / "ngha.prom").read_text()
    assert 'ngha_status{cluster="ngha-test"} 0' in text
    assert 'ngha_service_up{cluster="ngha-test",service="keystone",node="ctl-1"' in text


def test_a_killed_systemd_service_is_restarted_by_systemd(deployed, live):
    before = next(r for r in status(deployed)[1]["services"] if r["service"] == "ngha-probe")
    restarts = before["cells"]["ctl-1"]["restarts"]
    live.run("ctl-1", ["systemctl", "kill", "--signal=SIGKILL", "ngha-probe"])
    data = wait_status(deployed, 0, timeout=60)
    after = next(r for r in data["services"] if r["service"] == "ngha-probe")
    assert after["cells"]["ctl-1"]["restarts"] == restarts + 1
    assert after["cells"]["ctl-1"]["state"] == "started"


def test_a_failed_pacemaker_resource_is_degraded_with_its_failed_action(deployed, live):
    live.run("ctl-0", ["crm_resource", "--fail", "--resource", "haproxy", "--node", "ctl-2"])
    try:
        data = wait_status(deployed, 1, timeout=60)
        assert any(a["resource"] == "haproxy" and a["node"] == "ctl-2"
                   for a in data["failed_actions"])
        assert "failed action: haproxy" in ngha("status", deployed, check=False).stdout
    finally:
        live.run("ctl-0", ["pcs", "resource", "cleanup", "haproxy"])
    wait_status(deployed, 0, timeout=120)


def test_a_crashed_node_is_degraded_and_offline(deployed, live):
    ngha("lab", "crash", "--name", SHARED_LAB, "ctl-2")
    try:
        data = wait_status(deployed, 1, timeout=60)
        assert data["nodes"]["ctl-2"] in ("offline", "unreachable")
        assert data["quorum"]
    finally:
        # The deployment fences: the survivors power-cycle ctl-2 themselves (reboot),
        # so it may be running again already.
        boot = ngha("lab", "boot", "--name", SHARED_LAB, "ctl-2", check=False)
        assert boot.returncode == 0 or "already running" in boot.stderr, boot.stderr
    lab_cluster.wait_until(live.transport, NODES, lab_cluster.all_online_with_quorum(NODES),
                           timeout=120, what="ctl-2 back")
    wait_status(deployed, 0, timeout=240)


def test_rolling_restart_of_keystone_keeps_it_answering_through_the_vip(deployed, live):
    view = LabView(SHARED_LAB)
    pids = {n: view.main_pids(n, ["keystone.service"])["keystone.service"] for n in NODES}
    results: list[tuple[float, bool]] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            results.append((time.monotonic(), view.keystone_token() is not None))
            time.sleep(0.2)

    thread = threading.Thread(target=client)
    thread.start()
    try:
        time.sleep(2)
        ngha("restart", "keystone", deployed, "--rolling", timeout=600)
        time.sleep(2)
    finally:
        stop.set()
        thread.join()
    failures = [t for t, ok in results if not ok]
    print(f"rolling restart: {len(results)} token requests, {len(failures)} failed")
    assert len(results) > 20 and not failures
    after = {n: view.main_pids(n, ["keystone.service"])["keystone.service"] for n in NODES}
    assert all(after[n] != pids[n] for n in NODES)  # every node really restarted


def test_restart_of_a_pacemaker_service_on_one_node(deployed, live):
    before = live.run("ctl-1", ["pgrep", "-x", "haproxy"]).stdout.split()
    report = ngha("restart", "haproxy", deployed, "--node", "ctl-1")
    assert "through pacemaker on ctl-1" in report.stdout
    after = live.run("ctl-1", ["pgrep", "-x", "haproxy"]).stdout.split()
    assert after and set(after).isdisjoint(before)
    wait_status(deployed, 0, timeout=60)
