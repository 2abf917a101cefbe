"""Run one command on many nodes at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from ngha.transport.base import DEFAULT_TIMEOUT, Result, Transport


def run_on_nodes(transport: Transport, nodes: Sequence[str], argv: Sequence[str], *,
                 timeout: float = DEFAULT_TIMEOUT, max_workers: int = 16) -> dict[str, Result]:
    """Results keyed by node, in the order of `nodes`; failures are results, not raises."""
    if not nodes:
        return {}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(nodes))) as pool:
        futures = {n: pool.submit(transport.run, n, argv, timeout=timeout) for n in nodes}
        return {n: futures[n].result() for n in nodes}
