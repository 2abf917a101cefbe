"""`ngha apply` of the next-gen layout on the shared lab: every service really running
clustered, reached through the VIPs; a second apply changes nothing; what an operator
did by hand survives; a stale read, a kill half-way and bad input are all handled.

The lab stays deployed for the modules after this one (status, chaos)."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from lxml import etree

from ngha.facts import CibFact, CrmMonFact
from ngha.live import StaleCib, connect
from ngha.live.configuration import apply_patch
from ngha.plan.plan import make_plan
from ngha.targets import Target

from lab_checks import LabView, secrets_of
from lab_support import LAB, SHARED_LAB, ngha, ngha_executable

pytestmark = [*LAB, pytest.mark.timeout(600)]
NODES = ["ctl-0", "ctl-1", "ctl-2"]
SYSTEMD_UNITS = ["keystone.service", "memcached.service", "ngha-probe.service"]


@pytest.fixture(scope="module")
def applied(shared_lab):
    started = time.monotonic()
    result = ngha("apply", shared_lab, "--json", timeout=900)
    report = json.loads(result.stdout)
    report["wall_seconds"] = time.monotonic() - started
    report["output"] = result.stdout + result.stderr
    return report


@pytest.fixture(scope="module")
def view(applied):
    return LabView(SHARED_LAB)


@pytest.fixture(scope="module")
def live(shared_lab, applied):
    return connect(Target.load(shared_lab).loaded.deployment)


def test_first_apply_converges(applied):
    assert applied["changed"] and applied["remaining"]["pending"] is False
    steps = {s["step"] for s in applied["steps"]}
    assert steps == {"node files", "CIB", "core services", "one-off tasks", "systemd services",
                     "registrations", "OpenStack services"}
    print(f"first apply: {applied['wall_seconds']:.0f} s")


def test_every_resource_runs_where_it_should(live):
    crm = live.read_any(CrmMonFact())
    assert crm.roles_on("haproxy-clone") == {n: "Started" for n in NODES}
    assert crm.roles_on("rabbitmq-clone") == {n: "Started" for n in NODES}
    assert crm.roles_on("galera-master") == {n: "Promoted" for n in NODES}
    redis = crm.roles_on("redis-master")
    assert sorted(redis.values()) == ["Promoted", "Unpromoted", "Unpromoted"]
    assert len(crm.roles_on("ngha-probe-worker")) == 1  # the active/passive one
    vips = [i for i in crm.instances if i.resource.startswith("ip-")]
    assert len(vips) == 6 and all(i.active for i in vips)
    assert not crm.failed_actions
    # the units Pacemaker runs are disabled in systemd on every node
    for node in NODES:
        out = live.run(node, ["systemctl", "is-enabled", "haproxy", "mariadb",
                              "rabbitmq-server", "redis-server", "ngha-probe-worker"],
                       check=False).stdout.split()
        assert all(state != "enabled" for state in out), (node, out)


def test_galera_rabbitmq_redis_are_clustered(view):
    for node in NODES:
        status = view.galera_status(node)
        assert status["wsrep_cluster_size"] == "3" and status["wsrep_ready"] == "ON"
        assert status["wsrep_local_state_comment"] == "Synced"
    assert view.rabbit_running_nodes("ctl-1") == [f"rabbit@{n}" for n in NODES]
    assert sorted(view.redis_role(n) for n in NODES) == ["master", "slave", "slave"]


def test_keystone_token_through_the_vip_validates_on_another_node(view):
    token = view.keystone_token()
    assert token
    for node in NODES:
        assert view.token_valid_on(token, view.node_address(node)), node


def test_probe_writes_reads_and_calls_through_the_vip(view):
    status, written = view.probe("/write", "POST")
    assert status == 200 and written["id"] > 0
    status, read = view.probe(f"/read/{written['id']}")
    assert status == 200 and read["id"] == written["id"]
    status, rpc = view.probe("/rpc")
    assert status == 200 and rpc["served_by"] in NODES
    status, worker = view.probe("/worker")
    assert status == 200 and worker["age_seconds"] < 30


def test_lab_check_passes_every_client_check(applied):
    """`ngha lab check`, what `make demo` ends with: 8 checks from the client, all ok."""
    result = ngha("lab", "check", "--name", SHARED_LAB, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout


def test_second_apply_changes_nothing(shared_lab, live, view):
    epoch = live.read_any(CibFact()).version.configuration
    before = {n: view.main_pids(n, SYSTEMD_UNITS) for n in NODES}
    mariadbd = {n: view.process_pids(n, "mariadbd") for n in NODES}
    started = time.monotonic()
    result = ngha("apply", shared_lab)
    seconds = time.monotonic() - started
    assert "nothing to change" in result.stdout
    assert live.read_any(CibFact()).version.configuration == epoch
    assert {n: view.main_pids(n, SYSTEMD_UNITS) for n in NODES} == before
    assert {n: view.process_pids(n, "mariadbd") for n in NODES} == mariadbd
    assert ngha("plan", shared_lab, check=False).returncode == 0
    print(f"no-op apply: {seconds:.1f} s")


def test_a_resource_added_by_hand_survives(shared_lab, live):
    live.run("ctl-0", ["pcs", "resource", "create", "by-hand", "ocf:heartbeat:Dummy"])
    try:
        ngha("apply", shared_lab)
        cib = etree.fromstring(live.read_any(CibFact()).xml)
        assert cib.find(".//primitive[@id='by-hand']") is not None
        assert ngha("plan", shared_lab, check=False).returncode == 0
    finally:
        live.run("ctl-0", ["pcs", "resource", "delete", "by-hand", "--force"], check=False)


def test_a_change_between_plan_and_apply_is_detected(shared_lab, live):
    target = Target.load(shared_lab)
    # an operator changes one of ngha's resources: the plan puts it back...
    live.run("ctl-0", ["pcs", "resource", "update", "ngha-probe-worker",
                       "op", "monitor", "interval=61s"])
    plan = make_plan(live, target)
    assert "ngha-probe-worker" in plan.changes.resources_changed
    # ...but someone else changes the configuration before the patch goes in
    live.run("ctl-1", ["crm_attribute", "--type", "crm_config", "--name", "ngha-test-mark",
                       "--update", "1"])
    with pytest.raises(StaleCib):
        apply_patch(live, plan.patch)
    # apply itself re-reads and re-plans: the other change stays, ngha's comes back
    ngha("apply", shared_lab)
    mark = live.run("ctl-2", ["crm_attribute", "--type", "crm_config", "--name",
                              "ngha-test-mark", "--query", "--quiet"]).stdout.strip()
    assert mark == "1"
    assert ngha("plan", shared_lab, check=False).returncode == 0
    live.run("ctl-1", ["crm_attribute", "--type", "crm_config", "--name", "ngha-test-mark",
                       "--delete"])


def test_an_apply_killed_half_way_converges(shared_lab, live, view):
    # work for every step: files gone on every node, a constraint gone from the CIB
    units = ["keystone.service", "ngha-probe.service"]  # they read the files removed
    before = {n: view.main_pids(n, units) for n in NODES}
    for node in NODES:
        live.run(node, ["rm", "-f", "/etc/ngha-probe/ngha-probe.conf.d/50-ngha-retry.conf",
                        "/etc/keystone/keystone.conf.d/50-ngha-retry.conf"])
    constraint = "colocation-ip-10.213.0.105-haproxy-clone-INFINITY"
    live.run("ctl-0", ["cibadmin", "--delete", "--xml-text", f"<rsc_colocation id='{constraint}'/>"])
    assert ngha("plan", shared_lab, check=False).returncode == 3
    proc = subprocess.Popen([ngha_executable(), "apply", shared_lab], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline and "CIB:" not in seen:
        line = proc.stderr.readline()
        seen += line
        if not line and proc.poll() is not None:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert "CIB:" in seen, seen
    again = ngha("apply", shared_lab, timeout=900)
    assert "every change applied" in again.stdout or "nothing to change" in again.stdout
    assert ngha("plan", shared_lab, check=False).returncode == 0
    # the files were written before the kill, the restarts they owe came after it: the
    # second apply still made them (they were written down on each node)
    after = {n: view.main_pids(n, units) for n in NODES}
    for node in NODES:
        for unit in units:
            assert after[node][unit] != before[node][unit], (node, unit)
    status, _ = view.probe("/health")
    assert status == 200


def test_an_invalid_deployment_touches_nothing(shared_lab, live, tmp_path):
    epoch = live.read_any(CibFact()).version
    broken = tmp_path / "broken.yaml"
    broken.write_text(open(shared_lab).read().replace("internal_api: ", "internal_api: 999.1.1."))
    result = ngha("apply", str(broken), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert live.read_any(CibFact()).version.configuration == epoch.configuration
    assert ngha("plan", shared_lab, check=False).returncode == 0


def test_secrets_appear_nowhere(applied, live):
    secrets = secrets_of(SHARED_LAB)
    cib = live.read_any(CibFact()).xml.decode()
    haystacks = {"cib": cib, "apply output": applied["output"]}
    for node in NODES:
        haystacks[f"{node} ps"] = live.run(node, ["ps", "-eo", "args"]).stdout
        haystacks[f"{node} journal"] = live.run(node, ["journalctl", "--no-pager", "-q",
                                                       "-o", "cat"], timeout=120).stdout
    for name, value in secrets.items():
        for where, text in haystacks.items():
            assert value not in text, f"{name} found in {where}"
    # and the files holding them are not world-readable
    modes = live.run("ctl-1", ["stat", "-c", "%a %U:%G %n", "/etc/ngha/secrets/haproxy.env",
                               "/etc/redis/ngha-redis.conf", "/etc/ngha-probe/ngha-probe.conf",
                               "/var/lib/rabbitmq/.erlang.cookie",
                               "/etc/keystone/keystone.conf.d/40-ngha.conf"]).stdout
    for line in modes.splitlines():
        assert line.split()[0][-1] == "0", line
