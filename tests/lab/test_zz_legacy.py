"""The legacy (all-Pacemaker) layout applied on a fresh lab: every service under
Pacemaker, the same probes passing; the cascade gate refusing a change that would restart
Galera's dependants; then the migration to next-gen under probe load and back, a
migration killed half-way, and the preflight refusals. Runs after the shared lab is down
(file order), on a lab of its own."""

from __future__ import annotations

import json
import os
import time

import pytest
from ruamel.yaml import YAML

from ngha.facts import CibFact, CrmMonFact
from ngha.live import connect
from ngha.targets import Target

from lab_checks import LabView
from lab_support import LAB, SHARED_LAB, leftovers, ngha

pytestmark = [*LAB, pytest.mark.timeout(900)]
NAME = "ngha-test-legacy"
NODES = ["ctl-0", "ctl-1", "ctl-2"]


@pytest.fixture(scope="module")
def legacy_lab():
    ngha("lab", "down", "--name", SHARED_LAB)  # one lab with everything running at a time
    ngha("lab", "down", "--name", NAME)
    try:
        deployment = ngha("lab", "up", "--name", NAME).stdout.strip()
        started = time.monotonic()
        report = json.loads(ngha("apply", deployment, "--profile", "legacy", "--json",
                                 timeout=900).stdout)
        print(f"first legacy apply: {time.monotonic() - started:.0f} s")
        yield deployment, report
    finally:
        ngha("lab", "down", "--name", NAME, check=False)


@pytest.fixture(scope="module")
def live(legacy_lab):
    return connect(Target.load(legacy_lab[0], profile="legacy").loaded.deployment)


def test_every_service_runs_under_pacemaker(legacy_lab, live):
    _, report = legacy_lab
    assert report["changed"] and not report["remaining"]["pending"]
    crm = live.read_any(CrmMonFact())
    for clone in ("openstack-core-clone", "keystone-clone", "memcached-clone",
                  "ngha-probe-clone", "haproxy-clone", "rabbitmq-clone"):
        assert set(crm.roles_on(clone)) == set(NODES), clone
    assert set(crm.roles_on("galera-master").values()) == {"Promoted"}
    assert not crm.failed_actions
    for node in NODES:
        states = live.run(node, ["systemctl", "is-enabled", "keystone", "memcached",
                                 "ngha-probe"], check=False).stdout.split()
        assert "enabled" not in states, (node, states)


def test_the_same_probes_pass(legacy_lab):
    view = LabView(NAME)
    token = view.keystone_token()
    assert token and view.token_valid_on(token, view.node_address("ctl-2"))
    status, written = view.probe("/write", "POST")
    assert status == 200 and view.probe(f"/read/{written['id']}")[0] == 200
    deadline = time.monotonic() + 60  # the probes started before their broker user existed
    while view.probe("/rpc")[0] != 200 and time.monotonic() < deadline:
        time.sleep(2)
    assert view.probe("/rpc")[0] == 200


def test_cascade_gate_refuses_restarting_galeras_dependants(legacy_lab, live, tmp_path):
    deployment, _ = legacy_lab
    # Galera restricted to two nodes changes its cluster address: a restart of Galera,
    # which in the legacy layout restarts every service ordered after it.
    yaml = YAML()
    data = yaml.load(open(deployment))
    for node in data["nodes"]:
        roles = ["haproxy", "rabbitmq", "redis"] + (["galera"] if node["name"] != "ctl-2" else [])
        node["roles"] = roles
    changed = tmp_path / "two-galera-nodes.yaml"
    with open(changed, "w") as f:
        yaml.dump(data, f)
    epoch = live.read_any(CibFact()).version.configuration
    refused = ngha("apply", str(changed), "--profile", "legacy", check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "disturb resources it does not touch" in refused.stderr
    assert live.read_any(CibFact()).version.configuration == epoch
    plan = json.loads(ngha("plan", str(changed), "--profile", "legacy", "--json",
                           check=False).stdout)
    assert plan["cib"]["gate"]["passed"] is False
    hit = {a["resource"] for a in plan["cib"]["gate"]["collateral"]}
    assert {"keystone-clone", "nova-api-clone"} <= hit, hit
    # nothing was touched: the original deployment still has nothing to do
    assert ngha("plan", deployment, "--profile", "legacy", check=False).returncode == 0


def migrate(deployment: str, to: str, env: dict | None = None, check: bool = True,
            method: str = "ngha"):
    result = ngha("migrate", deployment, "--to", to, "--method", method, "--json", check=check,
                  timeout=600, env=env)
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def test_preflight_refuses_and_touches_nothing(legacy_lab, live):
    """On the real cluster, a CIB that is not the deployment's legacy layout. (A failed
    action and an offline node are refused by the same preflight in the replayed tests:
    here, a crashed node's return restarted the whole legacy stack on a loaded 2-core
    machine, and its start timeouts left failures that only a cleanup clears.)"""
    deployment, _ = legacy_lab
    live.run("ctl-0", ["pcs", "resource", "update", "ngha-probe-worker", "op", "monitor",
                       "interval=61s"])
    refused = refused_untouched(live, deployment)
    assert refused.returncode == 2 and "not this deployment's legacy layout" in refused.stderr
    ngha("apply", deployment, "--profile", "legacy")  # puts it back
    _wait_healthy(deployment, "legacy")
    assert ngha("plan", deployment, "--profile", "legacy", check=False).returncode == 0


def refused_untouched(live, deployment: str):
    """A migration refused by its preflight: the CIB's configuration is as it was."""
    before = live.read_any(CibFact()).version.configuration
    refused, _ = migrate(deployment, "nextgen", check=False)
    assert live.read_any(CibFact()).version.configuration == before
    return refused


def _wait_healthy(deployment: str, profile: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while ngha("status", deployment, "--profile", profile, check=False).returncode != 0:
        assert time.monotonic() < deadline, "cluster not healthy again"
        time.sleep(3)


def test_migration_to_nextgen_keeps_every_request_and_process(legacy_lab, live):
    deployment, _ = legacy_lab
    _wait_healthy(deployment, "legacy")
    result, report = migrate(deployment, "nextgen")
    print(json.dumps({k: report[k] for k in ("seconds", "failed_requests", "pid_changes",
                                             "pacemaker_stops", "pacemaker_starts",
                                             "lost_writes", "requests")}))
    assert report["failed_requests"] == 0 and report["requests"] > 20
    assert report["pid_changes"] == 0
    assert report["pacemaker_stops"] == 0 and report["pacemaker_starts"] == 0
    assert report["lost_writes"] == 0
    assert ngha("plan", deployment, "--profile", "nextgen", check=False).returncode == 0
    status = json.loads(ngha("status", deployment, "--profile", "nextgen", "--json").stdout)
    assert status["status"] == "healthy"
    assert {r["service"]: r["manager"] for r in status["services"]}["keystone"] == "systemd"
    for node in NODES:  # systemd owns them now, with no Restart=no left behind
        out = live.run(node, ["systemctl", "show", "-p", "Restart", "--value", "keystone"])
        assert out.stdout.strip() == "always", node


def test_migration_back_to_legacy_restarts_nothing(legacy_lab, live):
    deployment, _ = legacy_lab
    # As on a cluster that never ran legacy: its openstack-core (a Dummy, left running by
    # the way out since nothing stops it) runs nowhere, and every service is ordered after it.
    for node in NODES:
        live.run(node, ["rm", "-f", "/run/resource-agents/Dummy-openstack-core.state"])
    result, report = migrate(deployment, "legacy")
    assert report["pid_changes"] == 0 and report["failed_requests"] == 0
    assert report["pacemaker_stops"] == 0 and report["pacemaker_starts"] == 0
    started = {a["node"] for a in report["pacemaker_actions"]
               if a["resource"] == "openstack-core" and a["action"] == "start"}
    assert started == set(NODES)  # the only thing Pacemaker started
    assert "apply_after" not in report  # nothing left for apply, not even an empty block
    assert ngha("plan", deployment, "--profile", "legacy", check=False).returncode == 0
    _wait_healthy(deployment, "legacy")


def test_a_migration_killed_half_way_converges(legacy_lab, live):
    deployment, _ = legacy_lab
    view = LabView(NAME)
    units = ["keystone.service", "memcached.service", "ngha-probe.service"]
    before = {n: view.main_pids(n, units) for n in NODES}
    env = {**os.environ, "NGHA_TEST_KILL_AFTER_STEP": "patch the CIB"}
    killed, _ = migrate(deployment, "nextgen", env=env, check=False)
    assert killed.returncode == -9 or killed.returncode == 137
    half = ngha("status", deployment, "--profile", "nextgen", check=False)
    assert half.returncode != 0 and "MIGRATION TO-NEXTGEN UNDER WAY" in half.stdout
    result, report = migrate(deployment, "nextgen")  # run again: it finishes
    assert report["failed_requests"] == 0 and report["lost_writes"] == 0
    assert {n: view.main_pids(n, units) for n in NODES} == before
    assert ngha("plan", deployment, "--profile", "nextgen", check=False).returncode == 0
    _wait_healthy(deployment, "nextgen")


def test_the_original_method_stops_services_and_keeps_what_it_did_not_make(legacy_lab, live):
    deployment, _ = legacy_lab
    migrate(deployment, "legacy")
    _wait_healthy(deployment, "legacy")
    # an operator's own constraint, which no layout of this deployment has
    live.run("ctl-0", ["pcs", "constraint", "location", "haproxy-clone", "prefers", "ctl-0=0"])
    result, report = migrate(deployment, "nextgen", method="disable-delete")
    assert report["pacemaker_stops"] > 0  # the contrast: it stops what it moves
    assert report["lost_writes"] == 0
    constraints = live.run("ctl-0", ["cibadmin", "--query", "--scope", "constraints"]).stdout
    assert 'id="location-haproxy-clone-ctl-0-0"' in constraints
    assert "order-memcached-clone" not in constraints  # the legacy chains are gone
    assert ngha("plan", deployment, "--profile", "nextgen", check=False).returncode == 0
    _wait_healthy(deployment, "nextgen")


def test_down_leaves_nothing_behind(legacy_lab):
    from ngha.lab.session import lab_paths
    state_dir = lab_paths(NAME).dir
    ngha("lab", "down", "--name", NAME)
    assert leftovers(NAME, state_dir) == []
