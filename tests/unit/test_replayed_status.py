"""The health model and `ngha status` against recordings of a real lab cluster (both
layouts), and what each kind of fault makes of them: the verdict, the structured
problems, the sentences, the Prometheus text."""

from __future__ import annotations

import pytest
from lxml import etree

from ngha.health import AFTERMATH, DEGRADED, DOWN, HEALTHY, cluster_health, current
from ngha.status import cluster_status
from ngha.status.prometheus import prometheus_text
from ngha.targets import Target

from replay import Recording, replayed

NODES = ("ctl-0", "ctl-1", "ctl-2")


def load(tmp_path, profile: str):
    recording = Recording.load(f"lab-{profile}")
    return recording, Target.load(recording.deployment_file(tmp_path), profile)


def crm_mon(change):
    """An edit of every node's crm_mon XML: change(root) in place."""
    def edit(node: str, stdout: str) -> str:
        root = etree.fromstring(stdout.encode())
        change(root)
        return etree.tostring(root).decode()
    return edit


def instances(root, resource: str, node: str | None = None):
    return [r for r in root.iterfind(f".//resource[@id='{resource}']")
            if node is None or r.find(f"node[@name='{node}']") is not None]


@pytest.mark.parametrize("profile", ["nextgen", "legacy"])
def test_the_recorded_cluster_is_healthy(tmp_path, profile):
    recording, target = load(tmp_path, profile)
    cluster, transport = replayed(recording)
    status = cluster_status(cluster, target)
    assert status.verdict == HEALTHY, status.reasons
    assert status.problems == [] and status.reasons == []
    assert status.nodes == {n: "online" for n in NODES} and status.quorum
    managers = {r.service: r.manager for r in status.services}
    assert managers["keystone"] == ("systemd" if profile == "nextgen" else "pacemaker")
    galera = next(r for r in status.services if r.service == "galera")
    assert {c.state for c in galera.cells.values()} == {"promoted"}
    # Redis's replicas run: unpromoted counts as running
    redis = next(r for r in status.services if r.service == "redis")
    assert sorted(c.state for c in redis.cells.values()) == ["promoted", "unpromoted",
                                                             "unpromoted"]
    assert sorted(redis.running_on) == list(NODES)
    assert transport.changes == []


def test_a_failed_action_is_degraded_and_only_aftermath(tmp_path):
    recording, target = load(tmp_path, "nextgen")

    def fail(root):
        failures = etree.SubElement(root, "failures")
        etree.SubElement(failures, "failure", {
            "op_key": "haproxy_monitor_5000", "node": "ctl-2", "exitstatus": "not running",
            "exitreason": "", "exitcode": "7", "call": "40", "status": "complete",
            "last-rc-change": "2026-12-07 02:56:00Z", "queued": "0", "exec": "0",
            "interval": "5000", "task": "monitor"})
    recording.edit("crm_mon", crm_mon(fail))
    cluster, _ = replayed(recording)
    status = cluster_status(cluster, target)
    assert status.verdict == DEGRADED and status.reasons == ["1 failed actions"]
    assert status.failed_actions[0]["resource"] == "haproxy"
    (problem,) = status.problems
    assert (problem["kind"], problem["subject"], problem["node"]) == \
        ("failed-action", "haproxy", "ctl-2")
    # chaos's "healthy again": a failed action left by a recovered fault is not a
    # sign that anything is down now
    health = cluster_health(cluster, target)
    assert current(health.problems) == [] and problem["kind"] in AFTERMATH


def test_galera_stopped_everywhere_is_down(tmp_path):
    recording, target = load(tmp_path, "nextgen")

    def stop(root):
        for instance in instances(root, "galera"):
            instance.set("role", "Stopped")
            instance.set("active", "false")
            for node in instance.findall("node"):
                instance.remove(node)
    recording.edit("crm_mon", crm_mon(stop))
    cluster, _ = replayed(recording)
    status = cluster_status(cluster, target)
    assert status.verdict == DOWN
    assert status.reasons[0] == "galera-master runs nowhere"
    galera = next(r for r in status.services if r.service == "galera")
    assert {c.state for c in galera.cells.values()} == {"stopped"}


def test_galera_not_promoted_on_one_node_is_degraded(tmp_path):
    recording, target = load(tmp_path, "nextgen")
    recording.edit("crm_mon", crm_mon(
        lambda root: instances(root, "galera", "ctl-2")[0].set("role", "Unpromoted")))
    cluster, _ = replayed(recording)
    status = cluster_status(cluster, target)
    assert status.verdict == DEGRADED
    assert [(p["kind"], p["subject"]) for p in status.problems] == [
        ("not-promoted", "galera-master")]


def test_a_systemd_service_down_on_one_node_names_it(tmp_path):
    recording, target = load(tmp_path, "nextgen")

    def stopped(node: str, stdout: str) -> str:
        if node != "ctl-1":
            return stdout
        blocks = stdout.strip().split("\n\n")
        return "\n\n".join(b.replace("ActiveState=active", "ActiveState=failed")
                           .replace("SubState=running", "SubState=failed")
                           if "Id=keystone.service" in b else b for b in blocks) + "\n"
    recording.edit("systemctl", stopped)
    cluster, _ = replayed(recording)
    status = cluster_status(cluster, target)
    assert status.verdict == DEGRADED
    kinds = sorted((p["kind"], p["subject"], p["node"]) for p in status.problems)
    assert kinds == [("failed-unit", "keystone.service", "ctl-1"),
                     ("not-running", "keystone", "ctl-1")]
    assert "keystone not running on ctl-1" in status.reasons


def test_a_node_seen_offline_is_degraded(tmp_path):
    recording, target = load(tmp_path, "nextgen")

    def offline(root):
        """ctl-2 lost; what ran there alone (VIPs, fence devices) recovered on ctl-0."""
        root.find("nodes/node[@name='ctl-2']").set("online", "false")
        for instance in root.iterfind(".//resource"):
            node = instance.find("node[@name='ctl-2']")
            if node is None:
                continue
            if instance.getparent().tag == "clone":
                instance.remove(node)
                instance.set("active", "false")
                instance.set("role", "Stopped")
            else:
                node.set("name", "ctl-0")
    recording.edit("crm_mon", crm_mon(offline))
    cluster, _ = replayed(recording)
    status = cluster_status(cluster, target)
    assert status.nodes["ctl-2"] == "offline" and status.verdict == DEGRADED
    assert "ctl-2 is offline" in status.reasons
    # what ran on ctl-2 alone (a VIP, Redis's master...) runs elsewhere or is reported;
    # nothing is expected on the node that is gone
    assert not any(p["node"] == "ctl-2" and p["kind"] == "not-running"
                   for p in status.problems)


def test_prometheus_text_names_every_sample(tmp_path):
    recording, target = load(tmp_path, "nextgen")
    cluster, _ = replayed(recording)
    text = prometheus_text(cluster_status(cluster, target))
    samples = [line for line in text.splitlines() if not line.startswith("#")]
    labels = {}
    for line in samples:
        name, rest = line.split("{", 1)
        keys = [pair.split("=", 1)[0] for pair in rest.rsplit("}", 1)[0].split('",')]
        labels.setdefault(name, set()).add(tuple(keys))
    assert labels["ngha_status"] == {("cluster",)}
    assert labels["ngha_node_online"] == {("cluster", "node", "state")}
    assert labels["ngha_service_up"] == {("cluster", "service", "node", "manager", "state")}
    assert labels["ngha_service_restarts_total"] == {("cluster", "service", "node",
                                                      "manager")}
    assert 'ngha_status{cluster="ngha-record"} 0' in samples
    assert ('ngha_service_up{cluster="ngha-record",service="galera",node="ctl-1",'
            'manager="pacemaker",state="promoted"} 1') in samples
    up = [line for line in samples if line.startswith("ngha_service_up{")]
    assert len(up) == len(target.loaded.services) * len(NODES)
    down = [line for line in up if line.endswith(" 0")]
    passive = ("ngha-probe-worker", "cinder-volume")  # each runs on one node of three
    assert len(down) == 2 * len(passive)
    assert all(any(f'service="{name}"' in line for name in passive) for line in down)
    assert any('state="unpromoted"' in line for line in up)
    assert "# TYPE ngha_service_restarts_total counter" in text
