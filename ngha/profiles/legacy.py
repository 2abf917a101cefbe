"""Legacy ("Mitaka") layout: Pacemaker runs everything, chained by ordering constraints.

The chain is data (the catalog's `legacy.after` entries and the pseudo resources
openstack-core and delay), so the 47-resource / 74-constraint graph of the reference
deployment comes out of the catalog rather than out of code.
"""

from __future__ import annotations

from dataclasses import replace

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
    any_instance_enough: set[str] = set()
    for then_service, afters in chains:
        for after in afters:
            if after.service in ids and then_service in ids:
                constraints += _chain(ids[after.service], ids[then_service], after)
                if after.require_all is False:
                    any_instance_enough.add(ids[after.service])
    return _with_clone_min(resources, any_instance_enough), constraints


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
