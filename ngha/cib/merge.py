"""The CIB ngha wants, built from exactly the CIB that was read.

Only what ngha owns is replaced: the resources and constraints it created, recorded by id
in a cluster property set of its own (`ngha`: ngha-owned, ngha-profile), so `pcs property`
shows it too. Anything else in the CIB (a resource or constraint an operator added, the
node entries Pacemaker made, status) is left exactly as it was. Cluster properties and
resource defaults that the deployment sets are set, others untouched.

Operators' runtime switches on owned resources (target-role from `pcs resource disable`,
is-managed from `pcs resource unmanage`, maintenance) are carried over: an apply never
re-enables what an operator stopped on purpose.

Pure functions over lxml elements, in the manner of pcs's lib/cib.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ngha.cib.build import constraint_element, resource_element
from ngha.errors import NghaError
from ngha.profiles.desired import ClusterConfig

OWNERSHIP_SET = "ngha"
OWNED = "ngha-owned"
PROFILE = "ngha-profile"
BOOTSTRAP_SET = "cib-bootstrap-options"
DEFAULTS_SET = "rsc_defaults-meta_attributes"
RUNTIME_META = ("target-role", "is-managed", "maintenance")


class OwnershipConflict(NghaError):
    """The CIB holds an element, not made by ngha, under an id ngha needs."""


@dataclass(frozen=True)
class CibChanges:
    """What the wanted CIB changes, by id: what a plan shows and the gate checks."""

    resources_added: tuple[str, ...] = ()
    resources_changed: tuple[str, ...] = ()
    resources_removed: tuple[str, ...] = ()
    constraints_added: tuple[str, ...] = ()
    constraints_changed: tuple[str, ...] = ()
    constraints_removed: tuple[str, ...] = ()
    # (name, value before or None, value after)
    settings: tuple[tuple[str, str | None, str], ...] = ()
    node_attributes: tuple[tuple[str, str, str], ...] = ()  # (node, name, value)
    adopted: tuple[str, ...] = field(default=(), compare=False)  # identical, now owned

    @property
    def empty(self) -> bool:
        return not (self.resources_added or self.resources_changed or self.resources_removed
                    or self.constraints_added or self.constraints_changed
                    or self.constraints_removed or self.settings or self.node_attributes)

    @property
    def touched_resources(self) -> set[str]:
        return set(self.resources_added + self.resources_changed + self.resources_removed)

    def as_dict(self) -> dict:
        return {
            "resources": {"added": list(self.resources_added),
                          "changed": list(self.resources_changed),
                          "removed": list(self.resources_removed)},
            "constraints": {"added": list(self.constraints_added),
                            "changed": list(self.constraints_changed),
                            "removed": list(self.constraints_removed)},
            "settings": [{"name": n, "from": old, "to": new} for n, old, new in self.settings],
            "node_attributes": [{"node": n, "name": k, "value": v}
                                for n, k, v in self.node_attributes],
        }


def owned_ids(root: etree._Element) -> list[str]:
    value = _nvpair_value(root.find(f"configuration/crm_config/cluster_property_set"
                                    f"[@id='{OWNERSHIP_SET}']"), OWNED)
    return value.split() if value else []


def owned_profile(root: etree._Element) -> str | None:
    return _nvpair_value(root.find(f"configuration/crm_config/cluster_property_set"
                                   f"[@id='{OWNERSHIP_SET}']"), PROFILE)


def merge(live: etree._Element, desired: ClusterConfig,
          profile: str) -> tuple[etree._Element, CibChanges]:
    """A copy of `live` with ngha's part replaced by `desired`; and what changed."""
    root = etree.fromstring(etree.tostring(live), etree.XMLParser(remove_blank_text=True))
    configuration = root.find("configuration")
    owned = set(owned_ids(root))
    added, changed, removed, adopted = {}, {}, {}, []
    for kind, section, wanted in (
            ("resources", _section(configuration, "resources"),
             [resource_element(r) for r in desired.resources]),
            ("constraints", _section(configuration, "constraints"),
             [constraint_element(c) for c in desired.constraints])):
        a, c, r = _replace_owned(configuration, section, wanted, owned, adopted)
        added[kind], changed[kind], removed[kind] = a, c, r
    settings = _set_values(configuration, desired)
    node_attributes = _set_node_attributes(configuration, desired.node_attributes)
    new_owned = [e for kind in ("resources", "constraints")
                 for e in _ids(desired, kind)]
    _record_ownership(configuration, new_owned, profile)
    changes = CibChanges(
        resources_added=tuple(added["resources"]), resources_changed=tuple(changed["resources"]),
        resources_removed=tuple(removed["resources"]),
        constraints_added=tuple(added["constraints"]),
        constraints_changed=tuple(changed["constraints"]),
        constraints_removed=tuple(removed["constraints"]),
        settings=tuple(settings), node_attributes=tuple(node_attributes),
        adopted=tuple(adopted))
    return root, changes


def _ids(desired: ClusterConfig, kind: str) -> list[str]:
    items = desired.resources if kind == "resources" else desired.constraints
    return [item.id for item in items]


def _replace_owned(configuration: etree._Element, section: etree._Element,
                   wanted: list[etree._Element], owned: set[str],
                   adopted: list[str]) -> tuple[list[str], list[str], list[str]]:
    added, changed, removed = [], [], []
    wanted_ids = {e.get("id") for e in wanted}
    for element in wanted:
        rid = element.get("id")
        current = section.find(f"*[@id='{rid}']")
        mine = set(_subtree_ids(current)) if current is not None and rid in owned else set()
        for inner in _subtree_ids(element):
            clash = configuration.find(f".//*[@id='{inner}']")
            if clash is not None and inner not in mine and not _inside(clash, current):
                raise OwnershipConflict(
                    f"the CIB already uses the id {inner!r} for a <{clash.tag}> that ngha "
                    "did not create", fix="rename or remove it (pcs), then apply again")
        if current is None:
            section.append(element)
            added.append(rid)
            continue
        _keep_runtime_switches(current, element)
        if _same(current, element):
            if rid not in owned:
                adopted.append(rid)  # identical to what ngha would create: take it over
            continue
        if rid not in owned:
            raise OwnershipConflict(
                f"the CIB has a {current.tag} {rid!r} that ngha did not create and that "
                "differs from the one this deployment needs",
                fix=f"remove it (e.g. `pcs resource delete {rid}` or `pcs constraint delete "
                    f"{rid}`) or rename it, then apply again")
        section.replace(current, element)
        changed.append(rid)
    for rid in owned - wanted_ids:
        stale = section.find(f"*[@id='{rid}']")
        if stale is not None:
            section.remove(stale)
            removed.append(rid)
    return added, changed, removed


def _subtree_ids(element: etree._Element | None) -> list[str]:
    return [] if element is None else [e.get("id") for e in element.iter() if e.get("id")]


def _inside(element: etree._Element, ancestor: etree._Element | None) -> bool:
    while element is not None:
        if element is ancestor:
            return True
        element = element.getparent()
    return False


def _keep_runtime_switches(current: etree._Element, wanted: etree._Element) -> None:
    """Copy the operator's target-role/is-managed/maintenance meta attributes of an owned
    resource (clone or primitive level) into the wanted element."""
    for live_el, new_el in _resource_levels(current, wanted):
        for pair in live_el.findall("meta_attributes/nvpair"):
            if pair.get("name") in RUNTIME_META:
                meta = new_el.find("meta_attributes")
                if meta is None:
                    meta = etree.Element("meta_attributes",
                                         {"id": pair.getparent().get("id")
                                          or f"{new_el.get('id')}-meta_attributes"})
                    operations = new_el.find("operations")
                    # where the live one is: crm_resource (pcs resource disable) appends
                    # the block after the operations; elsewhere it comes before them
                    if operations is not None and not _follows(pair.getparent(), "operations"):
                        operations.addprevious(meta)
                    else:
                        new_el.append(meta)
                for old in meta.findall(f"nvpair[@name='{pair.get('name')}']"):
                    meta.remove(old)
                meta.append(etree.fromstring(etree.tostring(pair)))


def _follows(element: etree._Element, tag: str) -> bool:
    """A sibling `tag` comes before element."""
    return any(sibling.tag == tag for sibling in element.itersiblings(preceding=True))


def _resource_levels(current: etree._Element, wanted: etree._Element):
    """The resource itself and, for a clone, its primitive."""
    yield current, wanted
    inner_live, inner_new = current.find("primitive"), wanted.find("primitive")
    if inner_live is not None and inner_new is not None:
        yield inner_live, inner_new


def _same(a: etree._Element, b: etree._Element) -> bool:
    return _canonical(a) == _canonical(b)


# attribute blocks: with no pair and no id-ref they say nothing (`pcs resource restart`
# leaves an empty <meta_attributes> after taking its target-role away again)
NVSETS = ("meta_attributes", "instance_attributes", "utilization")


def _canonical(element: etree._Element) -> bytes:
    copy = etree.fromstring(etree.tostring(element, with_tail=False))
    for empty in [n for n in copy.iter(*NVSETS) if len(n) == 0 and n.get("id-ref") is None]:
        empty.getparent().remove(empty)
    for node in copy.iter():
        node.tail = None
        if node.text is not None and not node.text.strip():
            node.text = None
    return etree.tostring(copy, method="c14n")


def _section(configuration: etree._Element, tag: str) -> etree._Element:
    section = configuration.find(tag)
    if section is None:
        section = etree.SubElement(configuration, tag)
    return section


def _set_values(configuration: etree._Element,
                desired: ClusterConfig) -> list[tuple[str, str | None, str]]:
    crm_config = _section(configuration, "crm_config")
    bootstrap = _nvset(crm_config, "cluster_property_set", BOOTSTRAP_SET)
    changes = [(name, *change) for name, value in desired.properties.items()
               if (change := _set_nvpair(crm_config, bootstrap, "cluster_property_set",
                                         name, value))]
    defaults = _section(configuration, "rsc_defaults")
    meta = _nvset(defaults, "meta_attributes", DEFAULTS_SET)
    changes += [(f"rsc_defaults {name}", *change)
                for name, value in desired.resource_defaults.items()
                if (change := _set_nvpair(defaults, meta, "meta_attributes", name, value))]
    return changes


def _set_node_attributes(configuration: etree._Element,
                         wanted: dict[str, dict[str, str]]) -> list[tuple[str, str, str]]:
    changes = []
    nodes = _section(configuration, "nodes")
    for uname, attributes in wanted.items():
        node = nodes.find(f"node[@uname='{uname}']")
        if node is None:
            continue  # Pacemaker adds a node's entry when it first joins
        nvset = _nvset(node, "instance_attributes", f"nodes-{node.get('id')}")
        for name, value in attributes.items():
            if _set_nvpair(node, nvset, "instance_attributes", name, value):
                changes.append((uname, name, value))
    return changes


def _nvset(parent: etree._Element, tag: str, set_id: str) -> etree._Element:
    nvset = parent.find(f"{tag}[@id='{set_id}']")
    if nvset is None:
        nvset = parent.find(tag) if tag != "cluster_property_set" else None
    if nvset is None:
        nvset = etree.SubElement(parent, tag, {"id": set_id})
    return nvset


def _set_nvpair(parent: etree._Element, nvset: etree._Element, tag: str, name: str,
                value: str) -> tuple[str | None, str] | None:
    """Set name=value where the parent already defines it (any set of that kind), else
    in nvset; returns (before, after) when something changed."""
    for pair in parent.findall(f"{tag}/nvpair[@name='{name}']"):
        if pair.get("value") == value:
            return None
        before = pair.get("value")
        pair.set("value", value)
        return before, value
    etree.SubElement(nvset, "nvpair", {"id": f"{nvset.get('id')}-{name}", "name": name,
                                       "value": value})
    return None, value


def _record_ownership(configuration: etree._Element, ids: list[str], profile: str) -> None:
    crm_config = _section(configuration, "crm_config")
    record = crm_config.find(f"cluster_property_set[@id='{OWNERSHIP_SET}']")
    if record is None:
        record = etree.SubElement(crm_config, "cluster_property_set", {"id": OWNERSHIP_SET})
    for name, value in ((OWNED, " ".join(ids)), (PROFILE, profile)):
        pair = record.find(f"nvpair[@name='{name}']")
        if pair is None:
            pair = etree.SubElement(record, "nvpair", {"id": f"{OWNERSHIP_SET}-{name}",
                                                       "name": name})
        pair.set("value", value)


def _nvpair_value(nvset: etree._Element | None, name: str) -> str | None:
    if nvset is None:
        return None
    pair = nvset.find(f"nvpair[@name='{name}']")
    return pair.get("value") if pair is not None else None
