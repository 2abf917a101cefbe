"""What the scheduler decided for one event, and how far it spreads."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ngha.simulate.baseline import Baseline
from ngha.simulate.events import Event

# Actions that disturb a healthy instance, as opposed to recovering a lost one.
DISRUPTIVE = {"stop", "restart", "demote", "move", "recover", "migrate"}


@dataclass(frozen=True)
class Action:
    action: str  # start stop restart recover move promote demote migrate
    resource: str  # top-level resource id (clone id for clone instances)
    primitive: str
    node: str | None  # where it happens (the destination of a move)
    detail: str = ""  # source -> dest for moves, role changes
    source: str | None = None  # where a moved instance was

    def as_dict(self) -> dict:
        return {"action": self.action, "resource": self.resource, "node": self.node,
                **({"detail": self.detail} if self.detail else {})}


@dataclass
class Transition:
    event: Event
    actions: list[Action]
    collateral: list[Action] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action.action] = counts.get(action.action, 0) + 1
        return counts

    def as_dict(self) -> dict:
        return {"event": self.event.name, "kind": self.event.kind,
                "collateral": len(self.collateral), "actions": [a.as_dict() for a in self.actions],
                "collateral_resources": sorted({a.resource for a in self.collateral})}


def parse_actions(result: etree._Element, top_level: dict[str, str]) -> list[Action]:
    """Actions of a crm_simulate result; `top_level` maps primitive -> clone (or itself)."""
    actions = []
    for element in result.findall("actions/rsc_action"):
        primitive = element.get("resource", "").split(":")[0]
        source, dest = element.get("source"), element.get("dest")
        node = element.get("node") or dest or source
        detail = ""
        if source and dest:
            detail = f"{source} -> {dest}"
        elif element.get("next-role"):
            detail = f"{element.get('role')} -> {element.get('next-role')}"
        actions.append(Action(action=element.get("action"),
                              resource=top_level.get(primitive, primitive),
                              primitive=primitive, node=node, detail=detail, source=source))
    return sorted(actions, key=lambda a: (a.resource, a.node or "", a.action))


def collateral_actions(event: Event, actions: list[Action], baseline: Baseline) -> list[Action]:
    """Actions beyond the failure itself.

    Resource events: anything on another resource than the one hit, except the VIPs that
    must follow it (a VIP moving with its HAProxy is the failure, not a cascade).
    Node events: anything that disturbs an instance on a surviving node; recovering what
    the lost node ran (start or promote elsewhere) is the failure itself.
    """
    if event.kind in ("node-fail", "standby"):
        return [a for a in actions if a.action in DISRUPTIVE
                and event.target not in (a.node, a.source)]
    hit = baseline.top_level.get(event.target, event.target)
    allowed = {hit} | baseline.vips_following.get(hit, set())
    return [a for a in actions if a.resource not in allowed]
