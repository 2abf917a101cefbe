"""What Pacemaker did, read from its journal on each node: the results of the operations
its controller ran there ("Result of start operation for X on NODE: ok"), to the
microsecond."""

from __future__ import annotations

from ngha.errors import NghaError
from ngha.facts import ClockFact, JournalFact, OperationResult, operation_results
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError
from ngha.live.wait import wait_until

PACEMAKER_UNIT = "pacemaker"


def node_clocks(cluster: LiveCluster) -> dict[str, float]:
    """Each node's clock now (a node that does not answer: 0, all of its journal)."""
    return {node: value if isinstance(value, float) else 0.0
            for node, value in cluster.read_all(ClockFact(), timeout=15).items()}


def pacemaker_results(cluster: LiveCluster, node: str, since: float) -> list[OperationResult]:
    lines = cluster.read(JournalFact(PACEMAKER_UNIT, since), node, timeout=60)
    return [r for r in operation_results(lines) if r.time >= since]


def pacemaker_actions(cluster: LiveCluster, since: dict[str, float],
                      actions: tuple[str, ...] = ("start", "stop")) -> list[dict]:
    """Every start and stop Pacemaker ran on each node since `since[node]`."""
    found = []
    for node in cluster.nodes:
        try:
            results = pacemaker_results(cluster, node, since.get(node, 0.0))
        except NghaError:
            continue  # a node that does not answer ran nothing we can count
        found += [{"node": node, "action": r.action, "resource": r.resource}
                  for r in results if r.action in actions]
    return found


def started_at(cluster: LiveCluster, node: str, resource: str, since: float,
               timeout: float = 30.0) -> float | None:
    """When Pacemaker's start of `resource` on `node` returned ok. crm_mon can show the
    start before the controller logs its result (a pending operation is recorded first),
    so the journal is read until the line is there; None if it never is."""
    def read() -> float | None:
        try:
            results = pacemaker_results(cluster, node, since)
        except NghaError:
            return None
        return next((r.time for r in results if r.action == "start" and r.ok
                     and r.resource == resource and r.node == node), None)
    try:
        return wait_until(read, lambda t: t is not None, timeout,
                          f"the start of {resource} in {node}'s journal")[0]
    except ClusterError:
        return None
