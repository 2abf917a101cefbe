"""The live-cluster layer on the shared lab: every fact read from real nodes, the CIB
patched against the version that was read, and failures as one line, never a traceback."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from ngha.errors import NghaError
from ngha.facts import CibFact, CrmMonFact, FileDigestsFact, FactUnreadable, UnitsFact
from ngha.lab import cluster as lab_cluster
from ngha.live import StaleCib, connect
from ngha.live.errors import ClusterError
from ngha.live.configuration import apply_patch, make_patch
from ngha.live.pacemaker import read_cib, wait_for_idle
from ngha.model.load import load_deployment
from ngha.render.corosync import render_corosync

from lab_support import LAB

pytestmark = [*LAB, pytest.mark.timeout(300)]
NODES = ("ctl-0", "ctl-1", "ctl-2")


@pytest.fixture(scope="module")
def deployment(shared_lab):
    return load_deployment(shared_lab).deployment


@pytest.fixture(scope="module")
def live(deployment):
    return connect(deployment)


def test_connect_follows_the_deployment_target(live):
    assert live.nodes == NODES and live.name == "ngha-test"


def test_every_fact_reads_from_every_node(live, deployment):
    views = live.read_all(CrmMonFact())
    for node, view in views.items():
        assert view.quorum and view.online == set(NODES), node
        assert view.dc in NODES
    cib = live.read(CibFact(), "ctl-1")
    assert cib.version.epoch > 0 and cib.node == "ctl-1"
    units = live.read_all(UnitsFact(["corosync", "pacemaker", "haproxy"]))
    for node in NODES:
        assert units[node]["corosync.service"].running
        assert units[node]["pacemaker.service"].main_pid > 1
        assert not units[node]["haproxy.service"].enabled  # Pacemaker will own it
    expected = hashlib.sha256(render_corosync(deployment).encode()).hexdigest()
    digests = live.read_all(FileDigestsFact(["/etc/corosync/corosync.conf", "/no/such"]))
    for node in NODES:
        conf = digests[node]["/etc/corosync/corosync.conf"]
        # the lab's copy differs only by its flight-recorder line: same file, same owner
        assert conf.exists and conf.owner == "root:root" and len(conf.sha256) == 64
        assert not digests[node]["/no/such"].exists
    assert expected  # the renderer's digest is computed the same way


def _with_property(cib, name: str, value: str | None) -> etree._Element:
    root = cib.tree()
    nvset = root.find("configuration/crm_config/cluster_property_set")
    for pair in nvset.findall(f"nvpair[@name='{name}']"):
        nvset.remove(pair)
    if value is not None:
        etree.SubElement(nvset, "nvpair", {"id": f"{nvset.get('id')}-{name}", "name": name,
                                           "value": value})
    return root


def test_cib_patch_applies_once_and_a_stale_one_is_refused(live):
    cib = read_cib(live)
    patch = make_patch(cib, _with_property(cib, "ngha-live-test", "1"))
    assert not patch.empty
    # a status-only change in between (a transient attribute) does not block the patch
    live.run("ctl-2", ["crm_attribute", "-N", "ctl-1", "-l", "reboot", "-n",
                       "ngha-test-status", "-v", "1"])
    apply_patch(live, patch)
    after = read_cib(live)
    assert after.version.epoch > cib.version.epoch
    query = live.run("ctl-1", ["crm_attribute", "--type", "crm_config", "--name",
                               "ngha-live-test", "--query", "--quiet"])
    assert query.stdout.strip() == "1"
    # the same patch again: the configuration moved since it was read
    with pytest.raises(StaleCib, match="changed since it was read"):
        apply_patch(live, patch)
    assert read_cib(live).version.configuration == after.version.configuration
    # building from the current CIB with nothing changed is an empty patch
    assert make_patch(after, after.tree()).empty
    apply_patch(live, make_patch(after, _with_property(after, "ngha-live-test", None)))
    live.run("ctl-2", ["crm_attribute", "-N", "ctl-1", "-l", "reboot", "-n",
                       "ngha-test-status", "--delete"])
    assert wait_for_idle(live, timeout=60) < 60


def test_a_busy_cluster_names_what_is_pending(live):
    """Each of its operations takes 8 s: a 3 s wait gives up naming one pending."""
    live.run("ctl-0", ["pcs", "resource", "create", "ngha-slow", "ocf:pacemaker:Dummy",
                       "op_sleep=8", "op", "start", "timeout=60s", "monitor", "interval=60s"])
    try:
        # its probes first, then its start: either may be what is pending at 3 s
        with pytest.raises(ClusterError, match=r"pending after 3 s: .*ngha-slow_\w+ on ctl-"):
            wait_for_idle(live, timeout=3)
    finally:  # the next tests apply to this lab: nothing of this test may be left running
        live.run("ctl-0", ["pcs", "resource", "delete", "ngha-slow", "--force"], timeout=120)
        # and its history: Pacemaker deletes an orphan's history itself, but once (in CI,
        # after this lab's crash, partition and freeze) those deletes stayed pending
        live.run("ctl-0", ["crm_resource", "--refresh", "--resource", "ngha-slow"])
        assert wait_for_idle(live, timeout=120) < 120
    assert "ngha-slow" not in live.run("ctl-0", ["cibadmin", "--query", "--scope",
                                                 "resources"]).stdout


def test_a_broken_node_is_one_clear_error(live):
    live.run("ctl-2", ["systemctl", "stop", "pacemaker"], timeout=120)
    try:
        with pytest.raises(FactUnreadable) as caught:
            live.read(CrmMonFact(), "ctl-2")
        assert str(caught.value).startswith("ctl-2: crm_mon: Not connected")
        views = live.read_all(CrmMonFact())
        assert isinstance(views["ctl-2"], NghaError)
        assert views["ctl-0"].quorum  # the others still answer
        assert live.read_any(CrmMonFact(), prefer=("ctl-2",)).quorum
        missing = live.run("ctl-2", ["no-such-tool"], check=False)
        assert missing.rc == 127
        with pytest.raises(NghaError) as failure:
            live.run("ctl-2", ["systemctl", "start", "no-such-unit"], timeout=30)
        assert "ctl-2: `systemctl start no-such-unit` exited" in str(failure.value)
        assert "\n" not in failure.value.message
    finally:
        live.run("ctl-2", ["systemctl", "start", "pacemaker"], timeout=120)
        lab_cluster.wait_until(live.transport, list(NODES),
                               lab_cluster.all_online_with_quorum(NODES), timeout=120,
                               what="ctl-2 back")
