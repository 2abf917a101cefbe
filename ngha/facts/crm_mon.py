"""The cluster as Pacemaker sees it, from `crm_mon --output-as=xml --inactive`:
membership, quorum, DC, maintenance mode, every resource instance, failed actions, and
per-node operation history (which tells when an instance last started and how often)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ngha.facts.base import Fact, FactUnreadable

# The roles in which an instance counts as running: the one definition every command
# (status, apply's waits, restart, chaos, migrate) judges "running" by.
RUNNING_ROLES = frozenset({"Started", "Promoted", "Unpromoted"})
PROMOTED = "Promoted"


@dataclass(frozen=True)
class NodeView:
    name: str
    online: bool
    standby: bool
    maintenance: bool
    unclean: bool
    is_dc: bool


@dataclass(frozen=True)
class Instance:
    """One resource instance: a primitive, or one copy of a clone's primitive."""

    resource: str  # primitive id
    parent: str | None  # clone id for clone instances
    agent: str
    role: str  # Started, Stopped, Promoted, Unpromoted, Starting ...
    active: bool
    managed: bool
    failed: bool
    blocked: bool
    orphaned: bool
    target_role: str | None
    nodes: tuple[str, ...]

    @property
    def top(self) -> str:
        return self.parent or self.resource


@dataclass(frozen=True)
class FailedAction:
    resource: str  # primitive id (from op_key)
    task: str
    node: str
    exit_status: str
    exit_reason: str
    interval_ms: int
    last_rc_change: str


@dataclass(frozen=True)
class OperationRecord:
    task: str
    rc: int
    interval_ms: int
    call: int
    last_rc_change: str


@dataclass(frozen=True)
class ClusterView:
    reporter: str
    dc: str | None
    quorum: bool
    maintenance_mode: bool
    stonith_enabled: bool
    nodes: tuple[NodeView, ...]
    instances: tuple[Instance, ...]
    failed_actions: tuple[FailedAction, ...]
    # node -> primitive -> operations, as crm_mon's node_history lists them
    history: dict[str, dict[str, tuple[OperationRecord, ...]]] = field(default_factory=dict)
    fail_counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (node, rsc)

    @property
    def online(self) -> frozenset[str]:
        return frozenset(n.name for n in self.nodes if n.online)

    @property
    def offline(self) -> frozenset[str]:
        return frozenset(n.name for n in self.nodes if not n.online)

    def instances_of(self, resource: str) -> list[Instance]:
        """Instances of a primitive or of a clone (by either id)."""
        return [i for i in self.instances if resource in (i.resource, i.parent)]

    def roles_on(self, resource: str) -> dict[str, str]:
        """node -> role of the resource's active instances."""
        return {node: i.role for i in self.instances_of(resource) if i.active
                for node in i.nodes}

    def running_on(self, resource: str) -> list[str]:
        """The nodes where the resource runs (any role in RUNNING_ROLES), sorted."""
        return sorted(n for n, role in self.roles_on(resource).items()
                      if role in RUNNING_ROLES)

    def promoted_on(self, resource: str) -> list[str]:
        return sorted(n for n, role in self.roles_on(resource).items() if role == PROMOTED)

    def failed_on(self, resource: str) -> list[str]:
        """The nodes where an instance of the resource is marked failed."""
        return sorted({n for i in self.instances_of(resource) if i.failed for n in i.nodes})

    def node(self, name: str) -> NodeView | None:
        return next((n for n in self.nodes if n.name == name), None)


def _bool(element: etree._Element, name: str) -> bool:
    return element.get(name) == "true"


def _instance(element: etree._Element, parent: str | None) -> Instance:
    return Instance(
        resource=element.get("id", "?"), parent=parent,
        agent=element.get("resource_agent", ""), role=element.get("role", "Unknown"),
        active=_bool(element, "active"), managed=_bool(element, "managed"),
        failed=_bool(element, "failed"), blocked=_bool(element, "blocked"),
        orphaned=_bool(element, "orphaned"), target_role=element.get("target_role"),
        nodes=tuple(n.get("name", "?") for n in element.findall("node")))


def _instances(resources: etree._Element | None) -> list[Instance]:
    found: list[Instance] = []
    if resources is None:
        return found
    for element in resources:
        if element.tag == "resource":
            found.append(_instance(element, None))
        elif element.tag == "clone":
            found += [_instance(r, element.get("id")) for r in element.iter("resource")]
        elif element.tag == "group":
            found += [_instance(r, element.get("id")) for r in element.findall("resource")]
        elif element.tag == "bundle":
            found += [_instance(r, element.get("id")) for r in element.iter("resource")]
    return found


def _interval_ms(text: str | None) -> int:
    text = (text or "0").removesuffix("ms")
    return int(text) if text.isdigit() else 0


def parse_crm_mon(xml_text: str, reporter: str) -> ClusterView:
    try:
        root = etree.fromstring(xml_text.encode())
    except etree.XMLSyntaxError as exc:
        raise FactUnreadable(f"{reporter}: crm_mon printed no readable XML ({exc})") from None
    status = root.find("status")
    if status is not None and status.get("code", "0") != "0":
        errors = [e.text or "" for e in status.iter("error")]
        raise FactUnreadable(f"{reporter}: crm_mon: {status.get('message', 'error')}"
                             + (f" ({errors[-1].strip()})" if errors else ""))
    dc_el = root.find("summary/current_dc")
    present = dc_el is not None and dc_el.get("present") == "true"
    options = root.find("summary/cluster_options")
    nodes = tuple(NodeView(name=n.get("name", "?"), online=_bool(n, "online"),
                           standby=_bool(n, "standby"), maintenance=_bool(n, "maintenance"),
                           unclean=_bool(n, "unclean"), is_dc=_bool(n, "is_dc"))
                  for n in root.findall("nodes/node"))
    failed = tuple(FailedAction(
        resource=f.get("op_key", "").rsplit("_", 2)[0], task=f.get("task", ""),
        node=f.get("node", "?"), exit_status=f.get("exitstatus", ""),
        exit_reason=f.get("exitreason", ""), interval_ms=int(f.get("interval", "0") or 0),
        last_rc_change=f.get("last-rc-change", "")) for f in root.findall("failures/failure"))
    history: dict[str, dict[str, tuple[OperationRecord, ...]]] = {}
    fail_counts: dict[tuple[str, str], int] = {}
    for node in root.findall("node_history/node"):
        per_node = history.setdefault(node.get("name", "?"), {})
        for rsc in node.findall("resource_history"):
            ops = tuple(OperationRecord(task=op.get("task", ""), rc=int(op.get("rc", "0")),
                                        interval_ms=_interval_ms(op.get("interval")),
                                        call=int(op.get("call", "0")),
                                        last_rc_change=op.get("last-rc-change", ""))
                        for op in rsc.findall("operation_history"))
            per_node[rsc.get("id", "?")] = ops
            if rsc.get("fail-count"):
                fail_counts[(node.get("name", "?"), rsc.get("id", "?"))] = int(
                    rsc.get("fail-count"))
    return ClusterView(
        reporter=reporter,
        dc=dc_el.get("name") if present and dc_el is not None else None,
        quorum=present and dc_el is not None and dc_el.get("with_quorum") == "true",
        maintenance_mode=options is not None and options.get("maintenance-mode") == "true",
        stonith_enabled=options is not None and options.get("stonith-enabled") == "true",
        nodes=nodes, instances=tuple(_instances(root.find("resources"))),
        failed_actions=failed, history=history, fail_counts=fail_counts)


class CrmMonFact(Fact[ClusterView]):
    what = "the cluster status (crm_mon)"
    # crm_mon exits non-zero when it cannot connect but still prints XML saying why.
    ok_codes = tuple(range(0, 256))

    def argv(self) -> list[str]:
        return ["crm_mon", "--output-as=xml", "--inactive"]

    def parse(self, stdout: str, node: str) -> ClusterView:
        return parse_crm_mon(stdout, node)
