"""How a scenario is measured and judged, on made-up probe samples and snapshots:
outage windows, who counts as restarted, and which assertions fail for which profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from ngha.chaos import context
from ngha.chaos.context import Outcome
from ngha.measurement.snapshot import Snapshot, restarted
from ngha.measurement.probes import RECOVERED_AFTER, Sample, outage
from ngha.chaos.run import BACK_WITHIN, judge
from ngha.chaos.scenarios import BY_ID
from ngha.targets import Target

LAB = Path(__file__).parents[2] / "examples" / "lab-3ctl.yaml"
STEP = 0.2


def samples(pattern: str, start: float = 0.0) -> list[Sample]:
    """'+' a success, '-' a failure, one every 200 ms from `start`."""
    return [Sample("keystone", start + i * STEP, start + i * STEP + 0.05, c == "+")
            for i, c in enumerate(pattern)]


def test_nothing_failed_is_no_outage():
    assert outage(samples("+" * 20), since=0.0) == (0.0, None, None)


def test_outage_runs_from_the_first_failure_to_the_first_lasting_answer():
    seconds, first, back = outage(samples("+++" + "-" * 10 + "+" * RECOVERED_AFTER), 0.0)
    assert first == pytest.approx(3 * STEP)
    assert back == pytest.approx(13 * STEP + 0.05)  # answered 50 ms after it was sent
    assert seconds == pytest.approx(10 * STEP + 0.05)


def test_a_request_that_waited_for_its_backend_is_back_when_answered():
    waited = [Sample("db_write", 1.0, 1.1, False), Sample("db_write", 1.2, 9.0, True)]
    after = [Sample("db_write", 9.0 + i * STEP, 9.05 + i * STEP, True)
             for i in range(RECOVERED_AFTER)]
    seconds, first, back = outage(waited + after, 0.0)
    assert (first, back) == (1.0, 9.0) and seconds == pytest.approx(8.0)


def test_a_path_that_flaps_is_out_until_its_last_failure():
    seconds, first, back = outage(samples("+--++-+--" + "+" * RECOVERED_AFTER), 0.0)
    assert (first, back) == (pytest.approx(STEP), pytest.approx(9 * STEP + 0.05))
    assert seconds == pytest.approx(8 * STEP + 0.05)


def test_too_few_successes_at_the_end_is_never_back():
    seconds, first, back = outage(samples("++--" + "+" * (RECOVERED_AFTER - 1)), 0.0)
    assert seconds is None and back is None and first == pytest.approx(2 * STEP)


def test_a_request_under_way_at_the_fault_fails_from_the_fault():
    hung = [Sample("vip", 0.9, 5.9, False)]  # sent before the fault, timed out after it
    after = [Sample("vip", 6.0 + i * STEP, 6.01 + i * STEP, True)
             for i in range(RECOVERED_AFTER)]
    assert outage(hung + after, since=1.0) == (5.01, 1.0, 6.01)


def test_failures_before_the_fault_do_not_count():
    assert outage(samples("--" + "+" * 20), since=1.0) == (0.0, None, None)


def test_a_new_pid_or_a_new_pacemaker_start_is_a_restart_once():
    before = Snapshot(pids={("keystone", "ctl-0"): 10, ("keystone", "ctl-1"): 11,
                            ("galera", "ctl-0"): 20},
                      starts={("galera", "ctl-0"): 5, ("rabbitmq", "ctl-1"): 7})
    after = Snapshot(pids={("keystone", "ctl-0"): 10, ("keystone", "ctl-1"): 99,
                           ("galera", "ctl-0"): 21},
                     starts={("galera", "ctl-0"): 9, ("rabbitmq", "ctl-1"): 8})
    assert restarted(before, after) == [
        {"service": "galera", "node": "ctl-0", "how": "main PID changed"},
        {"service": "keystone", "node": "ctl-1", "how": "main PID changed"},
        {"service": "rabbitmq", "node": "ctl-1", "how": "started again by Pacemaker"},
    ]


def test_a_unit_gone_in_between_is_not_a_restart():
    before = Snapshot(pids={("keystone", "ctl-2"): 10}, starts={})
    assert restarted(before, Snapshot(pids={}, starts={})) == []


@pytest.fixture(scope="module")
def targets() -> dict[str, Target]:
    return {p: Target.load(LAB, p) for p in ("nextgen", "legacy")}


def result(**fields) -> dict:
    base = {"lost_writes": 0, "recovered_seconds": 40.0, "collateral": [],
            "failed_actions": [], "outage_seconds": {},
            "galera": {"cluster_size": 3, "synced": True}}
    return base | fields


def test_a_clean_galera_restart_passes(targets):
    windows = {"keystone": (20.0, 100.0, 120.0)}
    outcome = Outcome(targets={"galera"}, backend_back={"keystone": 118.0})
    assert judge(BY_ID["galera-restart"], targets["nextgen"], outcome, result(), windows,
                 cluster=None) == []


def test_an_api_back_late_after_its_backend_fails_next_gen(targets):
    windows = {"keystone": (30.0, 100.0, 130.0), "db_write": (0.0, None, None)}
    outcome = Outcome(targets={"galera"},
                      backend_back={"keystone": 120.0, "db_write": 120.0})
    failures = judge(BY_ID["galera-restart"], targets["nextgen"], outcome, result(), windows,
                     cluster=None)
    assert failures == [f"keystone back 10.0 s after its backend (limit {BACK_WITHIN:g} s)"]


def test_a_path_that_never_answered_again_fails(targets):
    windows = {"rpc": (None, 100.0, None)}
    outcome = Outcome(targets={"rabbitmq"}, backend_back={"rpc": 120.0})
    failures = judge(BY_ID["rabbitmq-restart"], targets["nextgen"], outcome,
                     result(recovered_seconds=None), windows, cluster=None)
    assert "rpc never answered again" in failures
    assert any(f.startswith("not healthy again") for f in failures)


def test_systemd_collateral_fails_next_gen_but_is_only_measured_on_legacy(targets):
    hit = [{"service": "keystone", "node": "ctl-1", "how": "main PID changed"},
           {"service": "redis", "node": "ctl-1", "how": "started again by Pacemaker"}]
    outcome = Outcome(targets={"galera"})
    nextgen = judge(BY_ID["galera-restart"], targets["nextgen"], outcome,
                    result(collateral=hit), {}, cluster=None)
    assert nextgen == ["1 systemd services restarted: keystone@ctl-1"]
    assert judge(BY_ID["galera-restart"], targets["legacy"], outcome,
                 result(collateral=hit), {}, cluster=None) == []


def test_lost_writes_and_a_galera_left_short_fail_both_profiles(targets):
    broken = result(lost_writes=2, galera={"cluster_size": 2, "synced": True})
    for profile in ("nextgen", "legacy"):
        failures = judge(BY_ID["galera-kill-one"], targets[profile], Outcome(), broken, {},
                         cluster=None)
        assert "2 acknowledged writes missing" in failures
        assert any(f.startswith("Galera not whole again") for f in failures)


def test_failed_actions_fail_only_the_ng_validation_scenarios(targets):
    left = result(failed_actions=[{"resource": "galera", "node": "ctl-0"}])
    assert judge(BY_ID["ng-c"], targets["nextgen"], Outcome(), left, {},
                 cluster=None) == ["1 failed actions"]
    assert judge(BY_ID["galera-kill-one"], targets["nextgen"], Outcome(), left, {},
                 cluster=None) == []


def test_the_vip_failover_is_judged_on_both_sides():
    from ngha.chaos.run import _failover_failures
    on_time = result(notes={"vip_started_seconds": 9.7}, outage_seconds={"vip": 10.2})
    assert _failover_failures(on_time, budget=10.03) == []  # within the probe's resolution
    late = result(notes={"vip_started_seconds": 10.4}, outage_seconds={"vip": 10.9})
    failures = _failover_failures(late, budget=10.03)
    assert len(failures) == 2 and "started 10.4 s after the crash" in failures[0]
    unknown = result(notes={}, outage_seconds={})
    assert len(_failover_failures(unknown, budget=10.03)) == 2


def test_the_vip_start_is_read_from_the_journal_once_it_is_written(monkeypatch):
    """The node's journal gains the start's result only on the third read, as when
    crm_mon already shows the pending start."""
    from ngha.live import wait
    from replay import scripted
    monkeypatch.setattr(wait.time, "sleep", lambda s: None)
    reads = []
    result = ("1008.250000 ctl-1 pacemaker-controld[9]: notice: Result of start operation "
              "for ip-control on ctl-1: ok\n")

    def journal(node, argv):
        assert argv[0] == "journalctl" and node == "ctl-1"
        reads.append(argv)
        text = "1000.000001 ctl-1 pacemaker-controld[9]: notice: Other line\n"
        return 0, text + (result if len(reads) >= 3 else "")
    cluster, _ = scripted(["ctl-0", "ctl-1"], journal)
    ctx = context.Context(cluster=cluster, target=None, lab=None, quick=True,
                          progress=lambda _: None)
    assert ctx.started_at("ctl-1", "ip-control", since=1000.5) == 1008.25
    assert len(reads) == 3
    # a start from before the crash does not count, and the wait ends without one
    assert ctx.started_at("ctl-1", "ip-control", since=1009.0, timeout=0) is None


def test_a_scenario_that_did_not_finish_has_every_field_and_fails():
    from ngha.chaos.run import empty_result, unfinished
    scenario = BY_ID["galera-restart"]
    result = unfinished(scenario, "nextgen", True, "timed out waiting for Galera")
    assert set(result) == set(empty_result(scenario, "nextgen", True))
    assert {"scenario", "profile", "passed", "lost_writes", "collateral_restarts",
            "outage_seconds", "recovered_seconds", "failures"} <= set(result)
    assert result["passed"] is False
    assert result["failures"] == ["did not finish: timed out waiting for Galera"]
    assert empty_result(scenario, "nextgen", True)["failures"] == []  # not shared


def test_a_single_lost_write_fails_every_scenario(targets):
    """Nothing lost means not one acknowledged write missing."""
    for scenario in ("galera-restart", "rabbitmq-kill-one", "service-crash-loop"):
        failures = judge(BY_ID[scenario], targets["nextgen"], Outcome(),
                         result(lost_writes=1), {}, cluster=None)
        assert "1 acknowledged writes missing" in failures, scenario
