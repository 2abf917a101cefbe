"""Waiting on a live cluster: until it is idle, or until a condition holds."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from ngha.errors import NghaError
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError, ClusterUnreachable

T = TypeVar("T")
CRM_TIMEOUT = 124  # crm_resource's exit status when --timeout passed


def wait_for_idle(cluster: LiveCluster, timeout: float = 300.0) -> float:
    """Until Pacemaker has no action pending or in flight (crm_resource --wait);
    returns the seconds waited. A timeout names the actions still pending."""
    start = time.monotonic()
    seconds = max(1, int(timeout))
    # -V makes crm_resource list the pending actions when it gives up
    argv = ["crm_resource", "--wait", f"--timeout={seconds}s", "-V"]
    errors = []
    for node in cluster.nodes:
        try:
            result = cluster.run(node, argv, timeout=seconds + 30, check=False)
        except NghaError as exc:  # this node does not answer: ask the next
            errors.append(exc.message)
            continue
        if result.ok:
            return time.monotonic() - start
        if result.rc == CRM_TIMEOUT:  # the cluster answered: it is busy, not unreachable
            raise ClusterError(f"Pacemaker still had actions pending after {seconds} s: "
                               + pending_actions(result.stderr + result.stdout))
        errors.append(f"{node}: crm_resource --wait exited {result.rc}: "
                      + (result.stderr.strip().splitlines() or ["no message"])[-1])
    raise ClusterUnreachable(f"no node of {cluster.name} could wait for idle: "
                             + "; ".join(errors))


def pending_actions(output: str, most: int = 8) -> str:
    """'slow_start_0 on ctl-1, ...' from crm_resource -V's 'Pending actions:' list."""
    actions = [" ".join(line.split(":", 1)[1].split()) for line in output.splitlines()
               if line.strip().startswith("Action ") and ":" in line]
    shown = ", ".join(actions[:most]) + (f" and {len(actions) - most} more"
                                         if len(actions) > most else "")
    return shown or "(crm_resource did not list them)"


def wait_until(read: Callable[[], T], accept: Callable[[T], bool], timeout: float,
               what: str, interval: float = 1.0,
               describe: Callable[[T], str] | None = None) -> tuple[T, float]:
    """Poll read() until accept(value); returns (value, seconds). On timeout one error
    names what was awaited and, with `describe`, what was last seen."""
    start = time.monotonic()
    while True:
        value = read()
        if accept(value):
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            seen = f"; last seen: {describe(value)}" if describe else ""
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}{seen}")
        time.sleep(interval)
