"""Next-gen: Pacemaker keeps only VIPs + HAProxy, the core services and A/P services.

The only constraints are the VIP/HAProxy pairs: nothing orders an OpenStack service after
Galera, RabbitMQ or Redis, because the services retry their connections forever instead.
"""

from __future__ import annotations

from ngha.model.load import LoadedDeployment
from ngha.profiles.desired import Constraint, Resource
from ngha.profiles.resources import (catalog_order, core_resource, pacemaker_services,
                                     systemd_resource, top_level_ids, vip_constraints,
                                     vip_resources)


def nextgen_resources(loaded: LoadedDeployment) -> tuple[list[Resource], list[Constraint]]:
    deployment = loaded.deployment
    owned = catalog_order(loaded.catalog, pacemaker_services(loaded.services))
    haproxy = [s for s in owned if s.name == "haproxy"]
    others = [s for s in owned if s.name != "haproxy"]
    resources: list[Resource] = [core_resource(s, deployment) for s in haproxy]
    resources += vip_resources(deployment)
    for service in others:
        resources.append(core_resource(service, deployment) if service.spec.pacemaker
                         else systemd_resource(service))
    constraints: list[Constraint] = []
    haproxy_id = top_level_ids(resources).get("haproxy")
    if haproxy_id:
        constraints += vip_constraints(deployment, haproxy_id)
    return resources, constraints
