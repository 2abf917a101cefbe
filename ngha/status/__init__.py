"""One view of a live cluster across Pacemaker and systemd (`ngha status`)."""

from ngha.live.cluster import LiveCluster
from ngha.plan.target import Target
from ngha.status.assess import DEGRADED, DOWN, HEALTHY, ClusterStatus, assess
from ngha.status.collect import collect


def cluster_status(cluster: LiveCluster, target: Target) -> ClusterStatus:
    return assess(target, collect(cluster, target))


__all__ = ["DEGRADED", "DOWN", "HEALTHY", "ClusterStatus", "cluster_status"]
