"""`ngha apply`: bring a live cluster to the target. The plan is made once; each step
then re-observes only the part it acts on, so an apply killed at any point converges
when run again.

1. node files, directories, daemon-reload, sysctl; Pacemaker's units disabled in systemd;
   ngha's helper units (the Galera health check) enabled; restarts owed written down;
2. the CIB: one patch against exactly the version read, after the cascade gate;
3. wait until the core services run clustered (Galera promoted everywhere and synced,
   RabbitMQ, Redis, HAProxy, the VIPs);
4. one-off tasks (databases, users, Keystone's schema, keys and bootstrap);
5. systemd-owned services enabled and started, one node at a time, each healthy before
   the next; those whose files changed restarted the same way (first the services the
   OpenStack services need: Keystone, memcached);
6. the tasks that need Keystone's API: the OpenStack services' registrations;
7. the OpenStack services ngha configures, as in 5 (they authenticate at start).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ngha.apply import steps
from ngha.errors import NghaError
from ngha.live.cluster import LiveCluster
from ngha.plan.cib import refuse_cascade
from ngha.plan.plan import Plan, make_plan
from ngha.targets import Target

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


def check_preconditions(plan: Plan, skip_unreachable: bool) -> None:
    if not plan.view.quorum:
        raise NghaError(f"the cluster has no quorum (as seen from {plan.view.reporter})",
                        fix="bring enough nodes back online; nothing was changed")
    if plan.unreachable and not skip_unreachable:
        detail = "; ".join(plan.unreachable.values())
        raise NghaError(f"unreachable: {detail}",
                        fix="bring the node back, or run with --skip-unreachable to apply to "
                            "the others; nothing was changed")


def plan_for(cluster: LiveCluster, target: Target, skip_unreachable: bool = False) -> Plan:
    target.check_secrets()
    plan = make_plan(cluster, target)
    check_preconditions(plan, skip_unreachable)
    return plan


def apply(cluster: LiveCluster, target: Target, *, force: bool = False,
          skip_unreachable: bool = False, progress: Progress = lambda _: None) -> ApplyReport:
    started = time.monotonic()
    plan = plan_for(cluster, target, skip_unreachable)
    report = ApplyReport(before=plan)
    if not plan.pending:
        report.seconds = time.monotonic() - started
        return report
    refuse_cascade(plan.gate, force)
    for name, step in (("node files", lambda: steps.write_node_files(
                            cluster, target, progress, plan.nodes)),
                       ("CIB", lambda: steps.patch_cib(cluster, target, progress, force,
                                                       plan.cib)),
                       ("core services", lambda: steps.wait_for_core(cluster, target,
                                                                     progress)),
                       ("one-off tasks", lambda: steps.run_tasks(cluster, target, progress)),
                       ("systemd services", lambda: steps.converge_services(
                            cluster, target, progress,
                            only=lambda unit: unit not in target.configured_units)),
                       ("registrations", lambda: steps.run_tasks(cluster, target, progress,
                                                                 late=True)),
                       ("OpenStack services", lambda: steps.converge_services(
                            cluster, target, progress))):
        progress(f"{name}: starting")
        step_started = time.monotonic()
        step()
        report.steps.append((name, time.monotonic() - step_started))
    progress("checking that nothing is left to do")
    report.after = plan_for(cluster, target, skip_unreachable)
    report.seconds = time.monotonic() - started
    return report
