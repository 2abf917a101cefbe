"""`ngha status` as data: the health model's verdict laid out for people and machines (a
row per service, a cell per node, what differs from the deployment, every problem), the
Nagios-style verdict (0 healthy, 1 degraded, 2 down)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ngha.health import VERDICT, Health, summary
from ngha.health.services import RUNNING, Cell, ServiceRow
from ngha.targets import Target

__all__ = ["RUNNING", "Cell", "ClusterStatus", "ServiceRow", "status_of"]


@dataclass
class ClusterStatus:
    cluster: str
    profile: str
    reporter: str | None
    dc: str | None
    quorum: bool
    maintenance_mode: bool
    nodes: dict[str, str]  # node -> online, offline, unreachable, standby
    services: list[ServiceRow]
    failed_actions: list[dict]
    failed_units: list[dict]
    flags: list[str]
    verdict: int
    reasons: list[str]
    problems: list[dict]  # the health model's, structured (kind, subject, node, ...)
    migration: str | None = None  # "to-nextgen ..." while `ngha migrate` is under way

    def as_dict(self) -> dict:
        data = asdict(self)
        data["status"] = VERDICT[self.verdict]
        return data


def status_of(target: Target, health: Health) -> ClusterStatus:
    view = health.view
    return ClusterStatus(
        cluster=target.loaded.deployment.cluster, profile=target.profile,
        reporter=view.reporter if view else None, dc=view.dc if view else None,
        quorum=bool(view and view.quorum), maintenance_mode=bool(view and view.maintenance_mode),
        nodes=health.nodes, services=health.services,
        failed_actions=[{"resource": f.resource, "task": f.task, "node": f.node,
                         "status": f.exit_status, "reason": f.exit_reason,
                         "when": f.last_rc_change} for f in health.failed_actions],
        failed_units=health.failed_units,
        flags=[f"{r.service}: {flag}" for r in health.services for flag in r.flags],
        verdict=health.verdict, reasons=summary(health.problems),
        problems=[p.as_dict() for p in health.problems], migration=health.migration)
