"""How live-cluster operations fail."""

from __future__ import annotations

from ngha.errors import OperationFailed


class ClusterError(OperationFailed):
    """An operation on the live cluster did not complete."""


class ClusterUnreachable(ClusterError):
    """No node (or not the node needed) answered."""


class StaleCib(ClusterError):
    """The CIB's configuration changed since it was read: someone else changed it.
    Re-read and re-plan; never push over their change."""
