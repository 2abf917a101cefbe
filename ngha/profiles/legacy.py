"""Legacy ("Mitaka") layout: Pacemaker runs everything, chained by ordering constraints.

The chain is data (the catalog's `legacy.after` entries and the pseudo resources
openstack-core and delay), so the 47-resource / 74-constraint graph of the reference
deployment comes out of the catalog rather than out of code.

A smaller service set leaves holes in the chain. Each resource is then ordered after its
nearest predecessors that do have a resource, bridging over the ones that do not (nova-scheduler
after nova-consoleauth when nova-novncproxy and nova-api are not deployed), so nothing loses
its place behind openstack-core. A bridged link is colocated only if every link it replaces
was: colocation with INFINITY is transitive along a colocated chain and nowhere else.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from ngha.catalog.catalog import OrderAfter
from ngha.model.load import LoadedDeployment
from ngha.profiles.desired import Clone, Colocation, Constraint, Order, Primitive, Resource
from ngha.model.resolve import ResolvedService
from ngha.profiles.resources import (catalog_order, operations, owned_resources,
                                     pacemaker_services, systemd_resource, top_level_ids)


def legacy_resources(loaded: LoadedDeployment) -> tuple[list[Resource], list[Constraint]]:
    catalog = loaded.catalog
    owned = catalog_order(catalog, pacemaker_services(loaded.services))
    deployed = {s.name for s in loaded.services}

    resources: list[Resource] = []
    pseudo_after: dict[str, tuple[OrderAfter, ...]] = {}
    for name, pseudo in catalog.legacy_pseudo_resources.items():
        if pseudo.needs and pseudo.needs not in deployed:
            continue
        primitive = Primitive(id=name, agent=pseudo.agent,
                              instance_attributes=dict(pseudo.instance_attributes),
                              operations=operations(pseudo.ops), service=name)
        resources.append(Clone(id=f"{name}-clone", primitive=primitive,
                               meta={"interleave": "true"}))
        pseudo_after[name] = pseudo.after

    def legacy_systemd(service: ResolvedService) -> Primitive | Clone:
        legacy = service.spec.legacy
        return systemd_resource(service, agent=legacy.agent,
                                ops=operations(legacy.ops) if legacy.ops else None)

    services, constraints = owned_resources(loaded, legacy_systemd)
    resources += services
    ids = top_level_ids(resources)
    chains = [(name, after) for name, after in pseudo_after.items()]
    chains += [(s.name, s.spec.legacy.after) for s in owned]
    # Every link the catalog knows, deployed or not, so holes can be bridged.
    catalog_links = {name: pseudo.after for name, pseudo in catalog.legacy_pseudo_resources.items()}
    catalog_links.update({name: svc.legacy.after for name, svc in catalog.services.items()})
    any_instance_enough: set[str] = set()
    for then_service, afters in chains:
        for after in nearest_predecessors(afters, set(ids), catalog_links):
            if then_service in ids:
                constraints += _chain(ids[after.service], ids[then_service], after)
                if after.require_all is False:
                    any_instance_enough.add(ids[after.service])
    return _with_clone_min(resources, any_instance_enough), constraints


def nearest_predecessors(afters: tuple[OrderAfter, ...], present: set[str],
                         links: Mapping[str, tuple[OrderAfter, ...]]) -> list[OrderAfter]:
    """`afters` with every predecessor that has no resource replaced by its own
    predecessors, recursively, until one with a resource is found (or the chain ends).

    A bridged link takes the action, kind and require_all of the link that reaches the
    resource, and is colocated only if every link it replaces is. One link per
    predecessor: where two paths reach the same one, a colocated path wins.
    """
    found: dict[str, OrderAfter] = {}

    def walk(after: OrderAfter, colocated: bool, seen: frozenset[str]) -> None:
        if after.service in present:
            link = after.model_copy(update={"colocated": colocated})
            if after.service not in found or (colocated and not found[after.service].colocated):
                found[after.service] = link
            return
        if after.service in seen:  # a cycle in a site-local catalog: stop there
            return
        for earlier in links.get(after.service, ()):
            walk(earlier, colocated and earlier.colocated, seen | {after.service})

    for after in afters:
        walk(after, after.colocated, frozenset())
    return list(found.values())


def _with_clone_min(resources: list[Resource], clone_ids: set[str]) -> list[Resource]:
    """The 2016 layout wrote require-all=false on the order; Pacemaker 2.1 deprecates that
    in favour of clone-min on the first clone, which means the same: one active (or
    promoted) instance is enough for the dependent resources to start."""
    result: list[Resource] = []
    for resource in resources:
        if isinstance(resource, Clone) and resource.id in clone_ids:
            resource = replace(resource, meta={**resource.meta, "clone-min": "1"})
        result.append(resource)
    return result


def _chain(first: str, then: str, after: OrderAfter) -> list[Constraint]:
    links: list[Constraint] = [Order(id=f"order-{first}-{then}-{after.kind.lower()}",
                                     first=first, then=then, first_action=after.action,
                                     kind=after.kind)]
    if after.colocated:
        links.append(Colocation(id=f"colocation-{then}-{first}-INFINITY", rsc=then,
                                with_rsc=first))
    return links
