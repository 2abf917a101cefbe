"""The systemd operations ngha performs on nodes, one function each, as pacemaker.py is
for Pacemaker: enable, disable, start, stop, restart, reload, kill, daemon-reload.
Each raises one clear error naming the node and unit when systemctl fails."""

from __future__ import annotations

from typing import Sequence

from ngha.errors import NghaError
from ngha.live.cluster import LiveCluster
from ngha.transport.base import Result

UNIT_TIMEOUT = 180.0  # a start or restart waits for the unit to be up (or to fail)


def daemon_reload(cluster: LiveCluster, node: str) -> None:
    _systemctl(cluster, node, ["daemon-reload"])


def enable(cluster: LiveCluster, node: str, units: Sequence[str], now: bool = False) -> None:
    """Enabled (and with now=True started) in one call."""
    _systemctl(cluster, node, ["enable", *(["--now"] if now else []), "--quiet", *units],
               timeout=UNIT_TIMEOUT if now else 60.0)


def disable(cluster: LiveCluster, node: str, units: Sequence[str]) -> None:
    """Disabled, never stopped: a unit Pacemaker runs keeps running."""
    _systemctl(cluster, node, ["disable", "--quiet", *units])


def act(cluster: LiveCluster, node: str, action: str, units: Sequence[str]) -> None:
    """start, stop, restart or reload, waiting for systemd's job to finish."""
    if action not in ("start", "stop", "restart", "reload"):
        raise ValueError(action)
    _systemctl(cluster, node, [action, *units], timeout=UNIT_TIMEOUT)


def act_everywhere(cluster: LiveCluster, action: str, units: Sequence[str],
                   nodes: Sequence[str] | None = None, wait: bool = True
                   ) -> dict[str, Result | NghaError]:
    """The same action on every node at once; each node's result (or why it could not
    run), for the caller to judge. wait=False: queued, not waited for (a unit that waits
    for its backends at start would hold the call until they are back)."""
    return cluster.run_all(["systemctl", action, *([] if wait else ["--no-block"]), *units],
                           nodes=nodes, timeout=UNIT_TIMEOUT)


def kill(cluster: LiveCluster, node: str, unit: str, signal: str = "SIGKILL") -> None:
    """Signal every process of the unit (a crash, as systemd sees it)."""
    _systemctl(cluster, node, ["kill", f"--signal={signal}", unit])


def _systemctl(cluster: LiveCluster, node: str, args: list[str],
               timeout: float = 60.0) -> None:
    argv = ["systemctl", *args]
    cluster.run(node, argv, timeout=timeout, what=" ".join(argv))
