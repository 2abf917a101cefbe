"""Desired ClusterConfig -> a complete CIB document (lxml).

Ids follow the shapes pcs generates (X-instance_attributes, X-start-interval-0s,
order-A-B-mandatory ...) so a CIB made by ngha and one made by the pcs script look alike.
"""

from __future__ import annotations

from lxml import etree

from ngha.profiles.desired import (Clone, ClusterConfig, Colocation, Constraint, Location,
                                   Operation, Order, Primitive, Resource)

SCHEMA = "pacemaker-3.9"  # the newest schema of Pacemaker 2.1 (Debian 12)
FEATURE_SET = "3.16.1"


def build_cib(cluster: ClusterConfig) -> etree._Element:
    cib = etree.Element("cib", {"crm_feature_set": FEATURE_SET, "validate-with": SCHEMA,
                                "epoch": "1", "num_updates": "0", "admin_epoch": "0"})
    configuration = etree.SubElement(cib, "configuration")
    crm_config = etree.SubElement(configuration, "crm_config")
    _nvset(crm_config, "cluster_property_set", "cib-bootstrap-options", cluster.properties)
    nodes = etree.SubElement(configuration, "nodes")
    for number, name in enumerate(cluster.nodes, start=1):
        node = etree.SubElement(nodes, "node", {"id": str(number), "uname": name})
        attributes = cluster.node_attributes.get(name)
        if attributes:
            _nvset(node, "instance_attributes", f"nodes-{number}", attributes)
    resources = etree.SubElement(configuration, "resources")
    for resource in cluster.resources:
        resources.append(resource_element(resource))
    constraints = etree.SubElement(configuration, "constraints")
    for constraint in cluster.constraints:
        constraints.append(constraint_element(constraint))
    defaults = etree.SubElement(configuration, "rsc_defaults")
    _nvset(defaults, "meta_attributes", "rsc_defaults-meta_attributes", cluster.resource_defaults)
    etree.SubElement(cib, "status")
    return cib


def resource_element(resource: Resource) -> etree._Element:
    if isinstance(resource, Clone):
        clone = etree.Element("clone", {"id": resource.id})
        clone.append(primitive_element(resource.primitive))
        meta = dict(resource.meta)
        if resource.promotable:
            meta = {"promotable": "true", **meta}
        if meta:
            _nvset(clone, "meta_attributes", f"{resource.id}-meta_attributes", meta)
        return clone
    return primitive_element(resource)


def primitive_element(primitive: Primitive) -> etree._Element:
    cls, provider, kind = primitive.agent_parts
    attrs = {"id": primitive.id, "class": cls, "type": kind}
    if provider:
        attrs["provider"] = provider
    element = etree.Element("primitive", attrs)
    if primitive.instance_attributes:
        _nvset(element, "instance_attributes", f"{primitive.id}-instance_attributes",
               primitive.instance_attributes)
    if primitive.meta:
        _nvset(element, "meta_attributes", f"{primitive.id}-meta_attributes", primitive.meta)
    if primitive.operations:
        ops = etree.SubElement(element, "operations")
        for op in primitive.operations:
            ops.append(_op(primitive.id, op))
    return element


def constraint_element(constraint: Constraint) -> etree._Element:
    if isinstance(constraint, Order):
        attrs = {"id": constraint.id, "first": constraint.first, "then": constraint.then,
                 "first-action": constraint.first_action,
                 "then-action": constraint.then_action, "kind": constraint.kind}
        return etree.Element("rsc_order", attrs)
    if isinstance(constraint, Colocation):
        return etree.Element("rsc_colocation", {"id": constraint.id, "rsc": constraint.rsc,
                                                "with-rsc": constraint.with_rsc,
                                                "score": constraint.score})
    assert isinstance(constraint, Location)
    attrs = {"id": constraint.id, "rsc": constraint.rsc}
    if constraint.resource_discovery:
        attrs["resource-discovery"] = constraint.resource_discovery
    if constraint.node is not None:
        attrs.update(node=constraint.node, score=constraint.score)
        return etree.Element("rsc_location", attrs)
    location = etree.Element("rsc_location", attrs)
    rule = etree.SubElement(location, "rule", {"id": f"{constraint.id}-rule",
                                               "score": constraint.score})
    etree.SubElement(rule, "expression", {"id": f"{constraint.id}-rule-expr",
                                          "attribute": constraint.rule_attribute or "",
                                          "operation": "eq", "value": "true"})
    return location


def _op(owner: str, op: Operation) -> etree._Element:
    extra = dict(op.extra)
    role = f"-role-{extra['role']}" if "role" in extra else ""
    attrs = {"id": f"{owner}-{op.name}-interval-{op.interval}{role}", "name": op.name,
             "interval": op.interval}
    if op.timeout:
        attrs["timeout"] = op.timeout
    attrs.update(extra)
    return etree.Element("op", attrs)


def _nvset(parent: etree._Element, tag: str, set_id: str, values: dict[str, str]) -> None:
    nvset = etree.SubElement(parent, tag, {"id": set_id})
    for name, value in values.items():
        etree.SubElement(nvset, "nvpair", {"id": f"{set_id}-{name}", "name": name,
                                           "value": value})


def to_text(cib: etree._Element) -> str:
    return etree.tostring(cib, pretty_print=True, encoding="unicode")
