"""The legacy (all-Pacemaker) layout applied on a fresh lab: every service under
Pacemaker, the same probes passing; the cascade gate refusing a change that would restart
Galera's dependants. Runs after the shared lab is down (file order), on a lab of its own.
"""

from __future__ import annotations

import json
import time

import pytest
from ruamel.yaml import YAML

from ngha.facts import CibFact, CrmMonFact
from ngha.live import connect
from ngha.plan.target import Target

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
                                 timeout=600).stdout)
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
    assert "keystone-clone" in refused.stderr
    assert live.read_any(CibFact()).version.configuration == epoch
    plan = json.loads(ngha("plan", str(changed), "--profile", "legacy", "--json",
                           check=False).stdout)
    assert plan["cib"]["gate"]["passed"] is False
    # nothing was touched: the original deployment still has nothing to do
    assert ngha("plan", deployment, "--profile", "legacy", check=False).returncode == 0


def test_down_leaves_nothing_behind(legacy_lab):
    from ngha.lab.session import lab_paths
    state_dir = lab_paths(NAME).dir
    ngha("lab", "down", "--name", NAME)
    assert leftovers(NAME, state_dir) == []
