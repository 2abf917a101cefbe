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

from ngha.apply.run import apply
from ngha.errors import NghaError
from ngha.lab.session import Lab
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.measurement.galera import missing_writes
from ngha.measurement.journal import node_clocks, pacemaker_actions
from ngha.measurement.probes import acknowledged_ids, start_probes
from ngha.measurement.snapshot import unit_pids
from ngha.migrate.preflight import preflight
from ngha.migrate.steps import MARKER, Migration, Progress, Step
from ngha.targets import Target

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


def plan_steps(migration: Migration, method: str = "ngha") -> list[dict]:
    """Every step the migration would run, as each describes itself; nothing is changed."""
    return [step.describe() for step in _steps(migration, method)]


def _steps(migration: Migration, method: str) -> list[Step]:
    return migration.steps() if method == "ngha" else _disable_delete(migration)


def migrate(cluster: LiveCluster, source: Target, destination: Target, method: str,
            progress: Progress) -> MigrationReport:
    migration = Migration(cluster, source, destination, progress)
    report = MigrationReport(to=destination.profile, method=method)
    in_progress = migration.property(MARKER)
    preflight(migration, resuming=in_progress is not None)
    log = _log(cluster.name)
    started = time.time()
    node_times = node_clocks(cluster)
    units = [f"{s.unit}.service" for s in migration.moving]
    before = unit_pids(cluster, units)
    probes = _start_probes(cluster, destination)
    if probes is not None:
        silent = probes.wait_answering()
        if silent:
            report.details["never_answered_before"] = silent
        started = time.time()  # what is measured: from a cluster that answers
    try:
        for step in _steps(migration, method):
            step_started = time.time()
            progress(f"step: {step.name}")
            _record(log, f"start {step.name}")
            step.run()
            _record(log, f"done {step.name}")
            if os.environ.get(KILL_AFTER) == step.name:  # tests: a migration killed here
                os.kill(os.getpid(), signal.SIGKILL)
            report.steps.append({"step": step.name,
                                 "seconds": round(time.time() - step_started, 1)})
        progress("checking that apply has nothing left to do")
        final = apply(cluster, destination, progress=progress)
        if final.changed:
            report.details["apply_after"] = final.before.as_dict()
    finally:
        samples = probes.stop() if probes else None
    report.seconds = time.time() - started
    after = unit_pids(cluster, units)
    changed = [{"node": n, "unit": u, "before": before[(n, u)], "after": after.get((n, u))}
               for (n, u) in before if after.get((n, u)) != before[(n, u)]]
    report.pid_changes = len(changed)
    actions = pacemaker_actions(cluster, node_times)
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
        report.details["failures"] = [
            {"path": s.path, "at": round(s.t0 - started, 1), "seconds": round(s.t1 - s.t0, 2),
             "detail": s.detail} for s in failed]
        galera = destination.service_nodes("galera")
        report.lost_writes = len(missing_writes(cluster, galera[0],
                                                acknowledged_ids(samples)))
    _record(log, "finished " + json.dumps(report.as_dict()))
    return report


def _disable_delete(m: Migration) -> list[Step]:
    """The design's original procedure, for contrast: every moving service is disabled
    (stopped) and deleted, then started again under systemd."""
    if m.destination.profile != "nextgen":
        raise NghaError("--method disable-delete only goes to next-gen",
                        fix="use --method ngha to go back to legacy")
    kept = {c.id for c in m.destination.desired.cluster.constraints}
    owned = {c.id for c in m.source.desired.cluster.constraints} - kept
    removed = [r.id for r in m.source.desired.cluster.resources
               if r.id not in {x.id for x in m.destination.desired.cluster.resources}]

    def drop_constraints() -> None:
        # only the source layout's own constraints, by id: an operator's are left alone
        live = pacemaker.read_cib(m.cluster).tree().xpath("//constraints/*/@id")
        doomed = sorted(owned & set(live))
        m.set_property("maintenance-mode", "true")
        if doomed:
            m.progress(f"pcs constraint delete ({len(doomed)} constraints)")
            pacemaker.delete_constraints(m.cluster, doomed)
        m.set_property("maintenance-mode", "false")

    def disable_and_delete() -> None:
        for rid in removed:
            m.progress(f"pcs resource disable {rid} --wait; pcs resource delete {rid}")
            pacemaker.disable(m.cluster, rid, wait=True)
            pacemaker.delete_resource(m.cluster, rid)
        pacemaker.cleanup(m.cluster)

    return [Step("remove the constraints", lambda: f"in maintenance mode, the {len(owned)} "
                 "constraints of the legacy layout, by id, in one pcs call",
                 drop_constraints),
            Step("disable and delete each service", lambda: "pcs resource disable --wait, "
                 f"then pcs resource delete, for {', '.join(removed)}", disable_and_delete),
            Step("write files", lambda: "the next-gen files; systemd starts each service "
                 "again", m.write_files, )]


def _start_probes(cluster: LiveCluster, target: Target):
    if target.loaded.deployment.target != "lab":
        return None  # a real cluster: no client of ours in it
    lab = Lab.read(target.loaded.deployment.cluster)
    return start_probes(lab, target.secrets.value("admin_password"), Path("/var/lib/ngha/chaos"),
                        openstack=bool(target.configured))


def _log(cluster: str) -> Path:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"migrate-{cluster}.log"


def _record(log: Path, message: str) -> None:
    with open(log, "a") as f:
        f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n")

