"""Counts of resources, constraints and services by manager (summary.json)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ngha.profiles.desired import Clone, Colocation, DesiredState, Location, Order


def summarize(desired: DesiredState) -> dict[str, Any]:
    cluster = desired.cluster
    resources = Counter()
    for r in cluster.resources:
        primitive = r.primitive if isinstance(r, Clone) else r
        if isinstance(r, Clone):
            resources["promotable" if r.promotable else "clone"] += 1
        elif primitive.agent.startswith("stonith:"):
            resources["stonith"] += 1
        elif primitive.agent.endswith("IPaddr2"):
            resources["vip"] += 1
        else:
            resources["primitive"] += 1
    constraints = Counter()
    for c in cluster.constraints:
        if isinstance(c, Order):
            constraints[f"order_{c.kind.lower()}"] += 1
            constraints["order"] += 1
        elif isinstance(c, Colocation):
            constraints["colocation"] += 1
        elif isinstance(c, Location):
            constraints["location"] += 1
    by_manager: dict[str, list[str]] = {"pacemaker": [], "systemd": []}
    for s in desired.services:
        by_manager[s.manager].append(s.service)
    return {
        "profile": desired.profile,
        "cluster": cluster.name,
        "nodes": len(cluster.nodes),
        "resources": {"total": len(cluster.resources), **dict(sorted(resources.items()))},
        "constraints": {"total": len(cluster.constraints), **dict(sorted(constraints.items()))},
        "services": {manager: sorted(names) for manager, names in by_manager.items()},
        "services_count": {manager: len(names) for manager, names in by_manager.items()},
    }
