"""Galera as the measurements read it: which acknowledged writes are in the database,
from which member, and whether the cluster is whole again."""

from __future__ import annotations

from ngha.errors import NghaError
from ngha.facts import ClusterView, SqlFact, WsrepFact
from ngha.live.cluster import LiveCluster
from ngha.targets import Target


def writer(target: Target, view: ClusterView) -> str:
    """The Galera member to read back from: the first online one (HAProxy's writer when
    all are up)."""
    nodes = target.service_nodes("galera")
    return next((n for n in nodes if n in view.online), nodes[0])


def missing_writes(cluster: LiveCluster, node: str, acknowledged: list[int]) -> list[int]:
    """Acknowledged ids that the database does not have."""
    if not acknowledged:
        return []
    rows = cluster.read(SqlFact(f"SELECT id FROM ngha_probe.probe_writes WHERE id BETWEEN "
                                f"{int(min(acknowledged))} AND {int(max(acknowledged))}",
                                what="the acknowledged writes"), node)
    present = {int(row[0]) for row in rows}
    return [i for i in acknowledged if i not in present]


def galera_state(cluster: LiveCluster, nodes: list[str]) -> dict:
    """{"cluster_size": the smallest size a member sees, "synced": every member synced}
    (a member that does not answer counts as size 0, not synced)."""
    statuses = cluster.read_all(WsrepFact(), nodes=nodes, timeout=30)
    sizes = [0 if isinstance(s, NghaError) else s.cluster_size for s in statuses.values()]
    synced = [not isinstance(s, NghaError) and s.synced for s in statuses.values()]
    return {"cluster_size": min(sizes) if sizes else 0, "synced": all(synced) and bool(synced)}
