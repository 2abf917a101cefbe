"""From what was collected to one status: a row per service, a cell per node, what differs
from the deployment, and the Nagios-style verdict (0 healthy, 1 degraded, 2 down)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitState
from ngha.plan.target import Target
from ngha.profiles.resources import nodes_for
from ngha.status.collect import Collected

HEALTHY, DEGRADED, DOWN = 0, 1, 2
VERDICT = {HEALTHY: "healthy", DEGRADED: "degraded", DOWN: "down"}
RUNNING = ("started", "promoted", "unpromoted")


@dataclass
class Cell:
    state: str  # started promoted unpromoted stopped failed restarting offline unknown -
    since: str = ""
    restarts: int = 0


@dataclass
class ServiceRow:
    service: str
    manager: str  # who should run it: pacemaker or systemd
    unit: str
    resource: str | None
    mode: str
    cells: dict[str, Cell]
    flags: list[str] = field(default_factory=list)

    @property
    def running_on(self) -> list[str]:
        return [n for n, c in self.cells.items() if c.state in RUNNING]


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
    migration: str | None = None  # "to-nextgen ..." while `ngha migrate` is under way

    def as_dict(self) -> dict:
        data = asdict(self)
        data["status"] = VERDICT[self.verdict]
        return data


def assess(target: Target, collected: Collected) -> ClusterStatus:
    view = collected.best_view
    nodes = _nodes(target, collected, view)
    rows = [_row(target, collected, view, service) for service in target.loaded.services]
    failed_units = [{"node": n, "unit": u.unit, "result": u.result}
                    for n, units in collected.units.items() if isinstance(units, dict)
                    for u in units.values() if u.active_state == "failed"]
    failed_actions = [{"resource": f.resource, "task": f.task, "node": f.node,
                       "status": f.exit_status, "reason": f.exit_reason,
                       "when": f.last_rc_change} for f in (view.failed_actions if view else ())]
    flags = [f"{r.service}: {flag}" for r in rows for flag in r.flags]
    status = ClusterStatus(
        cluster=target.loaded.deployment.cluster, profile=target.profile,
        reporter=view.reporter if view else None, dc=view.dc if view else None,
        quorum=bool(view and view.quorum), maintenance_mode=bool(view and view.maintenance_mode),
        nodes=nodes, services=rows, failed_actions=failed_actions, failed_units=failed_units,
        flags=flags, verdict=HEALTHY, reasons=[])
    deployment = target.loaded.deployment
    allowed = {s.name: nodes_for(deployment, s.name) for s in target.loaded.services}
    if collected.cib is not None:
        marker = collected.cib.find("configuration/crm_config//nvpair[@name='ngha-migration']")
        status.migration = marker.get("value") if marker is not None else None
    status.verdict, status.reasons = _verdict(status, allowed)
    return status


def _nodes(target: Target, collected: Collected, view: ClusterView | None) -> dict[str, str]:
    states = {}
    for node in target.node_names:
        mine = collected.views.get(node)
        if isinstance(collected.units.get(node), NghaError) and isinstance(mine, NghaError):
            states[node] = "unreachable"
        elif view is not None and node in view.offline:
            states[node] = "offline"
        elif view is not None and any(n.name == node and n.standby for n in view.nodes):
            states[node] = "standby"
        else:
            states[node] = "online"
    return states


def _row(target: Target, collected: Collected, view: ClusterView | None, service) -> ServiceRow:
    resource = target.desired_ids.get(service.name)
    row = ServiceRow(service=service.name, manager=service.manager, unit=service.unit,
                     resource=resource, mode=service.mode, cells={})
    unit = f"{service.unit}.service"
    in_cib = _in_cib(collected, resource or _legacy_id(service))
    for node in target.node_names:
        units = collected.units.get(node)
        state = units.get(unit) if isinstance(units, dict) else None
        if service.manager == "pacemaker":
            row.cells[node] = _pacemaker_cell(view, resource, node)
            if state is not None and state.enabled:
                row.flags.append(f"enabled in systemd on {node}, but Pacemaker runs it "
                                 "(two managers)")
        else:
            row.cells[node] = _systemd_cell(state, units is None or isinstance(units, NghaError))
            if state is not None and state.exists and not state.enabled:
                row.flags.append(f"disabled in systemd on {node}")
            if state is not None and state.has_pacemaker_dropin:
                row.flags.append(f"Pacemaker's Restart=no drop-in left on {node}")
    if service.manager == "pacemaker" and resource and not in_cib:
        row.flags.append(f"Pacemaker should run it, but the CIB has no {resource}")
    if service.manager == "systemd" and in_cib:
        row.flags.append("systemd should run it, but it is still a Pacemaker resource")
    return row


def _legacy_id(service) -> str:
    return service.unit if service.active_passive else f"{service.unit}-clone"


def _in_cib(collected: Collected, resource: str | None) -> bool:
    if collected.cib is None or resource is None:
        return False
    return collected.cib.find(f"configuration/resources/*[@id='{resource}']") is not None


def _pacemaker_cell(view: ClusterView | None, resource: str | None, node: str) -> Cell:
    if view is None or resource is None:
        return Cell("unknown")
    if node in view.offline:
        return Cell("offline")
    instances = [i for i in view.instances_of(resource) if node in i.nodes]
    primitive = instances[0].resource if instances else _primitive_of(view, resource)
    restarts = view.fail_counts.get((node, primitive), 0) if primitive else 0
    since = _since(view, node, primitive)
    if any(i.failed for i in instances):
        return Cell("failed", since, restarts)
    roles = [i.role for i in instances if i.active]
    if not roles:
        return Cell("stopped", "", restarts)
    role = roles[0].lower()
    if role in ("starting", "stopping", "promoting", "demoting", "migrating"):
        role = "restarting"
    return Cell(role, since, restarts)


def _primitive_of(view: ClusterView, resource: str) -> str | None:
    instances = view.instances_of(resource)
    return instances[0].resource if instances else None


def _since(view: ClusterView, node: str, primitive: str | None) -> str:
    ops = view.history.get(node, {}).get(primitive or "", ())
    changes = [op.last_rc_change for op in ops if op.task in ("start", "promote", "migrate_from")]
    return changes[-1] if changes else ""


def _systemd_cell(state: UnitState | None, unreachable: bool) -> Cell:
    if unreachable:
        return Cell("unknown")
    if state is None or not state.exists:
        return Cell("missing")
    if state.active_state == "failed":
        return Cell("failed", "", state.restarts)
    if state.active_state in ("activating", "deactivating") or state.sub_state == "auto-restart":
        return Cell("restarting", state.active_since, state.restarts)
    if state.running:
        return Cell("started", state.active_since, state.restarts)
    return Cell("stopped", "", state.restarts)


def _verdict(status: ClusterStatus, allowed: dict[str, list[str]]) -> tuple[int, list[str]]:
    down, degraded = [], []
    if all(s == "unreachable" for s in status.nodes.values()):
        down.append("no node answers")
    elif not status.quorum:
        down.append("no partition has quorum")
    for row in status.services:
        online = [n for n, state in status.nodes.items() if state == "online"]
        expected = [n for n in allowed.get(row.service, online) if n in online]
        if expected and not row.running_on:
            down.append(f"{row.service} runs nowhere")
            continue
        if row.mode == "active-passive" and row.manager == "pacemaker":
            if len(row.running_on) != 1:
                degraded.append(f"{row.service} runs on {len(row.running_on)} nodes, not 1")
            continue
        missing = [n for n in expected if row.cells[n].state not in RUNNING]
        if missing:
            degraded.append(f"{row.service} not running on {', '.join(missing)}")
    for node, state in status.nodes.items():
        if state != "online":
            degraded.append(f"{node} is {state}")
    if status.failed_actions:
        degraded.append(f"{len(status.failed_actions)} failed actions")
    if status.failed_units:
        degraded.append(f"{len(status.failed_units)} failed units")
    if status.maintenance_mode:
        degraded.append("maintenance mode is on")
    if status.migration:
        degraded.append(f"a migration is under way ({status.migration.split()[0]}): run "
                        "`ngha migrate` again to finish it")
    if status.flags:
        degraded.append(f"{len(status.flags)} differences from the deployment")
    if down:
        return DOWN, down + degraded
    return (DEGRADED, degraded) if degraded else (HEALTHY, [])

