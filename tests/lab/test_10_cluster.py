"""A real 3-node lab: quorum, transports, crash/boot, partition/heal, freeze.

The tests share the session's lab (conftest.py) and run in file order; each fault is
healed before the next test, and test_zz_down.py takes the lab down at the end.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET

import pytest

from ngha.lab import cluster
from ngha.lab.session import Lab
from ngha.transport import run_on_nodes

from lab_support import LAB, SHARED_LAB, ngha

pytestmark = [*LAB, pytest.mark.timeout(300)]

NAME = SHARED_LAB
NODES = ["ctl-0", "ctl-1", "ctl-2"]


@pytest.fixture(scope="module")
def lab(shared_lab):
    return shared_lab


@pytest.fixture(scope="module")
def transport(lab):
    return Lab.read(NAME).transport(follow=True)


def failover_budget(transport) -> float:
    """token + consensus + 5 s, from the values corosync actually runs with."""
    def cmap(key: str) -> int:
        out = transport.run("ctl-0", ["corosync-cmapctl", "-g", key], check=True).stdout
        return int(out.rsplit("=", 1)[1])
    return (cmap("runtime.config.totem.token") + cmap("runtime.config.totem.consensus")) / 1000 + 5


def test_up_writes_deployment_skeleton(lab):
    from ruamel.yaml import YAML
    doc = YAML(typ="safe").load(open(lab))
    state = Lab.read(NAME).state
    assert doc["cluster"] == NAME and doc["target"] == "lab"
    assert doc["corosync"] == {"transport": "knet", "token": 3000, "crypto": False,
                              "blackbox": False}
    assert [n["name"] for n in doc["nodes"]] == NODES
    assert sorted(doc["vips"]) == sorted(state.vips)
    for secret in doc["secrets"].values():
        path = secret["file"]
        assert os.stat(path).st_mode & 0o777 == 0o600


def test_lab_runs_the_corosync_conf_ngha_renders(lab, transport):
    """The lab's nodes run what `ngha render` makes of the lab's deployment file."""
    from ngha.model.load import load_deployment
    from ngha.render.corosync import render_corosync

    def significant(text: str) -> list[str]:
        return [line for line in text.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]

    rendered = render_corosync(load_deployment(lab).deployment)
    actual = transport.read_file("ctl-1", "/etc/corosync/corosync.conf").decode()
    assert significant(actual) == significant(rendered)


def test_crm_mon_shows_three_nodes_online_with_quorum(transport):
    out = transport.run("ctl-0", ["crm_mon", "--output-as=xml"], check=True).stdout
    root = ET.fromstring(out)
    assert root.find("./summary/current_dc").get("with_quorum") == "true"
    online = [n.get("name") for n in root.iterfind("./nodes/node") if n.get("online") == "true"]
    assert sorted(online) == NODES
    assert root.find("./summary/cluster_options").get("stonith-enabled") == "false"


def test_rendered_pcs_script_applies_to_the_live_cluster_and_is_rerunnable(lab, transport,
                                                                             tmp_path):
    """The foundation's pcs-commands.sh, pushed for real with cib-push diff-against.
    Maintenance mode keeps Pacemaker from starting the services during this test."""
    from ngha.model.load import load_deployment
    from ngha.render.artifacts import render_all

    out = tmp_path / "render"
    render_all(load_deployment(lab), out, with_svg=False)
    transport.run("ctl-0", ["pcs", "property", "set", "maintenance-mode=true"], check=True)
    try:
        transport.put_file("ctl-0", "/root/ngha-pcs.sh", (out / "pcs-commands.sh").read_text(),
                           mode=0o700)
        first = transport.run("ctl-0", ["sh", "/root/ngha-pcs.sh"], timeout=240)
        assert first.ok, first.stderr[-1500:]
        config = ET.fromstring(transport.run("ctl-0", ["cibadmin", "--query", "--scope",
                                                       "configuration"], check=True).stdout)
        expected = ET.parse(out / "cib.xml").getroot().find("configuration")
        for tag in ("primitive", "clone", "rsc_order", "rsc_colocation"):
            assert sorted(e.get("id") for e in config.iter(tag)) == \
                sorted(e.get("id") for e in expected.iter(tag)), tag
        epoch = ET.fromstring(transport.run("ctl-0", ["cibadmin", "--query"],
                                            check=True).stdout).get("epoch")
        again = transport.run("ctl-0", ["sh", "/root/ngha-pcs.sh"], timeout=240)
        assert again.ok and "nothing to push" in again.stdout + again.stderr
        assert ET.fromstring(transport.run("ctl-0", ["cibadmin", "--query"],
                                           check=True).stdout).get("epoch") == epoch
    finally:
        # the probes of ~30 new resources finish first: a resource deleted while its probe
        # ran left a `delete` of its history pending for minutes (CI: rabbitmq_delete_0,
        # still pending when the next tests waited for an idle cluster)
        wait_idle = ["crm_resource", "--wait", "--timeout=180s"]
        transport.run("ctl-0", wait_idle, timeout=210)
        for scope, empty in (("constraints", "<constraints/>"), ("resources", "<resources/>")):
            transport.run("ctl-0", ["cibadmin", "--replace", "--scope", scope,
                                    "--xml-text", empty])
        # the probes' history of the deleted resources too, while still in maintenance:
        # no orphan is left for Pacemaker to clean up when the next test waits for idle
        transport.run("ctl-0", ["crm_resource", "--refresh"], timeout=120)
        transport.run("ctl-0", wait_idle, timeout=210)
        transport.run("ctl-0", ["pcs", "property", "set", "maintenance-mode=false"])


def test_ssh_transport_runs_on_every_node(lab):
    results = run_on_nodes(Lab.read(NAME).ssh_transport(), NODES, ["hostname"], timeout=30)
    assert {n: r.stdout.strip() for n, r in results.items() if r.ok} == {n: n for n in NODES}


def test_put_file_and_read_file_over_both_transports(lab):
    for t in (Lab.read(NAME).transport(follow=True), Lab.read(NAME).ssh_transport()):
        t.put_file("ctl-1", "/root/ngha-test/secret", "s3cret\n", mode=0o600)
        assert t.read_file("ctl-1", "/root/ngha-test/secret") == b"s3cret\n"
        stat = t.run("ctl-1", ["stat", "-c", "%a %U", "/root/ngha-test/secret"], check=True)
        assert stat.stdout.split() == ["600", "root"]


def test_run_timeout_is_reported(transport):
    result = transport.run("ctl-0", ["sleep", "30"], timeout=1)
    assert result.timed_out and not result.ok


def test_exec_cli_and_client_endpoint(lab):
    assert ngha("lab", "exec", "--name", NAME, "ctl-2", "--", "hostname").stdout.strip() == "ctl-2"
    assert ngha("lab", "exec", "--name", NAME, "ctl-0", "--", "sh", "-c", "exit 7",
                check=False).returncode == 7
    # The client reaches a node's sshd over the lab bridge.
    address = Lab.read(NAME).state.node("ctl-1").address
    probe = ngha("lab", "exec", "--name", NAME, "client", "--", "bash", "-c",
                 f"exec 3<>/dev/tcp/{address}/22 && head -c 4 <&3")
    assert probe.stdout == "SSH-"


def test_crash_is_seen_offline_then_boot_rejoins_with_disk_kept(transport):
    transport.run("ctl-2", ["sh", "-c", "echo before-crash > /root/disk-marker"], check=True)
    budget = failover_budget(transport)
    started = time.monotonic()
    ngha("lab", "crash", "--name", NAME, "ctl-2")
    cluster.wait_until(transport, ["ctl-0", "ctl-1"],
                       lambda m: "ctl-2" in m.offline and m.quorum,
                       timeout=budget, what="ctl-2 offline", interval=0.5)
    assert time.monotonic() - started <= budget
    assert Lab.read(NAME).state.node("ctl-2").power == "crashed"

    ngha("lab", "boot", "--name", NAME, "ctl-2")  # waits until its side sees it online
    cluster.wait_until(transport, NODES, cluster.all_online_with_quorum(NODES),
                       timeout=60, what="ctl-2 back")
    assert transport.read_file("ctl-2", "/root/disk-marker") == b"before-crash\n"


def test_partition_majority_keeps_quorum_minority_loses_it(transport):
    budget = failover_budget(transport)
    ngha("lab", "partition", "--name", NAME, "ctl-0")
    try:
        cluster.wait_until(transport, ["ctl-1", "ctl-2"],
                           lambda m: m.quorum and "ctl-0" not in m.online,
                           timeout=budget, what="majority without ctl-0", interval=0.5)
        cluster.wait_until(transport, ["ctl-0"], lambda m: not m.quorum,
                           timeout=budget, what="ctl-0 without quorum", interval=0.5)
    finally:
        ngha("lab", "heal", "--name", NAME)
    cluster.wait_until(transport, NODES, cluster.all_online_with_quorum(NODES),
                       timeout=60, what="healed cluster")


def test_freeze_then_thaw(transport):
    budget = failover_budget(transport)
    ngha("lab", "freeze", "--name", NAME, "ctl-1")
    try:
        cluster.wait_until(transport, ["ctl-0", "ctl-2"],
                           lambda m: m.quorum and "ctl-1" not in m.online,
                           timeout=budget, what="ctl-1 frozen out", interval=0.5)
    finally:
        ngha("lab", "thaw", "--name", NAME, "ctl-1")
    cluster.wait_until(transport, NODES, cluster.all_online_with_quorum(NODES),
                       timeout=90, what="ctl-1 back after thaw")


def test_status_and_user_errors(lab):
    status = ngha("lab", "status", "--name", NAME)
    assert "ctl-0" in status.stdout and "quorum=yes" in status.stdout
    unknown = ngha("lab", "exec", "--name", NAME, "ctl-9", "--", "true", check=False)
    # naming a node the lab does not have, or asking for a lab that is already up, is
    # a refused request: exit 2, one line, nothing done
    assert unknown.returncode == 2 and "no node 'ctl-9'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    again = ngha("lab", "up", "--name", NAME, check=False)
    assert again.returncode == 2 and f"ngha lab down --name {NAME}" in again.stderr
