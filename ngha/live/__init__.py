"""A running cluster: run commands on one, all or any node, read facts, put files.

Everything that touches a live cluster (plan, apply, status, restart, chaos, migrate)
goes through LiveCluster; none of them talks to a node any other way. Changes go through
one module per manager: pacemaker.py (every Pacemaker and pcs operation), systemd.py
(every systemctl change), and configuration.py (the one way the CIB's configuration is
pushed: merged, verified, diffed, patched against exactly the version read).
"""

from ngha.live.cluster import LiveCluster
from ngha.live.connect import connect
from ngha.live.errors import ClusterError, ClusterUnreachable, StaleCib

__all__ = ["ClusterError", "ClusterUnreachable", "LiveCluster", "StaleCib", "connect"]
