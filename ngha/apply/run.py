"""`ngha apply`: bring a live cluster to the target, step by step, observing again
before each step, so an apply killed at any point converges when run again.

1. node files, directories, daemon-reload, sysctl; Pacemaker's units disabled in systemd;
   ngha's helper units (the Galera health check) enabled;
2. the CIB: one patch against exactly the version read, after the cascade gate;
3. wait until the core services run clustered (Galera promoted everywhere and synced,
   RabbitMQ, Redis, HAProxy, the VIPs);
4. one-off tasks (databases, users, Keystone's schema, keys and bootstrap);
5. systemd-owned services enabled and started; those whose files changed restarted one
   node at a time, each healthy before the next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ngha.apply import steps
from ngha.errors import NghaError
from ngha.live.cluster import LiveCluster
from ngha.plan.diff import Plan, make_plan
from ngha.plan.observe import Observed, observe
from ngha.plan.target import Target

Progress = Callable[[str], None]


@dataclass
class ApplyReport:
    before: Plan
    after: Plan | None = None
    steps: list[tuple[str, float]] = field(default_factory=list)  # (step, seconds)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.before.pending

    def as_dict(self) -> dict:
        return {"changed": self.changed, "seconds": round(self.seconds, 1),
                "steps": [{"step": s, "seconds": round(t, 1)} for s, t in self.steps],
                "plan": self.before.as_dict(),
                "remaining": None if self.after is None else self.after.as_dict()}


def check_preconditions(observed: Observed, skip_unreachable: bool) -> None:
    if not observed.view.quorum:
        raise NghaError(f"the cluster has no quorum (as seen from {observed.view.reporter})",
                        fix="bring enough nodes back online; nothing was changed")
    if observed.unreachable and not skip_unreachable:
        detail = "; ".join(observed.unreachable.values())
        raise NghaError(f"unreachable: {detail}",
                        fix="bring the node back, or run with --skip-unreachable to apply to "
                            "the others; nothing was changed")


def plan_for(cluster: LiveCluster, target: Target,
             skip_unreachable: bool = False) -> tuple[Observed, Plan]:
    target.check_secrets()
    observed = observe(cluster, target)
    check_preconditions(observed, skip_unreachable)
    return observed, make_plan(cluster, target, observed)


def apply(cluster: LiveCluster, target: Target, *, force: bool = False,
          skip_unreachable: bool = False, progress: Progress = lambda _: None) -> ApplyReport:
    started = time.monotonic()
    _, plan = plan_for(cluster, target, skip_unreachable)
    report = ApplyReport(before=plan)
    if not plan.pending:
        report.seconds = time.monotonic() - started
        return report
    steps.refuse_cascade(plan, force)
    for name, step in (("node files", steps.write_node_files),
                       ("CIB", steps.patch_cib),
                       ("core services", steps.wait_for_core),
                       ("one-off tasks", steps.run_tasks),
                       ("systemd services", steps.converge_services)):
        progress(f"{name}: starting")
        step_started = time.monotonic()
        step(cluster, target, progress=progress, force=force,
             skip_unreachable=skip_unreachable)
        report.steps.append((name, time.monotonic() - step_started))
    progress("checking that nothing is left to do")
    _, report.after = plan_for(cluster, target, skip_unreachable)
    report.seconds = time.monotonic() - started
    return report
