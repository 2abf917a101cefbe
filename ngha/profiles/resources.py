"""Pacemaker resources shared by both profiles: VIPs, core services, systemd clones, fencing."""

from __future__ import annotations

from string import Template
from typing import TYPE_CHECKING, Callable

from ngha.catalog import Catalog
from ngha.catalog.catalog import Op
from ngha.model.deployment import Deployment
from ngha.model.resolve import ResolvedService
from ngha.profiles.desired import (Clone, Colocation, Constraint, Location, Operation, Order,
                                   Primitive, Resource)

if TYPE_CHECKING:
    from ngha.model.load import LoadedDeployment

# Timeouts the reference implementation gave every systemd: resource.
SYSTEMD_OPS = (
    Operation("start", timeout="200s"),
    Operation("stop", timeout="200s"),
    Operation("monitor", interval="60s", timeout="100s"),
)
VIP_OPS = (
    Operation("start", timeout="20s"),
    Operation("stop", timeout="20s"),
    Operation("monitor", interval="10s", timeout="20s"),
)


def operations(ops: tuple[Op, ...]) -> tuple[Operation, ...]:
    result = []
    for op in ops:
        extra = dict(op.model_extra or {})
        if op.role:
            extra["role"] = op.role
        result.append(Operation(op.name, op.interval, op.timeout, tuple(sorted(extra.items()))))
    return tuple(result)


def roles_in_use(deployment: Deployment) -> bool:
    return any(node.roles for node in deployment.nodes)


def nodes_for(deployment: Deployment, service: str) -> list[str]:
    """Nodes allowed to run a Pacemaker-owned service (see Deployment.nodes_running)."""
    return [n.name for n in deployment.nodes_running(service)]


def role_restricted(deployment: Deployment, service: str) -> bool:
    return any(service in (n.roles or ()) for n in deployment.nodes)


def vip_resources(deployment: Deployment) -> list[Primitive]:
    """One IPaddr2 per VIP, on its network's subnet (cidr_netmask), and on the interface
    the file names (nic) when it names one; otherwise IPaddr2 finds the interface whose
    subnet holds the address."""
    resources = []
    for name, vip in deployment.vip_list:
        attributes = {"ip": vip.address, "cidr_netmask": str(deployment.vip_prefix(name))}
        if vip.nic:
            attributes["nic"] = vip.nic
        resources.append(Primitive(id=vip.resource_id, agent="ocf:heartbeat:IPaddr2",
                                   instance_attributes=attributes, operations=VIP_OPS))
    return resources


def vip_constraints(deployment: Deployment, haproxy_id: str) -> list[Order | Colocation]:
    """Each VIP lives where an HAProxy runs, and starts before it (Optional: no cascade)."""
    constraints: list[Order | Colocation] = []
    for _, vip in deployment.vip_list:
        constraints.append(Order(id=f"order-{vip.resource_id}-{haproxy_id}-Optional",
                                 first=vip.resource_id, then=haproxy_id, kind="Optional"))
        constraints.append(Colocation(id=f"colocation-{vip.resource_id}-{haproxy_id}-INFINITY",
                                      rsc=vip.resource_id, with_rsc=haproxy_id))
    return constraints


def core_resource(service: ResolvedService, deployment: Deployment) -> Primitive | Clone:
    """A core service as its catalog describes it (rabbitmq-cluster, galera, redis, haproxy)."""
    spec = service.spec.pacemaker
    assert spec is not None, service.name
    galera_nodes = nodes_for(deployment, "galera")
    values = {"unit": service.unit, "galera_nodes": ",".join(galera_nodes),
              "galera_node_count": str(len(galera_nodes))}

    def fill(mapping: dict[str, str]) -> dict[str, str]:
        return {k: Template(v).safe_substitute(values) for k, v in mapping.items()}

    primitive_id = spec.id or service.unit
    primitive = Primitive(id=primitive_id, agent=Template(spec.agent).safe_substitute(values),
                          instance_attributes=fill(spec.instance_attributes),
                          meta=fill(spec.meta), operations=operations(spec.ops),
                          service=service.name)
    if spec.kind == "primitive":
        return primitive
    return Clone(id=spec.clone_id or f"{primitive_id}-clone", primitive=primitive,
                 meta=fill(spec.clone_meta), promotable=spec.kind == "promotable")


def systemd_resource(service: ResolvedService, agent: str | None = None,
                     ops: tuple[Operation, ...] | None = None) -> Primitive | Clone:
    """A non-core service run by Pacemaker: an A/P primitive or an interleaved clone."""
    primitive = Primitive(id=service.unit, agent=agent or f"systemd:{service.unit}",
                          operations=ops or SYSTEMD_OPS, service=service.name)
    if service.active_passive:
        return primitive
    return Clone(id=f"{service.unit}-clone", primitive=primitive, meta={"interleave": "true"})


def owned_resources(loaded: LoadedDeployment,
                    systemd_resource_for: Callable[[ResolvedService], Primitive | Clone]
                    ) -> tuple[list[Resource], list[Constraint]]:
    """Every Pacemaker-owned service in catalog order, HAProxy first with the VIPs after
    it, plus the VIP/HAProxy constraints. Core services come from their catalog agents;
    the others from `systemd_resource_for` (the profile decides agent and operations)."""
    owned = catalog_order(loaded.catalog, pacemaker_services(loaded.services))
    haproxy = [s for s in owned if s.name == "haproxy"]
    resources: list[Resource] = [core_resource(s, loaded.deployment) for s in haproxy]
    resources += vip_resources(loaded.deployment)
    for service in owned:
        if service.name != "haproxy":
            resources.append(core_resource(service, loaded.deployment) if service.spec.pacemaker
                             else systemd_resource_for(service))
    haproxy_id = top_level_ids(resources).get("haproxy")
    constraints: list[Constraint] = (vip_constraints(loaded.deployment, haproxy_id)
                                     if haproxy_id else [])
    return resources, constraints


# Fence-race delay on 2-node clusters (see fence_race_delay).
FENCE_RACE_DELAY = "15s"
DELAY_PARAMETERS = ("pcmk_delay_base", "pcmk_delay_max", "delay")


def fencing_resources(deployment: Deployment) -> tuple[list[Primitive], list[Location]]:
    """One stonith device per node, kept off the node it fences."""
    devices, locations = [], []
    for device in deployment.fencing.devices if deployment.fencing else ():
        rid = f"fence-{device.node}"
        parameters = {**device.parameters, **fence_race_delay(deployment, device.node,
                                                               device.parameters),
                      "pcmk_host_list": device.node}
        devices.append(Primitive(id=rid, agent=f"stonith:{device.agent}",
                                 instance_attributes=parameters,
                                 operations=(Operation("monitor", interval="60s"),)))
        locations.append(Location(id=f"location-{rid}-{device.node}--INFINITY", rsc=rid,
                                  node=device.node, score="-INFINITY"))
    return devices, locations


def fence_race_delay(deployment: Deployment, node: str,
                     parameters: dict[str, str]) -> dict[str, str]:
    """On two nodes a split leaves both quorate, and each tries to fence the other at once.
    Delaying the device that fences the first listed node makes that node's shot land
    first: the first node survives a fence race (docs/architecture.md). A delay the file
    already sets wins."""
    if len(deployment.nodes) != 2 or node != deployment.nodes[0].name:
        return {}
    if any(name in parameters for name in DELAY_PARAMETERS):
        return {}
    return {"pcmk_delay_base": FENCE_RACE_DELAY}


def role_rules(deployment: Deployment, owned: list[tuple[str, str]]) -> tuple[
        dict[str, dict[str, str]], list[Location]]:
    """Composable roles: `<service>-role=true` node attributes and exclusive-discovery rules,
    so a Pacemaker-owned service runs (and is even probed) only where its role is.

    `owned` is (service, top-level resource id) for every Pacemaker-owned service.
    """
    if not roles_in_use(deployment):
        return {}, []
    attributes = {n.name: {f"{r}-role": "true" for r in sorted(n.roles or ())}
                  for n in deployment.nodes if n.roles}
    rules = [Location(id=f"location-{rid}", rsc=rid, rule_attribute=f"{service}-role",
                      resource_discovery="exclusive")
             for service, rid in owned if role_restricted(deployment, service)]
    return attributes, rules


def cluster_properties(deployment: Deployment) -> dict[str, str]:
    fenced = bool(deployment.fencing and deployment.fencing.devices)
    # cluster-name belongs to corosync.conf; Pacemaker copies it into the CIB itself.
    properties = {"stonith-enabled": "true" if fenced else "false"}
    if deployment.tuning.pacemaker_load_threshold:
        properties["load-threshold"] = deployment.tuning.pacemaker_load_threshold
    return properties


def top_level_ids(resources: list[Primitive | Clone]) -> dict[str, str]:
    """catalog service -> id of the resource constraints must name (the clone, if any)."""
    ids = {}
    for resource in resources:
        primitive = resource.primitive if isinstance(resource, Clone) else resource
        if primitive.service:
            ids[primitive.service] = resource.id
    return ids


def pacemaker_services(services: tuple[ResolvedService, ...]) -> list[ResolvedService]:
    return [s for s in services if s.manager == "pacemaker"]


def catalog_order(catalog: Catalog, services: list[ResolvedService]) -> list[ResolvedService]:
    order = list(catalog.services)
    return sorted(services, key=lambda s: order.index(s.name))
