"""`ngha migrate`: legacy to next-gen (or back) on a running cluster, with no failed
request and no restart; preflight first, every step recorded, and on the lab the
migration measured from a client through the VIPs."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from ngha.chaos.measure import missing_writes
from ngha.chaos.probes import acknowledged_ids, start_probes
from ngha.errors import NghaError
from ngha.facts import CibFact, UnitsFact
from ngha.lab.session import Lab
from ngha.live.cluster import LiveCluster
from ngha.migrate.preflight import preflight
from ngha.migrate.steps import MARKER, Migration, Progress
from ngha.plan.target import Target
from ngha.profiles.resources import nodes_for

LOG_DIR = Path("/var/log/ngha")
# For tests: the step after which ngha kills itself (-9), as an operator's Ctrl-\ or a
# lost session would, to show that running it again converges.
KILL_AFTER = "NGHA_TEST_KILL_AFTER_STEP"


@dataclass
class MigrationReport:
    to: str
    method: str
    seconds: float = 0.0
    failed_requests: int | None = None  # all probe paths (lab only)
    pid_changes: int = 0
    pacemaker_stops: int = 0
    pacemaker_starts: int = 0
    lost_writes: int | None = None
    steps: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"to": self.to, "method": self.method, "seconds": round(self.seconds, 1),
                "failed_requests": self.failed_requests, "pid_changes": self.pid_changes,
                "pacemaker_stops": self.pacemaker_stops,
                "pacemaker_starts": self.pacemaker_starts, "lost_writes": self.lost_writes,
                "steps": self.steps, **self.details}


def plan_steps(migration: Migration) -> list[dict]:
    """Every step, per node where it acts; nothing is changed."""
    from ngha.plan.diff import make_plan
    from ngha.plan.observe import observe

    cluster, destination = migration.cluster, migration.destination
    plan = make_plan(cluster, destination, observe(cluster, destination), with_gate=False)
    moving = [s.name for s in migration.moving]
    steps = [{"step": "files", "what": f"write the {destination.profile} files (no restart)",
              "nodes": {n: [f"{f.path} ({f.why})" for f in plan.files if f.node == n]
                        + [f"{u.action} {u.unit}" for u in plan.units
                           if u.node == n and u.action == "disable"]
                        for n in cluster.nodes}},
             {"step": "hold", "what": "maintenance-mode=true, stop-orphan-resources=false"},
             {"step": "cib", "what": "one patch: resources removed "
                                     f"{list(plan.changes.resources_removed)}, added "
                                     f"{list(plan.changes.resources_added)}; constraints "
                                     f"removed {len(plan.changes.constraints_removed)}, added "
                                     f"{len(plan.changes.constraints_added)}"}]
    if destination.profile == "nextgen":
        units = [s.unit for s in migration.moving if s.manager == "systemd"]
        steps.append({"step": "units", "what": "remove Pacemaker's runtime Restart=no "
                      "drop-in, daemon-reload, systemctl enable (no start: they run)",
                      "nodes": {n: units for n in cluster.nodes}})
    else:
        steps.append({"step": "probes", "what": "wait until Pacemaker has probed the new "
                                                "resources and found them running"})
    helpers = migration.new_helpers()
    held = migration.ordered_after(helpers)
    steps.append({"step": "release", "what": "maintenance-mode=false" + (
        f"; {held} unmanaged until Pacemaker has started {list(helpers)}, "
        "so their start restarts nothing" if held else "")})
    if destination.profile == "nextgen":
        steps.append({"step": "forget", "what": "crm_resource --refresh of "
                      f"{migration.removed_primitives} (their history, no probe)"})
    steps.append({"step": "restore", "what": "stop-orphan-resources as it was"})
    steps.append({"step": "moving", "what": f"services changing manager: {moving}"})
    return steps


def migrate(cluster: LiveCluster, source: Target, destination: Target, method: str,
            progress: Progress) -> MigrationReport:
    migration = Migration(cluster, source, destination, progress)
    report = MigrationReport(to=destination.profile, method=method)
    in_progress = migration.property(MARKER)
    preflight(migration, resuming=in_progress is not None)
    log = _log(cluster.name)
    started = time.time()
    node_times = {n: _node_time(cluster, n) for n in cluster.nodes}
    units = [f"{s.unit}.service" for s in migration.moving]
    before = _pids(cluster, units)
    probes = _start_probes(cluster, destination)
    try:
        steps = _ngha_steps(migration) if method == "ngha" else _disable_delete(migration)
        for name, step in steps:
            step_started = time.time()
            progress(f"step: {name}")
            _record(log, f"start {name}")
            step()
            _record(log, f"done {name}")
            if os.environ.get(KILL_AFTER) == name:  # tests: a migration killed here
                os.kill(os.getpid(), signal.SIGKILL)
            report.steps.append({"step": name, "seconds": round(time.time() - step_started, 1)})
        from ngha.apply.run import apply
        progress("checking that apply has nothing left to do")
        final = apply(cluster, destination, progress=progress)
        if final.changed:
            report.details["apply_after"] = final.before.as_dict()
    finally:
        samples = probes.stop() if probes else None
    report.seconds = time.time() - started
    after = _pids(cluster, units)
    changed = [{"node": n, "unit": u, "before": before[(n, u)], "after": after.get((n, u))}
               for (n, u) in before if after.get((n, u)) != before[(n, u)]]
    report.pid_changes = len(changed)
    actions = _pacemaker_actions(cluster, node_times)
    pseudo = set(destination.loaded.catalog.legacy_pseudo_resources)  # ordering helpers
    services = [a for a in actions if a["resource"] not in pseudo]
    report.pacemaker_stops = sum(1 for a in services if a["action"] == "stop")
    report.pacemaker_starts = sum(1 for a in services if a["action"] == "start")
    report.details.update({"pid_changed": changed, "pacemaker_actions": actions,
                           "moving": [s.name for s in migration.moving]})
    if samples is not None:
        failed = [s for s in samples if not s.ok and s.t0 >= started]
        report.failed_requests = len(failed)
        report.details["failed_by_path"] = {p: sum(1 for s in failed if s.path == p)
                                            for p in sorted({s.path for s in samples})}
        report.details["requests"] = len(samples)
        galera = [n for n in nodes_for(destination.loaded.deployment, "galera")]
        report.lost_writes = len(missing_writes(cluster, galera[0],
                                                acknowledged_ids(samples)))
    _record(log, "finished " + json.dumps(report.as_dict()))
    return report


def _ngha_steps(m: Migration) -> list[tuple[str, object]]:
    if m.destination.profile == "nextgen":
        return [("write files", m.write_files), ("hold Pacemaker", m.hold_pacemaker),
                ("patch the CIB", m.patch_cib), ("hand the units to systemd", m.hand_over_units),
                ("release Pacemaker", m.release_pacemaker),
                ("forget the removed resources", m.forget_orphans),
                ("restore the orphan policy", m.restore_orphan_policy)]
    return [("write files", m.write_files), ("hold Pacemaker", m.hold_pacemaker),
            ("patch the CIB", m.patch_cib), ("wait for Pacemaker's probes", m.wait_for_probes),
            ("release Pacemaker", m.release_pacemaker),
            ("restore the orphan policy", m.restore_orphan_policy)]


def _disable_delete(m: Migration) -> list[tuple[str, object]]:
    """The design's original procedure, for contrast: every moving service is disabled
    (stopped) and deleted, then started again under systemd."""
    if m.destination.profile != "nextgen":
        raise NghaError("--method disable-delete only goes to next-gen",
                        fix="use --method ngha to go back to legacy")

    def drop_constraints() -> None:
        # only the source layout's own constraints, by id: an operator's are left alone
        kept = {c.id for c in m.destination.desired.cluster.constraints}
        owned = {c.id for c in m.source.desired.cluster.constraints} - kept
        live = m.cluster.read_any(CibFact()).tree().xpath("//constraints/*/@id")
        doomed = sorted(owned & set(live))
        m.set_property("maintenance-mode", "true")
        if doomed:
            m.progress(f"pcs constraint delete ({len(doomed)} constraints)")
            m.cluster.run_any(["pcs", "constraint", "delete", *doomed], timeout=300,
                              what="pcs constraint delete")
        m.set_property("maintenance-mode", "false")

    def disable_and_delete() -> None:
        removed = [r.id for r in m.source.desired.cluster.resources
                   if r.id not in {x.id for x in m.destination.desired.cluster.resources}]
        for rid in removed:
            m.progress(f"pcs resource disable {rid} --wait; pcs resource delete {rid}")
            m.cluster.run_any(["pcs", "resource", "disable", rid, "--wait=300"], timeout=360,
                              what=f"pcs resource disable {rid}")
            m.cluster.run_any(["pcs", "resource", "delete", rid, "--force"], timeout=120,
                              what=f"pcs resource delete {rid}")
        m.cluster.run_any(["pcs", "resource", "cleanup"], timeout=120,
                          what="pcs resource cleanup")

    return [("remove the constraints", drop_constraints),
            ("disable and delete each service", disable_and_delete),
            ("write files", m.write_files)]


def _start_probes(cluster: LiveCluster, target: Target):
    if target.loaded.deployment.target != "lab":
        return None  # a real cluster: no client of ours in it
    lab = Lab.read(target.loaded.deployment.cluster)
    return start_probes(lab, target.secrets.value("admin_password"), Path("/var/lib/ngha/chaos"))


def _pids(cluster: LiveCluster, units: list[str]) -> dict[tuple[str, str], int]:
    pids = {}
    for node, states in cluster.read_all(UnitsFact(units)).items():
        if isinstance(states, NghaError):
            continue
        for unit, state in states.items():
            pids[(node, unit)] = state.main_pid
    return pids


def _node_time(cluster: LiveCluster, node: str) -> str:
    return cluster.run(node, ["date", "+%s"], check=False, timeout=15).stdout.strip() or "0"


def _pacemaker_actions(cluster: LiveCluster, since: dict[str, str]) -> list[dict]:
    """Starts and stops Pacemaker ran on each node since the migration began, from its
    own journal (`Result of start operation for X on NODE`)."""
    actions = []
    for node in cluster.nodes:
        out = cluster.run(node, ["journalctl", "-u", "pacemaker", "-o", "cat", "--no-pager",
                                 "--since", f"@{since.get(node, '0')}"],
                          check=False, timeout=60).stdout
        for line in out.splitlines():
            for action in ("start", "stop"):
                marker = f"Result of {action} operation for "
                if marker in line:
                    resource = line.split(marker, 1)[1].split()[0]
                    actions.append({"node": node, "action": action, "resource": resource})
    return actions


def _log(cluster: str) -> Path:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"migrate-{cluster}.log"


def _record(log: Path, message: str) -> None:
    with open(log, "a") as f:
        f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n")

