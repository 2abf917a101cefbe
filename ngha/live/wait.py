"""Waiting on a live cluster until a condition holds (Pacemaker's own idleness is
pacemaker.wait_for_idle)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from ngha.live.errors import ClusterError

T = TypeVar("T")


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
