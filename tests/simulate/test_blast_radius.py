"""Blast radius from Pacemaker's own scheduler, for the reference deployment."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.simulate.run import analyse
from tests.conftest import REFERENCE, require_tool, update_golden_requested

GOLDEN = Path(__file__).parent.parent / "golden" / "simulate"
CORE_FAILURES = [f"monitor-fail:{rsc}@controller-{n}" for rsc in ("galera", "rabbitmq", "redis")
                 for n in range(3)]
GOLDEN_EVENTS = [
    "monitor-fail:galera@controller-0", "monitor-fail:rabbitmq@controller-0",
    "monitor-fail:redis@controller-0", "monitor-fail:haproxy@controller-1",
    "node-fail:controller-0", "standby:controller-1", "restart:galera",
    "disable:rabbitmq-clone",
]


def report(profile, events, every=False):
    require_tool("crm_simulate")
    return analyse(build_desired_state(load_deployment(REFERENCE, profile=profile)), events,
                   every)


def collateral(rep):
    return {t.event.name: len(t.collateral) for t in rep.transitions}


def test_nextgen_core_failures_have_no_collateral():
    counts = collateral(report("nextgen", CORE_FAILURES))
    assert counts == {event: 0 for event in CORE_FAILURES}


def test_legacy_core_failures_cascade():
    counts = collateral(report("legacy", CORE_FAILURES))
    # Galera or RabbitMQ failing on a node restarts every OpenStack service on that node
    # (openstack-core and everything ordered after it); controller-0 also runs the
    # cinder-volume primitive, which is restarted with its scheduler.
    assert counts["monitor-fail:galera@controller-0"] == 33
    assert counts["monitor-fail:galera@controller-1"] == 32
    assert counts["monitor-fail:galera@controller-2"] == 32
    assert counts["monitor-fail:rabbitmq@controller-0"] == 33
    assert counts["monitor-fail:rabbitmq@controller-1"] == 32
    # Redis is ordered with clone-min=1 (the 2016 require-all=false): one promoted instance
    # is enough, so a Redis failure does not cascade.
    assert counts["monitor-fail:redis@controller-0"] == 0


def test_every_nextgen_event_is_contained_and_legacy_is_not():
    nextgen = report("nextgen", [], every=True)
    legacy = report("legacy", [], every=True)
    assert len(nextgen.transitions) == 47 and len(legacy.transitions) == 227
    assert max(len(t.collateral) for t in nextgen.transitions) == 0
    worst = legacy.sorted()[0]
    assert len(worst.collateral) == 97
    assert worst.event.name in ("disable:haproxy-clone", "restart:haproxy-clone")


def test_recovery_actions_are_reported():
    rep = report("nextgen", ["monitor-fail:galera@controller-0", "node-fail:controller-0"])
    by_event = {t.event.name: t for t in rep.transitions}
    galera = by_event["monitor-fail:galera@controller-0"]
    assert [(a.action, a.resource, a.node) for a in galera.actions] == \
        [("recover", "galera-master", "controller-0")]
    lost = by_event["node-fail:controller-0"]
    assert any(a.action == "promote" and a.resource == "redis-master" for a in lost.actions)
    assert any(a.action == "start" and a.resource == "openstack-cinder-volume"
               for a in lost.actions)


@pytest.mark.parametrize("profile", ["nextgen", "legacy"])
def test_transitions_match_golden(profile):
    rep = report(profile, GOLDEN_EVENTS)
    actual = [t.as_dict() for t in rep.transitions]
    path = GOLDEN / f"reference-{profile}.json"
    if update_golden_requested():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=1) + "\n")
    assert actual == json.loads(path.read_text())


@pytest.mark.parametrize("event,fragment", [
    ("explode:galera", "unknown event"),
    ("monitor-fail:nosuch@controller-0", "unknown resource 'nosuch'"),
    ("monitor-fail:galera@nowhere", "unknown node 'nowhere'"),
    ("monitor-fail:galera", "needs a node"),
    ("node-fail:controller-9", "unknown node"),
])
def test_bad_events(event, fragment):
    result = CliRunner().invoke(cli, ["simulate", str(REFERENCE), "--event", event])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output


def test_cli_json_and_dot(tmp_path):
    result = CliRunner().invoke(cli, ["simulate", str(REFERENCE), "--profile", "legacy",
                                      "--event", "monitor-fail:galera@controller-0",
                                      "--json", "--dot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["profile"] == "legacy" and data["events"][0]["collateral"] == 33
    dots = list(tmp_path.glob("*.dot"))
    assert len(dots) == 1 and "digraph" in dots[0].read_text()


def test_compare_reports_blast_radius():
    result = CliRunner().invoke(cli, ["compare", str(REFERENCE), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["event"]: r for r in json.loads(result.output)["blast_radius"]}
    assert rows["monitor-fail:galera@controller-0"] == {
        "event": "monitor-fail:galera@controller-0", "legacy": 33, "nextgen": 0}
    assert rows["restart:galera"]["legacy"] == 97 and rows["restart:galera"]["nextgen"] == 0


def test_legacy_blast_radius_with_chain_holes_is_not_understated(write_yaml):
    """A Galera failure on one node restarts openstack-core there and every service
    ordered after it, bridged links included: none is left out of the count."""
    from tests.unit.test_legacy_chains import HOLEY

    require_tool("crm_simulate")
    desired = build_desired_state(load_deployment(write_yaml(HOLEY)))
    rep = analyse(desired, ["monitor-fail:galera@controller-0"], False)
    (transition,) = rep.transitions
    hit = {a.resource for a in transition.collateral if a.node == "controller-0"}
    services = {r.id for r in desired.cluster.resources
                if r.id.startswith(("openstack-", "neutron-", "httpd"))}
    # cinder-volume is a primitive: it runs on one node, and is restarted only there
    assert services - {"openstack-cinder-volume"} <= hit, services - hit
    for bridged in ("openstack-nova-scheduler-clone", "openstack-nova-conductor-clone",
                    "neutron-l3-agent-clone", "openstack-aodh-evaluator-clone",
                    "openstack-aodh-listener-clone", "openstack-heat-engine-clone"):
        assert bridged in hit
