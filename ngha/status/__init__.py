"""One view of a live cluster across Pacemaker and systemd (`ngha status`)."""

from ngha.health import DEGRADED, DOWN, HEALTHY, cluster_health
from ngha.live.cluster import LiveCluster
from ngha.status.assess import ClusterStatus, status_of
from ngha.targets import Target


def cluster_status(cluster: LiveCluster, target: Target) -> ClusterStatus:
    return status_of(target, cluster_health(cluster, target))


__all__ = ["DEGRADED", "DOWN", "HEALTHY", "ClusterStatus", "cluster_status"]
