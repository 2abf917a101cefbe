"""The desired state: plain data that renderers, planners and simulators consume.

Nothing here knows about XML, files or pcs syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Operation:
    name: str
    interval: str = "0s"
    timeout: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # role, on-fail ...


@dataclass(frozen=True)
class Primitive:
    id: str
    agent: str  # class:provider:type or class:type (systemd:haproxy, stonith:fence_ipmilan)
    instance_attributes: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    operations: tuple[Operation, ...] = ()
    service: str | None = None  # catalog service it runs, None for VIPs and pseudo resources

    @property
    def agent_parts(self) -> tuple[str, str | None, str]:
        parts = self.agent.split(":")
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        return parts[0], None, parts[1]


@dataclass(frozen=True)
class Clone:
    id: str
    primitive: Primitive
    meta: dict[str, str] = field(default_factory=dict)
    promotable: bool = False


Resource = Primitive | Clone


@dataclass(frozen=True)
class Order:
    id: str
    first: str
    then: str
    first_action: str = "start"
    then_action: str = "start"
    kind: str = "Mandatory"


@dataclass(frozen=True)
class Colocation:
    id: str
    rsc: str  # placed relative to with_rsc
    with_rsc: str
    score: str = "INFINITY"


@dataclass(frozen=True)
class Location:
    """Either a node preference (node + score) or a node-attribute rule (attribute)."""

    id: str
    rsc: str
    score: str = "0"
    node: str | None = None
    rule_attribute: str | None = None  # "<attr> eq true" rule
    resource_discovery: str | None = None  # exclusive for role rules


Constraint = Order | Colocation | Location


@dataclass(frozen=True)
class ClusterConfig:
    name: str
    properties: dict[str, str]
    resource_defaults: dict[str, str]
    resources: tuple[Resource, ...]
    constraints: tuple[Constraint, ...]
    node_attributes: dict[str, dict[str, str]]  # node -> {attr: value}
    nodes: tuple[str, ...]

    def primitive_ids(self) -> dict[str, str]:
        """Top-level resource id -> its primitive's id (what failed actions and
        operation histories name): galera-master -> galera, ip-X -> ip-X."""
        return {r.id: getattr(r, "primitive", r).id for r in self.resources}


@dataclass(frozen=True)
class UnitPlan:
    unit: str
    service: str
    restart_dropin: bool  # oneshot units get enabled but no Restart=always


@dataclass(frozen=True)
class NodeState:
    """What must be true on one node, outside Pacemaker."""

    name: str
    enable: tuple[UnitPlan, ...]  # systemd-owned: enabled, started, restarted forever
    disable: tuple[UnitPlan, ...]  # Pacemaker-owned: never two managers
    oslo: dict[str, dict[str, dict[str, str]]]  # config file -> section -> option -> value


@dataclass(frozen=True)
class ServicePlacement:
    service: str
    unit: str
    manager: Literal["pacemaker", "systemd"]
    mode: str
    resource: str | None  # top-level Pacemaker resource id when Pacemaker owns it


@dataclass(frozen=True)
class DesiredState:
    profile: str
    cluster: ClusterConfig
    nodes: tuple[NodeState, ...]
    services: tuple[ServicePlacement, ...]
