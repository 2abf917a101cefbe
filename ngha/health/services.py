"""Each service on each node, whichever manager runs it: one cell per node (started,
promoted, stopped, failed, restarting, offline ...), the differences from the deployment
(two managers, a Pacemaker drop-in left behind), and the problems that follow."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitState
from ngha.health.problems import (DIFFERS, DOWN, NOT_RUNNING, RUNS_NOWHERE, Problem)
from ngha.model.resolve import ResolvedService

RUNNING = ("started", "promoted", "unpromoted")  # the cell states RUNNING_ROLES become


@dataclass
class Cell:
    state: str  # started promoted unpromoted stopped failed restarting offline unknown missing
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


def service_row(service: ResolvedService, resource: str | None, nodes: tuple[str, ...],
                view: ClusterView | None, units: dict[str, dict[str, UnitState] | NghaError],
                cib: etree._Element | None) -> ServiceRow:
    row = ServiceRow(service=service.name, manager=service.manager, unit=service.unit,
                     resource=resource, mode=service.mode, cells={})
    unit = f"{service.unit}.service"
    in_cib = _in_cib(cib, resource or _legacy_id(service))
    for node in nodes:
        states = units.get(node)
        state = states.get(unit) if isinstance(states, dict) else None
        if service.manager == "pacemaker":
            row.cells[node] = pacemaker_cell(view, resource, node)
            if state is not None and state.enabled:
                row.flags.append(f"enabled in systemd on {node}, but Pacemaker runs it "
                                 "(two managers)")
        else:
            row.cells[node] = systemd_cell(state, states is None
                                           or isinstance(states, NghaError))
            if state is not None and state.exists and not state.enabled:
                row.flags.append(f"disabled in systemd on {node}")
            if state is not None and state.has_pacemaker_dropin:
                row.flags.append(f"Pacemaker's Restart=no drop-in left on {node}")
    if service.manager == "pacemaker" and resource and not in_cib:
        row.flags.append(f"Pacemaker should run it, but the CIB has no {resource}")
    if service.manager == "systemd" and in_cib:
        row.flags.append("systemd should run it, but it is still a Pacemaker resource")
    return row


def row_problems(row: ServiceRow, expected: list[str]) -> list[Problem]:
    """`expected`: the online nodes the service should run on. What Pacemaker runs is
    judged by resources.resource_problems (roles, promotion, counts); here what systemd
    runs, and every service's differences from the deployment."""
    problems = [Problem(DIFFERS, row.service, None, f"{row.service}: {flag}")
                for flag in row.flags]
    if row.manager != "systemd":
        return problems
    if expected and not row.running_on:
        return problems + [Problem(RUNS_NOWHERE, row.service, None,
                                   f"{row.service} runs nowhere", DOWN)]
    return problems + [Problem(NOT_RUNNING, row.service, n, f"{row.service} not running on "
                               f"{n} ({row.cells[n].state})")
                       for n in expected if row.cells[n].state not in RUNNING]


def _legacy_id(service: ResolvedService) -> str:
    return service.unit if service.active_passive else f"{service.unit}-clone"


def _in_cib(cib: etree._Element | None, resource: str | None) -> bool:
    if cib is None or resource is None:
        return False
    return cib.find(f"configuration/resources/*[@id='{resource}']") is not None


def pacemaker_cell(view: ClusterView | None, resource: str | None, node: str) -> Cell:
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


def systemd_cell(state: UnitState | None, unreachable: bool) -> Cell:
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
