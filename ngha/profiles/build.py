"""Desired state = profile's Pacemaker configuration + what every node must have."""

from __future__ import annotations

from ngha.catalog import Project, load_projects
from ngha.model.load import LoadedDeployment
from ngha.profiles.desired import (ClusterConfig, DesiredState, NodeState,
                                   ServicePlacement, UnitPlan)
from ngha.profiles.legacy import legacy_resources
from ngha.profiles.nextgen import nextgen_resources
from ngha.profiles.resources import (cluster_properties, fencing_resources, role_rules,
                                     top_level_ids)

# oslo.db / oslo.messaging options that make a service wait for its backends forever,
# so it can start while Galera or RabbitMQ are down and reconnect by itself.
# max_retries = -1 is "forever" (the engine's first connection); db_max_retries is not:
# oslo.db's wrap_db_retry (12.1, Debian 12) retries only while the count left is above 0,
# so its documented "-1: infinite" retries nothing. 100000 tries, 10 s apart at most
# (db_max_retry_interval), outlast any outage.
DATABASE_RETRY = {"max_retries": "-1", "db_max_retries": "100000", "retry_interval": "2"}
RABBIT_RETRY = {"rabbit_retry_interval": "1", "rabbit_retry_backoff": "2",
                "rabbit_interval_max": "30", "heartbeat_timeout_threshold": "60"}


def build_desired_state(loaded: LoadedDeployment) -> DesiredState:
    deployment = loaded.deployment
    if loaded.profile == "legacy":
        resources, constraints = legacy_resources(loaded)
    else:
        resources, constraints = nextgen_resources(loaded)

    ids = top_level_ids(resources)
    owned = [(s.name, ids[s.name]) for s in loaded.services if s.name in ids]
    attributes, role_locations = role_rules(deployment, owned)
    stonith, stonith_locations = fencing_resources(deployment)
    cluster = ClusterConfig(
        name=deployment.cluster,
        properties=cluster_properties(deployment),
        resource_defaults={"resource-stickiness": "INFINITY"},
        resources=tuple(resources + stonith),
        constraints=tuple(constraints + role_locations + stonith_locations),
        node_attributes=attributes,
        nodes=tuple(n.name for n in deployment.nodes),
    )
    placements = tuple(
        ServicePlacement(service=s.name, unit=s.unit, manager=s.manager, mode=s.mode,
                         resource=ids.get(s.name))
        for s in loaded.services)
    return DesiredState(profile=loaded.profile, cluster=cluster, nodes=_node_states(loaded),
                        services=placements)


def _node_states(loaded: LoadedDeployment) -> tuple[NodeState, ...]:
    """Every controller gets the same units and settings (roles only place Pacemaker's
    resources); validation guarantees one service per unit."""
    plans = [(s.manager, UnitPlan(unit=s.unit, service=s.name,
                                  restart_dropin=s.spec.type != "oneshot"))
             for s in loaded.services]
    enable = tuple(plan for manager, plan in plans if manager == "systemd")
    disable = tuple(plan for manager, plan in plans if manager == "pacemaker")
    oslo = _oslo_settings(loaded) if loaded.profile == "nextgen" else {}
    return tuple(NodeState(name=node.name, enable=enable, disable=disable, oslo=oslo)
                 for node in loaded.deployment.nodes)


def _oslo_settings(loaded: LoadedDeployment) -> dict[str, dict[str, dict[str, str]]]:
    settings: dict[str, dict[str, dict[str, str]]] = {}
    projects = load_projects().projects
    for service in loaded.services:
        project = projects.get(service.spec.project or "")
        for path in service.config_files:
            sections = settings.setdefault(path, {})
            if service.spec.database:
                for group in _database_groups(project):
                    sections.setdefault(group, {}).update(DATABASE_RETRY)
            if service.spec.broker:
                sections.setdefault("oslo_messaging_rabbit", {}).update(RABBIT_RETRY)
    return {path: sections for path, sections in sorted(settings.items()) if sections}


def _database_groups(project: Project | None) -> list[str]:
    """Every oslo.db group the service reads a connection from: nova's [api_database] and
    placement's [placement_database] retry only if told so in their own group."""
    groups = [name for name, options in (project.settings if project else {}).items()
              if "connection" in options]
    return groups or ["database"]
