"""A running cluster: run commands on one, all or any node, read facts, patch the CIB
against exactly the version that was read, put files, wait for the cluster to settle.

Everything that touches a live cluster (plan, apply, status, restart, chaos, migrate)
goes through LiveCluster; none of them talks to a node any other way.
"""

from ngha.live.cluster import LiveCluster
from ngha.live.connect import connect
from ngha.live.errors import ClusterError, ClusterUnreachable, StaleCib

__all__ = ["ClusterError", "ClusterUnreachable", "LiveCluster", "StaleCib", "connect"]
