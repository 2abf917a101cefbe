"""Waiting on a live cluster: until it is idle, or until a condition holds."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError

T = TypeVar("T")


def wait_for_idle(cluster: LiveCluster, timeout: float = 300.0) -> float:
    """Until Pacemaker has no action pending or in flight (crm_resource --wait);
    returns the seconds waited."""
    start = time.monotonic()
    seconds = max(1, int(timeout))
    cluster.run_any(["crm_resource", "--wait", f"--timeout={seconds}s"],
                    timeout=seconds + 30, what=f"crm_resource --wait ({seconds} s)")
    return time.monotonic() - start


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
