"""Semantic rules that need more than one field or the catalog. Each names its line.

Errors raise NghaError; findings that should not stop a render are returned as warnings.
"""

from __future__ import annotations

from collections import Counter

from ngha.catalog import Catalog
from ngha.errors import NghaError
from ngha.model.deployment import SECRET_NAMES, Deployment
from ngha.model.environment import HEAT_NONE, Environment
from ngha.model.networks import validate_networks
from ngha.model.resolve import deployed_services, unit_of
from ngha.model.validate_openstack import validate_openstack
from ngha.model.warning import LoadWarning
from ngha.names import did_you_mean
from ngha.yamlfile import YamlDocument, format_loc


def validate_semantics(doc: YamlDocument, deployment: Deployment, catalog: Catalog,
                       environment: Environment) -> list[LoadWarning]:
    def fail(message: str, loc: tuple, fix: str) -> None:
        raise NghaError(message, file=doc.path, line=doc.line_of(loc), field=format_loc(loc),
                        fix=fix)

    _node_names(deployment, fail)
    _vips(deployment, fail)
    validate_networks(deployment, fail)
    _corosync(deployment, fail)
    _services(deployment, catalog, fail)
    _not_deployed_in_environment(doc, deployment, environment)
    _units(deployment, catalog, fail)
    _roles(deployment, catalog, fail)
    _secrets(deployment, fail)
    _fencing(deployment, fail)
    validate_openstack(deployment, catalog, fail)
    _core_owned_by_pacemaker(catalog, environment)
    return _two_node_fencing(doc, deployment)


def _core_owned_by_pacemaker(catalog: Catalog, environment: Environment) -> None:
    """HAProxy, RabbitMQ, Galera and Redis need a cluster manager in every layout: under
    plain systemd the VIPs lose their HAProxy, and Galera could get two managers."""
    for name in catalog.core_names():
        if name in environment.not_deployed:
            raise NghaError(f"core service {name!r} is marked as not deployed ({HEAT_NONE})",
                            file=environment.path, line=environment.lines.get(name),
                            fix=f"point it at its pacemaker/ template; ngha always deploys "
                                f"{', '.join(catalog.core_names())}")
    for name in catalog.core_names():
        if not environment.owns(name):
            raise NghaError(f"core service {name!r} is not owned by Pacemaker",
                            file=environment.path,
                            line=environment.lines.get(name, environment.lines.get("top")),
                            fix=f"add {name} to pacemaker_services (or use its pacemaker/ "
                                "template in a TripleO resource_registry)")


def _not_deployed_in_environment(doc: YamlDocument, deployment: Deployment,
                                 environment: Environment) -> None:
    """A service the deployment lists and the environment removes: one of them is wrong,
    and dropping it silently would deploy less than the file says."""
    for i, spec in enumerate(deployment.services):
        if spec.name in environment.not_deployed:
            where = f"{environment.path}:{environment.lines.get(spec.name, 1)}"
            raise NghaError(f"{spec.name} is listed here, but the environment marks it "
                            f"{HEAT_NONE} (not deployed) at {where}",
                            file=doc.path, line=doc.line_of(("services", i)),
                            field=f"services[{i}]",
                            fix=f"remove {spec.name} from services, or map it to its template "
                                f"in {environment.path}")


def _node_names(deployment: Deployment, fail) -> None:
    seen_names: dict[str, int] = {}
    for i, node in enumerate(deployment.nodes):
        if node.name in seen_names:
            fail(f"duplicate node name {node.name!r} (also nodes[{seen_names[node.name]}])",
                 ("nodes", i, "name"), "give every node a unique name")
        seen_names[node.name] = i


def _vips(deployment: Deployment, fail) -> None:
    if "control" not in deployment.vips and "internal_api" not in deployment.vips:
        fail("needs a 'control' or 'internal_api' VIP (HAProxy's Galera and API fronts)",
             ("vips",), "add e.g. 'internal_api: 192.0.2.101' under vips")
    seen: dict[str, str] = {}
    for name, vip in deployment.vip_list:
        if vip.address in seen:
            fail(f"VIP {vip.address} is used by both '{seen[vip.address]}' and '{name}'",
                 ("vips", name), "give each network its own VIP address")
        seen[vip.address] = name


def _corosync(deployment: Deployment, fail) -> None:
    corosync = deployment.corosync
    if corosync.crypto and corosync.transport != "knet":
        fail(f"crypto needs transport knet: corosync cannot encrypt {corosync.transport} "
             "traffic (and refuses crypto settings for it)", ("corosync", "crypto"),
             "use 'transport: knet' (recommended), or 'crypto: false' to accept clear-text "
             "cluster traffic")


def _services(deployment: Deployment, catalog: Catalog, fail) -> None:
    counts = Counter(s.name for s in deployment.services)
    for i, spec in enumerate(deployment.services):
        if spec.name not in catalog.services:
            # the value is not repeated (it is at the line named); suggestions are catalog names
            fail("unknown service: not in the catalog", ("services", i),
                 did_you_mean(spec.name, catalog.services)
                 + "use a name from the catalog (`ngha catalog` lists them)")
        if counts[spec.name] > 1:
            fail(f"service {spec.name!r} is listed more than once", ("services", i),
                 "list each service once; put overrides in a single entry")
        entry = catalog.services[spec.name]
        if spec.mode == "active-active" and entry.mode_fixed:
            fail(f"{spec.name} is active/passive only and cannot run as a clone",
                 ("services", i, "mode"),
                 "remove 'mode' (it runs on one node, managed by Pacemaker)")
        if spec.mode and entry.core:
            fail(f"{spec.name} is a core service; its mode is fixed by its resource agent",
                 ("services", i, "mode"), "remove 'mode'")


def _units(deployment: Deployment, catalog: Catalog, fail) -> None:
    """One unit, one service: a unit shared by two services would become one Pacemaker
    resource with two owners, or be enabled and disabled at once."""
    index = {s.name: i for i, s in enumerate(deployment.services)}
    owner: dict[str, str] = {}
    for name, spec in deployed_services(deployment, catalog):
        unit = unit_of(name, spec, catalog, deployment.distro)
        if unit in owner:
            # a core service is never the second owner: it comes first unless listed
            loc = ("services", index[name]) + (("unit",) if spec and spec.unit else ())
            fail(f"unit {unit!r} is used by both {owner[unit]!r} and {name!r}", loc,
                 "give each service its own unit (ngha manages one service per unit)")
        owner[unit] = name


def _roles(deployment: Deployment, catalog: Catalog, fail) -> None:
    for i, node in enumerate(deployment.nodes):
        for j, role in enumerate(node.roles or ()):
            if role not in catalog.services:
                fail("unknown role: not a service in the catalog", ("nodes", i, "roles", j),
                     did_you_mean(role, catalog.services)
                     + "a role is a service name from the catalog, e.g. galera or haproxy")


def _secrets(deployment: Deployment, fail) -> None:
    for name in deployment.secrets:
        if name not in SECRET_NAMES:
            fail(f"unknown secret {name!r}", ("secrets", name),
                 f"known secrets: {', '.join(SECRET_NAMES)}")


def _fencing(deployment: Deployment, fail) -> None:
    if deployment.fencing is None:
        return
    fenced: set[str] = set()
    for i, device in enumerate(deployment.fencing.devices):
        if deployment.node(device.node) is None:
            fail("fencing device for a node that is not in 'nodes'",
                 ("fencing", "devices", i, "node"),
                 f"use a name from 'nodes' ({', '.join(n.name for n in deployment.nodes)})")
        if device.node in fenced:
            fail(f"node {device.node!r} has more than one fencing device",
                 ("fencing", "devices", i, "node"), "declare one device per node")
        fenced.add(device.node)


def _two_node_fencing(doc: YamlDocument, deployment: Deployment) -> list[LoadWarning]:
    """Two nodes keep quorum after a split (corosync two_node): without fencing, each
    would run every resource (split brain). Allowed for labs, so a warning."""
    if len(deployment.nodes) != 2:
        return []
    fenced = {d.node for d in deployment.fencing.devices} if deployment.fencing else set()
    unfenced = [n.name for n in deployment.nodes if n.name not in fenced]
    if not unfenced:
        return []
    return [LoadWarning(f"2-node cluster without fencing for {', '.join(unfenced)}: after a "
                        "network split both nodes keep quorum and each runs every resource",
                        file=doc.path, line=doc.line_of(("nodes",)), field="nodes",
                        fix="add a fencing device for each node (fencing: devices: ...)")]
