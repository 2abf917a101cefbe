"""Running the matrix: each fault once, from a healthy cluster, with every row's checks
probed through the VIPs the whole time (reads every second, flows one after the other),
then one cell per row. A row not answering again within RECOVERY_DEADLINE of its backend
gets what an operator would do (its units restarted), and that is its manual action."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from ngha.chaos.context import Context, Progress
from ngha.chaos.run import ensure_fit, restore, wait_healthy
from ngha.errors import NghaError
from ngha.facts import UnitsFact
from ngha.lab.session import Lab
from ngha.live import pacemaker, systemd
from ngha.live.cluster import LiveCluster
from ngha.matrix.cells import Measured, make_cell
from ngha.matrix.faults import BY_ID, Fault
from ngha.matrix.rows import Row, in_groups, matrix_rows, rows_for
from ngha.measurement.probes import (Sample, by_path, relative, relative_events, settled,
                                     start_probes)
from ngha.measurement.snapshot import Snapshot, snapshot
from ngha.targets import Target

RECOVERY_DEADLINE = 180.0  # after the backend: then the operator steps in
AFTER_MANUAL = 120.0
AFTER_STUCK = 90.0  # beyond a flow's deadline: RECOVERED_AFTER runs of it
FLOW_INTERVAL = 2.0
# A create accepted just before its backend went away may end only once the backend is
# back: its deadline outlasts the fault's hold and the backend's start (quick: 60 s and
# about 60 s), so that only an object the service really lost counts as stuck.
QUICK_FLOW_DEADLINE, FLOW_DEADLINE = 240.0, 480.0


def unknown_faults(names: list[str]) -> list[str]:
    return [n for n in names if n not in BY_ID]


def run_matrix(cluster: LiveCluster, target: Target, faults: list[str],
               services: list[str] | None, quick: bool, work: Path,
               progress: Progress, done: Callable[[list[dict]], None] | None = None
               ) -> list[dict]:
    """The cells of every fault asked for; `done` gets the cells so far after each."""
    rows = matrix_rows(target, services)
    lab = Lab.read(target.loaded.deployment.cluster)
    cells: list[dict] = []
    runs = [(BY_ID[fault_id], group) for fault_id in faults or list(BY_ID)
            for group in in_groups(rows_for(rows, BY_ID[fault_id].rows,
                                            BY_ID[fault_id].flows),
                                   BY_ID[fault_id].rows_at_once)]
    for fault, measured in runs:  # none for e.g. volume-failover with --services keystone
        progress(f"== {fault.id} ({target.profile}): {', '.join(r.name for r in measured)}")
        try:
            found = run_fault(cluster, target, lab, fault, measured, quick, work, progress)
        except NghaError as exc:  # a wait that timed out, an unfit cluster: every cell red
            found = [unfinished(row, fault.id, target.profile, exc.message)
                     for row in measured]
        cells += found
        progress(f"{fault.id}: " + ", ".join(
            f"{c['service']} {'ok' if c['passed'] else 'FAILED'}" for c in found))
        try:
            restore(cluster, target, progress)
        except NghaError as exc:
            progress(f"the matrix stopped: {exc.message}")
            break
        finally:
            if done:
                done(cells)
    return cells


def unfinished(row: Row, fault: str, profile: str, why: str) -> dict:
    """A cell of a fault that could not run to its end: nothing measured, one reason."""
    cell = make_cell(Measured(row.name, fault, profile, {c: [] for c in row.checks},
                              fault_at=0.0, backend_back=None))
    cell["failures"] = [f"did not finish: {why}"]
    return cell


def run_fault(cluster: LiveCluster, target: Target, lab: Lab, fault: Fault,
              rows: list[Row], quick: bool, work: Path, progress: Progress) -> list[dict]:
    ensure_fit(cluster, target)
    deadline = QUICK_FLOW_DEADLINE if quick else FLOW_DEADLINE
    flows = {r.flow: {"interval": FLOW_INTERVAL, "deadline": deadline}
             for r in rows if r.flow}
    probes = start_probes(lab, target.secrets.value("admin_password"), work, openstack=True,
                          flows=flows)
    manual: dict[str, str] = {}
    manual_at: float | None = None  # the operator's first action
    after = restarts_after = None
    settled_at: dict[str, float] = {}  # when each row was seen back
    ctx = Context(cluster=cluster, target=target, lab=lab, quick=quick, progress=progress)
    try:
        silent = probes.wait_answering()
        if silent:
            raise NghaError(f"{', '.join(silent)} did not answer before the fault")
        _wait_flows(probes, list(flows))
        before, restarts_before = _observe(cluster, target)
        if fault.during_flow:
            _into_a_flow_run(probes, list(flows))
        fault_at = time.time()
        outcome = fault.run(ctx, frozenset(s for row in rows for s in row.services))
        if wait_healthy(cluster, target, 600) is None:
            raise NghaError("the cluster was not healthy again within 600 s")
        back = outcome.backend_back or time.time()
        # a flow the fault caught answers only at its deadline, and five more runs (a few
        # seconds each) make it back: the operator waits that long before restarting
        # anything (the object it left is the manual action then)
        untils = {r.name: max(back + RECOVERY_DEADLINE,
                              fault_at + deadline + AFTER_STUCK if r.flow else 0)
                  for r in rows}
        waiting = {r.name: r for r in rows}
        while waiting:  # every row watched at once: who is back, who needs the operator
            paths, now = by_path(probes.read()), time.time()
            for name, row in list(waiting.items()):
                if all(settled(paths.get(c, []), fault_at) for c in row.checks):
                    settled_at[name] = now
                    del waiting[name]
                elif now > untils[name] and name in manual:
                    del waiting[name]  # not back even after the operator's restart
                elif now > untils[name]:
                    if manual_at is None:  # what the services did by themselves ends here
                        manual_at = now
                        after, restarts_after = _observe(cluster, target)
                    manual[name] = _operator_restart(cluster, target, row, progress)
                    ctx.events.append((time.time(), f"operator: {manual[name]}"))
                    untils[name] = time.time() + AFTER_MANUAL
            if waiting:
                time.sleep(1)
    finally:
        samples = by_path(probes.stop())
    if after is None:
        after, restarts_after = _observe(cluster, target)
    cells = []
    for row in rows:
        checks = {name: samples.get(name, []) for name in row.checks}
        if manual_at is not None and settled_at.get(row.name, manual_at + 1) <= manual_at:
            # back before the operator restarted another service: what that restart did
            # to it (load, a shared dependency) is not its own doing
            checks = before_operator(checks, manual_at)
        stuck = [s.stuck for ss in checks.values() for s in ss if s.stuck]
        counts, named = _restarts(row, before, after, restarts_before, restarts_after,
                                  cluster.nodes, deliberate=outcome.restarted_at is not None,
                                  touched=frozenset(outcome.nodes))
        action = manual.get(row.name) or (stuck[0] if stuck else None)
        if row.flow:  # was a run of the flow under way when the fault came?
            spanning = [s for s in checks.get(row.flow, []) if s.t0 <= fault_at <= s.t1]
            row_notes = {"flow_under_way_at_fault": bool(spanning)}
        else:
            row_notes = {}
        cell = make_cell(Measured(
            row.name, fault.id, target.profile, checks, fault_at, outcome.backend_back,
            restarts=counts, restarted_units=tuple(named), manual_action=action,
            needs_flow_at_fault=fault.during_flow,
            notes={**outcome.notes, **row_notes, **({"stuck": stuck} if stuck else {}),
                   **({"restarts_not_counted_on": sorted(outcome.nodes)}
                      if outcome.nodes else {})}))
        cell["title"] = fault.title
        # the cell's timeline, for the report: its checks and the fault's events
        cell["events"] = relative_events(ctx.events, probes.started_at)
        cell["probes"] = {name: relative(ss, probes.started_at) for name, ss in checks.items()}
        cells.append(cell)
    return cells


def before_operator(checks: dict[str, list[Sample]], manual_at: float
                    ) -> dict[str, list[Sample]]:
    """The samples sent before the operator's first action."""
    return {name: [s for s in samples if s.t0 < manual_at] for name, samples in checks.items()}


def _wait_flows(probes, flows: list[str], timeout: float = 300.0) -> None:
    """Every flow has run once, successfully, before the fault."""
    deadline = time.monotonic() + timeout
    while True:
        last = {p: ss[-1].ok for p, ss in by_path(probes.read()).items() if ss}
        waiting = [f for f in flows if not last.get(f)]
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise NghaError(f"{', '.join(waiting)} did not succeed once before the fault")
        time.sleep(1)


def _into_a_flow_run(probes, flows: list[str], into: float = 3.0,
                     timeout: float = 300.0) -> None:
    """Returns about `into` seconds after a new run of every flow began. The prober runs
    each flow one run after the other; the pause between the end of one (its sample) and
    the start of the next (FLOW_INTERVAL and the flow's own cleanup) is read off the
    flow's samples. (Struck at a random moment, engine-broker-loss once came between two
    stacks and passed without a stack in progress; struck FLOW_INTERVAL after a sample,
    volume-failover still came before the next volume's create.)"""
    counts = {f: len(by_path(probes.read()).get(f, [])) for f in flows}
    deadline = time.monotonic() + timeout
    while True:
        paths = by_path(probes.read())
        if all(len(paths.get(f, [])) > counts[f] for f in flows):
            break
        if time.monotonic() > deadline:
            raise NghaError(f"{', '.join(flows)} did not end a run within {timeout:g} s")
        time.sleep(0.5)
    starts = [max(pause_between_runs(paths[f]), FLOW_INTERVAL) + paths[f][-1].t1
              for f in flows]
    time.sleep(max(0.0, max(starts) + into - time.time()))


def pause_between_runs(samples: list[Sample]) -> float:
    """The last pause between one run's end and the next run's start (0: one run yet)."""
    return samples[-1].t0 - samples[-2].t1 if len(samples) > 1 else 0.0


def _operator_restart(cluster: LiveCluster, target: Target, row: Row,
                      progress: Progress) -> str:
    """What an operator does for a service that does not answer again: restart it."""
    units = [s.unit for s in target.loaded.services
             if s.name in row.services and s.manager == "systemd"]
    resources = [target.desired_ids[s] for s in row.services if s in target.desired_ids]
    commands = []
    if units:
        commands.append(f"systemctl restart {' '.join(units)} (every node)")
        systemd.act_everywhere(cluster, "restart", units)
    for resource in resources:
        commands.append(f"pcs resource restart {resource}")
        pacemaker.restart(cluster, resource)
    command = "; ".join(commands) or "nothing ngha knows to run"
    progress(f"{row.name} did not answer again: {command}")
    return command


def _observe(cluster: LiveCluster, target: Target) -> tuple[Snapshot, dict]:
    """PIDs and Pacemaker starts (snapshot), and systemd's own restart counts."""
    view = pacemaker.read_status(cluster)
    units = {f"{s.unit}.service": s.name for s in target.loaded.services}
    counts = {}
    for node, states in cluster.read_all(UnitsFact(sorted(units))).items():
        if isinstance(states, NghaError):
            continue
        for unit, state in states.items():
            counts[(units[unit], node)] = state.restarts
    return snapshot(cluster, target, view), counts


def _restarts(row: Row, before: Snapshot, after: Snapshot, counted_before: dict,
              counted_after: dict, nodes: tuple[str, ...], deliberate: bool,
              touched: frozenset[str] = frozenset()) -> tuple[dict[str, int], list[str]]:
    """Per node: systemd's automatic restarts, main PID changes (not after a restart the
    fault made on purpose: those changed every PID) and Pacemaker starts of the row's
    services. Nothing on a node the fault crashed or cut off (`touched`): it lost power
    or was fenced, and started everything again, which is the fault, not the service."""
    counts = {node: 0 for node in nodes}
    named = []
    for service in row.services:
        for node in nodes:
            if node in touched:
                continue
            key = (service, node)
            how = []
            automatic = counted_after.get(key, 0) - counted_before.get(key, 0)
            if automatic > 0:
                how.append(f"systemd restarted it {automatic}x")
            elif not deliberate and key in before.pids and key in after.pids \
                    and before.pids[key] != after.pids[key]:
                how.append("main PID changed")
            if key in before.starts and after.starts.get(key) != before.starts[key]:
                how.append("started again by Pacemaker")
            if how:
                counts[node] += max(automatic, 1)
                named.append(f"{service}@{node} ({', '.join(how)})")
    return counts, named
