"""Running scenarios: each on a healthy cluster, probes running through the VIPs, the
fault injected and recovered, then measured and judged; the cluster must be as it was
found (healthy, same configuration) before the next one starts."""

from __future__ import annotations

import time
from pathlib import Path

from ngha.chaos.context import Context, Progress
from ngha.chaos.scenarios import BY_ID, Scenario
from ngha.errors import NghaError, OperationFailed
from ngha.facts import CorosyncFact
from ngha.health import cluster_health, current, summary
from ngha.lab.session import Lab
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.measurement.galera import galera_state, missing_writes, writer
from ngha.measurement.probes import (CONNECT_TIMEOUT, acknowledged_ids, by_path, outage,
                                     relative, relative_events, start_probes)
from ngha.measurement.snapshot import restarted, snapshot
from ngha.plan.plan import make_plan
from ngha.targets import Target

BASELINE = 3.0  # seconds of probing before the fault
TAIL = 3.0  # and after the cluster is healthy again
BACK_WITHIN = 5.0  # API paths back within this long after their backend
HEALTHY_TIMEOUT = 600.0


class ScenarioError(OperationFailed):
    """The cluster was not fit for a scenario, or could not be restored after one."""


def unknown_scenarios(names: list[str]) -> list[str]:
    return [n for n in names if n != "all" and n not in BY_ID]


def run_scenarios(cluster: LiveCluster, target: Target, names: list[str], quick: bool,
                  repeat: int, work: Path, progress: Progress) -> list[dict]:
    chosen = list(BY_ID) if "all" in names else names
    lab = Lab.read(target.loaded.deployment.cluster)
    results = []
    for scenario_id in chosen:
        for index in range(1, repeat + 1):
            progress(f"== {scenario_id} ({target.profile}, run {index} of {repeat})")
            try:
                result = run_one(cluster, target, lab, BY_ID[scenario_id], quick, work,
                                 progress)
            except NghaError as exc:  # unfit cluster, a wait that timed out: kept, judged
                result = unfinished(BY_ID[scenario_id], target.profile, quick, exc.message)
            result["repeat"] = index
            results.append(result)
            progress(f"{scenario_id}: {'passed' if result['passed'] else 'FAILED'} "
                     + "; ".join(result["failures"]))
            try:
                restore(cluster, target, progress)
            except ScenarioError as exc:
                # what ran is kept; the rest cannot run on a cluster left in an unknown state
                result["failures"].append(f"not restored afterwards: {exc.message}")
                result["passed"] = False
                progress(f"the run stopped: {exc.message}")
                return results
    return results


def empty_result(scenario: Scenario, profile: str, quick: bool) -> dict:
    """Every field a scenario's result has, as for one where nothing was measured: the
    one place the result's shape is written down."""
    return {"scenario": scenario.id, "title": scenario.title, "profile": profile,
            "quick": quick, "lost_writes": 0, "acknowledged_writes": 0,
            "collateral_restarts": 0, "collateral": [], "outage_seconds": {},
            "recovered_seconds": None, "duration_seconds": None, "events": [],
            "probes": {}, "failed_actions": [], "galera": {}, "notes": {},
            "failures": [], "passed": False}


def unfinished(scenario: Scenario, profile: str, quick: bool, why: str) -> dict:
    """The result of a scenario that could not run to its end: nothing measured."""
    return {**empty_result(scenario, profile, quick), "failures": [f"did not finish: {why}"]}


def run_one(cluster: LiveCluster, target: Target, lab: Lab, scenario: Scenario, quick: bool,
            work: Path, progress: Progress) -> dict:
    ensure_fit(cluster, target)
    before = snapshot(cluster, target, pacemaker.read_status(cluster))
    probes = start_probes(lab, target.secrets.value("admin_password"), work,
                          openstack=bool(target.configured))
    ctx = Context(cluster=cluster, target=target, lab=lab, quick=quick, progress=progress)
    probes.wait_answering()  # a path that never answers shows as an outage from the start
    started = time.time()
    try:
        time.sleep(BASELINE)
        outcome = scenario.run(ctx)
        fault_at = ctx.events[0][0] if ctx.events else started
        healthy_at = wait_healthy(cluster, target, HEALTHY_TIMEOUT)
        if healthy_at is not None:
            ctx.events.append((healthy_at, "cluster healthy again"))
        time.sleep(TAIL)
    finally:
        samples = probes.stop()
    view = pacemaker.read_status(cluster)
    after = snapshot(cluster, target, view)
    paths = by_path(samples)
    windows = {path: outage(s, fault_at) for path, s in paths.items()}
    galera_nodes = target.service_nodes("galera")
    acked = acknowledged_ids(samples)
    lost = missing_writes(cluster, writer(target, view), acked)
    collateral = [c for c in restarted(before, after)
                  if c["service"] not in outcome.targets and c["node"] not in outcome.nodes]
    result = empty_result(scenario, target.profile, quick)
    result.update({
        "lost_writes": len(lost), "acknowledged_writes": len(acked),
        "collateral_restarts": len(collateral), "collateral": collateral,
        "outage_seconds": {p: w[0] for p, w in windows.items()},
        "recovered_seconds": None if healthy_at is None else round(healthy_at - fault_at, 1),
        "duration_seconds": round(time.time() - started, 1),
        "events": relative_events(ctx.events, probes.started_at),
        "probes": {p: relative(ss, probes.started_at) for p, ss in paths.items()},
        "failed_actions": [{"resource": f.resource, "node": f.node, "task": f.task,
                            "status": f.exit_status} for f in view.failed_actions],
        "galera": galera_state(cluster, [n for n in galera_nodes if n in view.online]),
        "notes": outcome.notes,
    })
    result["failures"] = judge(scenario, target, outcome, result, windows, cluster)
    result["passed"] = not result["failures"]
    return result


def judge(scenario: Scenario, target: Target, outcome, result: dict, windows: dict,
          cluster: LiveCluster) -> list[str]:
    failures = list(outcome.failures)
    if result["lost_writes"]:
        failures.append(f"{result['lost_writes']} acknowledged writes missing")
    if result["recovered_seconds"] is None:
        failures.append(f"not healthy again within {HEALTHY_TIMEOUT:.0f} s")
    galera_nodes = len(target.service_nodes("galera"))
    if result["galera"]["cluster_size"] != galera_nodes or not result["galera"]["synced"]:
        failures.append(f"Galera not whole again: {result['galera']}")
    if scenario.id in ("ng-a", "ng-b", "ng-c") and result["failed_actions"]:
        failures.append(f"{len(result['failed_actions'])} failed actions")
    if target.profile != "nextgen":
        return failures
    systemd_hit = [c for c in result["collateral"]
                   if target.services.get(c["service"]) == "systemd"]
    if scenario.core_failure and systemd_hit:
        failures.append(f"{len(systemd_hit)} systemd services restarted: " + ", ".join(
            f"{c['service']}@{c['node']}" for c in systemd_hit))
    for path, back_at in outcome.backend_back.items():
        seconds, first, back = windows.get(path, (0.0, None, None))
        if first is None:
            continue  # never failed
        if back is None:
            failures.append(f"{path} never answered again")
        elif back - back_at > BACK_WITHIN:
            failures.append(f"{path} back {back - back_at:.1f} s after its backend "
                            f"(limit {BACK_WITHIN:g} s)")
    if scenario.id == "controller-crash":
        failures += _failover_failures(result, failover_budget(cluster))
    return failures


def _failover_failures(result: dict, budget: float) -> list[str]:
    """The VIP's failover, limit token + consensus + 2 s: as the cluster did it (crash to
    the VIP's start, from Pacemaker's journal) and as clients saw it (the probe's outage,
    which cannot be read closer than its connect timeout)."""
    failures = []
    limit = f"token + consensus + 2 s = {budget:.2f} s"
    started = result["notes"].get("vip_started_seconds")
    if started is None or started > budget:
        failures.append(f"the control VIP started {started} s after the crash ({limit})")
    seen = result["outage_seconds"].get("vip")
    if seen is None or seen > budget + CONNECT_TIMEOUT:
        failures.append(f"clients saw the control VIP out {seen} s ({limit}, + the probe's "
                        f"{CONNECT_TIMEOUT:g} s resolution)")
    return failures


def failover_budget(cluster: LiveCluster) -> float:
    return cluster.read_any(CorosyncFact()).failover_budget


def _differences(plan) -> list[str]:
    cib = plan.changes.as_dict()
    found = [f"CIB {kind} {what}: {', '.join(ids)}" for kind, changes in cib.items()
             if isinstance(changes, dict) for what, ids in changes.items() if ids]
    found += [f"{u.action} {u.unit} on {u.node}" for u in plan.units]
    found += [f"{f.path} on {f.node} ({f.why})" for f in plan.files]
    found += [f"task {t.name}" for t in plan.pending_tasks]
    return found or ["settings"]


def wait_healthy(cluster: LiveCluster, target: Target, timeout: float) -> float | None:
    """When every service runs where it should again (failed actions and units aside:
    they are judged on their own, and cleaned up before the next scenario)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if not current(cluster_health(cluster, target).problems):
                return time.time()
        except NghaError:
            pass
        time.sleep(1)
    return None


def ensure_fit(cluster: LiveCluster, target: Target) -> None:
    problems = cluster_health(cluster, target).problems
    if problems:
        raise ScenarioError("the cluster is not healthy: " + "; ".join(summary(problems)),
                            fix="`ngha status` shows what is wrong; `ngha apply` may help")


def restore(cluster: LiveCluster, target: Target, progress: Progress) -> None:
    """Failed actions cleaned up, the cluster healthy, the configuration as deployed:
    or the run stops here."""
    pacemaker.cleanup(cluster)
    deadline = time.time() + HEALTHY_TIMEOUT
    while True:
        problems = cluster_health(cluster, target).problems
        if not problems:
            break
        if not current(problems):
            # a failure Pacemaker's monitor found after the first cleanup (it recovered)
            pacemaker.cleanup(cluster)
        if time.time() > deadline:
            raise ScenarioError("the cluster could not be restored: "
                                + "; ".join(summary(problems)),
                                fix="see `ngha status`; the run stopped here")
        time.sleep(2)
    plan = make_plan(cluster, target, with_gate=False)
    if plan.pending:
        raise ScenarioError("the configuration differs from the deployment after the "
                            "scenario: " + "; ".join(_differences(plan)[:4]),
                            fix="see `ngha plan`; the run stopped here")
    progress("cluster restored: healthy, configuration as deployed")
