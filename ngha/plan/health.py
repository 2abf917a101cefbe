"""Is every resource of the desired configuration where it should be? The answer apply
waits for, and status reports: a list of problems, empty when settled."""

from __future__ import annotations

from ngha.facts import ClusterView
from ngha.profiles.desired import Clone, ClusterConfig, Primitive

ACTIVE = ("Started", "Promoted", "Unpromoted")


def resource_problems(view: ClusterView, cluster: ClusterConfig,
                      allowed: dict[str, list[str]] | None = None) -> list[str]:
    """`allowed`: resource id -> nodes it may run on (its role); default every node."""
    problems = []
    online = [n.name for n in view.nodes if n.online and not n.standby]
    for resource in cluster.resources:
        nodes = [n for n in (allowed or {}).get(resource.id, online) if n in online]
        instances = view.instances_of(resource.id)
        if any(i.target_role == "Stopped" for i in instances):
            continue  # an operator stopped it on purpose
        roles = view.roles_on(resource.id)
        failed = [i for i in instances if i.failed]
        if failed:
            problems.append(f"{resource.id} failed on {', '.join(n for i in failed for n in i.nodes)}")
        if isinstance(resource, Clone):
            missing = [n for n in nodes if roles.get(n) not in ACTIVE]
            if missing:
                problems.append(f"{resource.id} not running on {', '.join(missing)}")
            if resource.promotable:
                wanted = min(_promoted_max(resource, len(nodes)), len(nodes))
                promoted = [n for n, r in roles.items() if r == "Promoted"]
                if len(promoted) < wanted:
                    problems.append(f"{resource.id} promoted on {len(promoted)} of {wanted} "
                                    "nodes")
        elif isinstance(resource, Primitive):
            if len(roles) != 1:
                problems.append(f"{resource.id} running on {len(roles)} nodes, not 1")
    return problems


def _promoted_max(clone: Clone, nodes: int) -> int:
    value = clone.meta.get("promoted-max") or clone.meta.get("master-max") or "1"
    return int(value) if value.isdigit() else nodes
