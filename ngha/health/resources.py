"""Pacemaker's resources against the desired configuration: is each running where it
should, promoted where it should, on exactly one node when it is a primitive. The answer
apply waits for, restart and migrate's preflight check, and status reports."""

from __future__ import annotations

from ngha.facts import ClusterView
from ngha.health.problems import (DEGRADED, DOWN, FAILED, NOT_PROMOTED, NOT_RUNNING, RUNS_NOWHERE,
                                  UNMANAGED, WRONG_COUNT, Problem)
from ngha.profiles.desired import Clone, ClusterConfig, Primitive


def resource_problems(view: ClusterView, config: ClusterConfig,
                      allowed: dict[str, list[str]] | None = None,
                      only: set[str] | None = None,
                      skip_disabled: bool = True) -> list[Problem]:
    """`allowed`: resource id -> the nodes it may run on (its role), default every node.
    `only`: these resources (by top-level id). `skip_disabled`: a resource an operator
    stopped on purpose (target-role=Stopped) is not waited for; status, which reports
    what runs, counts it like any other."""
    problems = []
    online = [n.name for n in view.nodes if n.online and not n.standby]
    for resource in config.resources:
        if only is not None and resource.id not in only:
            continue
        instances = view.instances_of(resource.id)
        disabled = any(i.target_role == "Stopped" for i in instances)
        if disabled and skip_disabled:
            continue
        nodes = [n for n in (allowed or {}).get(resource.id, online) if n in online]
        running = view.running_on(resource.id)
        why = " (disabled)" if disabled else ""
        for node in view.failed_on(resource.id):
            problems.append(Problem(FAILED, resource.id, node,
                                    f"{resource.id} failed on {node}"))
        if nodes and not running:
            # a fence device that runs nowhere leaves the cluster serving, but unable to
            # fence: degraded; anything else that runs nowhere is an outage
            fencing = isinstance(resource, Primitive) and resource.agent.startswith("stonith:")
            problems.append(Problem(RUNS_NOWHERE, resource.id, None,
                                    f"{resource.id} runs nowhere{why}",
                                    DEGRADED if fencing else DOWN))
        elif isinstance(resource, Clone):
            problems += [Problem(NOT_RUNNING, resource.id, n, f"{resource.id} not running "
                                 f"on {n}{why}") for n in nodes if n not in running]
            if resource.promotable:
                wanted = min(_promoted_max(resource, len(nodes)), len(nodes))
                promoted = view.promoted_on(resource.id)
                if len(promoted) < wanted:
                    problems.append(Problem(NOT_PROMOTED, resource.id, None,
                                            f"{resource.id} promoted on {len(promoted)} of "
                                            f"{wanted} nodes"))
        elif isinstance(resource, Primitive) and len(running) > 1:
            problems.append(Problem(WRONG_COUNT, resource.id, None,
                                    f"{resource.id} running on {len(running)} nodes, not 1"))
    return problems


def unmanaged_problems(view: ClusterView) -> list[Problem]:
    """Resources Pacemaker does not manage (is-managed=false, or maintenance): it would
    neither recover nor stop them."""
    return [Problem(UNMANAGED, top, None, f"{top} is unmanaged")
            for top in sorted({i.top for i in view.instances if not i.managed})]


def _promoted_max(clone: Clone, nodes: int) -> int:
    value = clone.meta.get("promoted-max") or clone.meta.get("master-max") or "1"
    return int(value) if value.isdigit() else nodes
