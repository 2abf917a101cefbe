"""The matrix's cells from synthetic samples: recovered, seconds after the backend,
restarts, manual actions, and the judge of each layout."""

from __future__ import annotations

import json

import pytest

from ngha.matrix.cells import BACK_WITHIN, Measured, make_cell
from ngha.measurement.probes import Sample

FAULT_AT = 1000.0


def samples(path: str, pattern: str, start: float = 990.0, step: float = 1.0) -> list[Sample]:
    """One sample per character: '.' ok, 'x' failed; each answered 0.1 s after it left."""
    return [Sample(path, start + i * step, start + i * step + 0.1, c == ".")
            for i, c in enumerate(pattern)]


def measured(checks, backend_back=1030.0, profile="nextgen", **kw) -> Measured:
    return Measured(service="nova", fault="galera-restart", profile=profile, checks=checks,
                    fault_at=FAULT_AT, backend_back=backend_back, **kw)


def test_a_service_back_with_its_backend_passes():
    # failing from 1010 to 1031, answering again from 1032 (backend back at 1030)
    cell = make_cell(measured({"server": samples("server", "." * 20 + "x" * 22 + "." * 10)}))
    assert cell["recovered"] and cell["passed"], cell
    assert cell["seconds_after_backend"] == 2.1  # 1032.1 - 1030
    assert cell["outage_seconds"] == 22.1  # 1010 to 1032.1
    assert cell["failed_requests"] == 22 and cell["manual_action"] is None


def test_late_by_more_than_the_limit_fails_on_nextgen_only():
    late = {"server": samples("server", "." * 20 + "x" * 30 + "." * 10)}  # back at 1040.1
    cell = make_cell(measured(late))
    assert cell["recovered"] and cell["seconds_after_backend"] > BACK_WITHIN
    assert not cell["passed"] and "after its backend" in cell["failures"][0]
    assert make_cell(measured(late, profile="legacy"))["passed"]


def test_the_slowest_check_decides_and_a_check_that_never_failed_counts_as_back():
    cell = make_cell(measured({
        "server": samples("server", "." * 20 + "x" * 22 + "." * 10),
        "server-create": samples("server-create", "." * 20 + "x" * 26 + "." * 10),
        "quiet": samples("quiet", "." * 60)}))
    assert cell["seconds_after_backend"] == 6.1 and not cell["passed"]


def test_never_back_is_not_recovered_and_fails_both_layouts():
    checks = {"server": samples("server", "." * 20 + "x" * 30 + "...")}  # 3 < 5 successes
    for profile in ("nextgen", "legacy"):
        cell = make_cell(measured(checks, profile=profile))
        assert not cell["recovered"] and not cell["passed"]
        assert cell["outage_seconds"] is None and cell["seconds_after_backend"] is None
        assert cell["notes"]["never_back"] == ["server"]


def test_restarts_fail_nextgen_and_are_only_counted_on_legacy():
    checks = {"server": samples("server", "." * 60)}
    kw = {"restarts": {"ctl-1": 1, "ctl-0": 0},
          "restarted_units": ("nova-conductor@ctl-1 (main PID changed)",)}
    cell = make_cell(measured(checks, **kw))
    assert cell["restarts"] == {"ctl-0": 0, "ctl-1": 1}
    assert cell["failures"] == ["1 restarts: nova-conductor@ctl-1 (main PID changed)"]
    assert make_cell(measured(checks, profile="legacy", **kw))["passed"]


def test_a_manual_action_is_never_a_recovery():
    checks = {"server-create": samples("server-create", "." * 60)}
    for profile in ("nextgen", "legacy"):
        cell = make_cell(measured(checks, profile=profile,
                                  manual_action="openstack server delete X"))
        assert not cell["recovered"] and not cell["passed"]
        assert cell["failures"] == ["needed a manual action: openstack server delete X"]


def test_a_backend_that_never_came_back_and_a_check_without_samples_fail():
    cell = make_cell(measured({"server": samples("server", "." * 60)}, backend_back=None))
    assert "its backend never came back" in cell["failures"]
    empty = make_cell(measured({"server": []}))
    assert not empty["recovered"] and empty["notes"]["no_samples"] == ["server"]
    assert empty["outage_seconds"] is None


def test_fault_ids_are_the_contract_and_each_names_its_backend():
    from ngha.matrix.faults import BY_ID

    assert list(BY_ID) == ["galera-restart", "rabbitmq-restart", "galera-down",
                           "rabbitmq-down", "core-down", "start-without-db",
                           "start-without-broker", "partition-minority", "volume-failover",
                           "engine-broker-loss"]
    assert {f.backend for f in BY_ID.values()} == {"galera", "rabbitmq", "core", "cluster",
                                                   "cinder-volume"}


def test_rows_are_keystone_and_each_configured_project_with_its_checks():
    from ngha.errors import NghaError
    from ngha.matrix.rows import matrix_rows
    from ngha.targets import Target
    from tests.conftest import EXAMPLES

    target = Target.load(EXAMPLES / "lab-3ctl.yaml")
    rows = matrix_rows(target)
    assert [r.name for r in rows] == ["keystone", "glance", "placement", "nova", "neutron",
                                      "cinder", "heat"]
    nova = next(r for r in rows if r.name == "nova")
    assert nova.checks == ("server", "server-create")
    assert set(nova.services) == {"nova-api", "nova-conductor", "nova-scheduler"}
    assert "cinder-volume" in next(r for r in rows if r.name == "cinder").services
    assert [r.name for r in matrix_rows(target, ["nova", "keystone"])] == ["keystone", "nova"]
    try:
        matrix_rows(target, ["swift"])
    except NghaError as exc:
        assert exc.field == "--services" and "swift" in exc.message
    else:
        raise AssertionError("an unknown service was accepted")


def test_restarts_count_systemd_pid_and_pacemaker_but_not_the_faults_own_restart():
    from ngha.matrix.rows import Row
    from ngha.matrix.run import _restarts
    from ngha.measurement.snapshot import Snapshot

    row = Row("cinder", "volume", "volume-create", ("cinder-api", "cinder-volume"))
    nodes = ("ctl-0", "ctl-1")
    before = Snapshot({("cinder-api", "ctl-0"): 10, ("cinder-api", "ctl-1"): 20},
                      {("cinder-volume", "ctl-0"): 5})
    after = Snapshot({("cinder-api", "ctl-0"): 11, ("cinder-api", "ctl-1"): 20},
                     {("cinder-volume", "ctl-0"): 9})
    counts, named = _restarts(row, before, after, {("cinder-api", "ctl-1"): 0},
                              {("cinder-api", "ctl-1"): 2}, nodes, deliberate=False)
    assert counts == {"ctl-0": 2, "ctl-1": 2}
    assert named == ["cinder-api@ctl-0 (main PID changed)",
                     "cinder-api@ctl-1 (systemd restarted it 2x)",
                     "cinder-volume@ctl-0 (started again by Pacemaker)"]
    # after a restart the fault made itself, a new PID is expected: only systemd's own
    # restarts and Pacemaker's count
    counts, _ = _restarts(row, before, after, {}, {}, nodes, deliberate=True)
    assert counts == {"ctl-0": 1, "ctl-1": 0}
    # a node the fault crashed or cut off (and its fencing rebooted) started everything
    # again: not the service's restart; the other node still counts
    counts, named = _restarts(row, before, after, {("cinder-api", "ctl-1"): 0},
                              {("cinder-api", "ctl-1"): 2}, nodes, deliberate=False,
                              touched=frozenset({"ctl-0"}))
    assert counts == {"ctl-0": 0, "ctl-1": 2}
    assert named == ["cinder-api@ctl-1 (systemd restarted it 2x)"]


def test_a_fault_measures_its_own_rows_with_its_own_flows():
    from ngha.matrix.faults import BY_ID
    from ngha.matrix.rows import matrix_rows, rows_for
    from ngha.targets import Target
    from tests.conftest import EXAMPLES

    rows = matrix_rows(Target.load(EXAMPLES / "lab-3ctl.yaml"))
    engine = BY_ID["engine-broker-loss"]
    (heat,) = rows_for(rows, engine.rows, engine.flows)
    assert heat.name == "heat" and heat.checks == ("stack", "stack-slow-create")
    assert [r.name for r in rows_for(rows, BY_ID["volume-failover"].rows, {})] == ["cinder"]
    assert rows_for(rows, BY_ID["galera-restart"].rows, {}) == rows
    assert rows_for(rows[:1], engine.rows, engine.flows) == []  # keystone only: nothing


def test_a_fault_that_did_not_finish_gives_one_reason_and_fails_every_cell():
    from ngha.matrix.rows import Row
    from ngha.matrix.run import unfinished

    cell = unfinished(Row("nova", "server", "server-create", ("nova-api",)), "galera-restart",
                      "nextgen", "the cluster is not healthy")
    assert not cell["passed"] and not cell["recovered"]
    assert cell["failures"] == ["did not finish: the cluster is not healthy"]


@pytest.mark.parametrize("command", [["chaos", "matrix", "--faults", "galera-restart"],
                                     ["chaos", "run", "galera-restart"]])
def test_an_output_nobody_can_write_is_refused_before_the_lab_is_touched(tmp_path, command):
    from click.testing import CliRunner

    from ngha.cli import cli

    missing = tmp_path / "gone" / "cells.json"
    result = CliRunner().invoke(cli, [*command, "--deployment", str(tmp_path / "none.yaml"),
                                      "-o", str(missing)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"error: {missing.parent}: -o: the directory does not exist"]
    result = CliRunner().invoke(cli, [*command, "-o", str(tmp_path)])  # click refuses it
    assert result.exit_code == 2 and "is a directory" in result.output, result.output


def test_the_cells_file_is_replaced_whole_after_each_fault(tmp_path):
    from ngha.cli.chaos_run import write_results

    out = tmp_path / "cells.json"
    write_results([{"fault": "a"}], str(out))
    first = out.stat().st_ino
    write_results([{"fault": "a"}, {"fault": "b"}], str(out))
    assert [c["fault"] for c in json.loads(out.read_text())] == ["a", "b"]
    # a new file renamed over the old one: a reader never sees half of it
    assert out.stat().st_ino != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cells.json"]


def test_a_check_is_back_only_on_successes_sent_after_the_fault():
    """The first lab runs judged Cinder back while its volume create, caught by the fault,
    was still under way: the five successes before the fault stood for it."""
    from ngha.measurement.probes import settled

    before = [Sample("volume-create", FAULT_AT - 20 + 3 * i, FAULT_AT - 18 + 3 * i, True)
              for i in range(6)]
    assert not settled(before, FAULT_AT)
    after = [Sample("volume-create", FAULT_AT + 70 + 3 * i, FAULT_AT + 72 + 3 * i, True)
             for i in range(5)]
    stuck = Sample("volume-create", FAULT_AT + 5, FAULT_AT + 65, False)
    assert not settled(before + [stuck] + after[:4], FAULT_AT)
    assert settled(before + [stuck] + after, FAULT_AT)


def test_a_row_back_before_the_operator_acted_elsewhere_is_judged_before_it():
    """The operator's restart of Nova on every node made Placement's list time out once,
    and Placement was judged back 190 s after Galera; it had been back long before."""
    from ngha.matrix.run import before_operator

    reads = [Sample("placement", FAULT_AT + t, FAULT_AT + t + 0.1, t < 20 or t >= 60)
             for t in range(0, 300)]
    reads[250] = Sample("placement", FAULT_AT + 250, FAULT_AT + 255, False)  # the restart
    measured = dict(fault_at=FAULT_AT, backend_back=FAULT_AT + 58)
    late = make_cell(Measured("placement", "galera-restart", "nextgen",
                              {"placement": reads}, **measured))
    assert not late["passed"]
    judged = make_cell(Measured("placement", "galera-restart", "nextgen",
                                before_operator({"placement": reads}, FAULT_AT + 240),
                                **measured))
    assert judged["passed"] and judged["seconds_after_backend"] <= 5


def test_start_without_a_backend_runs_two_rows_at_a_time_the_others_all_at_once():
    """On the lab's 2 cores, every unit restarted at once measured the CPU: the
    start-without faults run once per two rows, each run from a healthy cluster."""
    from ngha.matrix.faults import BY_ID
    from ngha.matrix.rows import in_groups, matrix_rows
    from ngha.targets import Target
    from tests.conftest import EXAMPLES

    rows = matrix_rows(Target.load(EXAMPLES / "lab-3ctl.yaml"))
    groups = in_groups(rows, BY_ID["start-without-db"].rows_at_once)
    assert [[r.name for r in g] for g in groups] == [
        ["keystone", "glance"], ["placement", "nova"], ["neutron", "cinder"], ["heat"]]
    assert in_groups(rows, BY_ID["galera-restart"].rows_at_once) == [rows]
    assert in_groups([], 2) == [] and in_groups([], 0) == []


@pytest.mark.parametrize("profile", ["nextgen", "legacy"])
def test_a_fault_about_an_object_in_progress_fails_when_none_was(profile):
    """engine-broker-loss and volume-failover are about a stack or volume in progress at
    the fault: a cell whose flow had no run under way then measured nothing."""
    from ngha.matrix.faults import BY_ID

    assert BY_ID["engine-broker-loss"].during_flow and BY_ID["volume-failover"].during_flow
    assert not BY_ID["galera-restart"].during_flow
    checks = {"server": samples("server", "." * 40)}
    between = make_cell(measured(checks, profile=profile, needs_flow_at_fault=True,
                                 notes={"flow_under_way_at_fault": False}))
    assert not between["passed"] and "was not measured" in between["failures"][-1]
    caught = make_cell(measured(checks, profile=profile, needs_flow_at_fault=True,
                                notes={"flow_under_way_at_fault": True}))
    assert caught["passed"], caught
    assert make_cell(measured(checks, profile=profile))["passed"]


def test_a_fault_about_a_flow_strikes_into_the_run_after_the_next_one_ends(monkeypatch):
    """Runs of 10 s, 5 s apart: after the next run ends, the strike comes 5 s (the pause
    read off the samples) + 3 s later, inside the run that follows."""
    from ngha.matrix import run

    clock = {"now": 100.0}
    slept: list[float] = []
    runs = [Sample("volume-create", 70.0, 80.0, True), Sample("volume-create", 85.0, 95.0, True)]

    class Probes:
        def read(self):
            return list(runs)

    def sleep(seconds):
        slept.append(seconds)
        clock["now"] += seconds
        if len(runs) == 2:  # the next run ends while the runner waits
            runs.append(Sample("volume-create", 100.0, 110.0, True))
            clock["now"] = 110.5

    monkeypatch.setattr(run.time, "sleep", sleep)
    monkeypatch.setattr(run.time, "time", lambda: clock["now"])
    run._into_a_flow_run(Probes(), ["volume-create"])
    assert clock["now"] == pytest.approx(110.0 + 5.0 + 3.0)
    assert run.pause_between_runs(runs[:1]) == 0.0
