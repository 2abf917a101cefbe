"""Next-gen: Pacemaker keeps only VIPs + HAProxy, the core services and A/P services.

The only constraints are the VIP/HAProxy pairs: nothing orders an OpenStack service after
Galera, RabbitMQ or Redis, because the services retry their connections forever instead.
"""

from __future__ import annotations

from ngha.model.load import LoadedDeployment
from ngha.profiles.desired import Constraint, Resource
from ngha.profiles.resources import owned_resources, systemd_resource


def nextgen_resources(loaded: LoadedDeployment) -> tuple[list[Resource], list[Constraint]]:
    return owned_resources(loaded, systemd_resource)
