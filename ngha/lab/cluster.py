"""Waiting for the lab's cluster (membership and quorum, from crm_mon on each node)."""

from __future__ import annotations

import time
from typing import Callable, Iterable, Sequence

from ngha.errors import NghaError
from ngha.facts import ClusterView, CrmMonFact, read_fact_on
from ngha.lab.errors import LabError
from ngha.transport.base import Transport
from ngha.transport.parallel import run_on_nodes


def read_views(transport: Transport, nodes: Sequence[str],
               timeout: float = 10.0) -> dict[str, ClusterView | None]:
    """Each node's view of the cluster; None where crm_mon cannot answer (pacemaker not
    up, node down)."""
    views = read_fact_on(transport, nodes, CrmMonFact(), timeout)
    return {node: None if isinstance(view, NghaError) else view
            for node, view in views.items()}


def wait_until(transport: Transport, reporters: Sequence[str],
               accept: Callable[[ClusterView], bool], timeout: float, what: str,
               interval: float = 1.0) -> float:
    """Poll crm_mon on every reporter until each view is accepted; returns seconds."""
    start = time.monotonic()
    while True:
        last = read_views(transport, reporters)
        if all(v is not None and accept(v) for v in last.values()):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            views = "; ".join(describe(n, v) for n, v in last.items())
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}: {views}")
        time.sleep(interval)


def all_online_with_quorum(expected: Iterable[str]) -> Callable[[ClusterView], bool]:
    want = frozenset(expected)
    return lambda v: v.quorum and want <= v.online


def describe(node: str, view: ClusterView | None) -> str:
    if view is None:
        return f"{node}: no answer from crm_mon"
    return (f"{node}: quorum={'yes' if view.quorum else 'no'} "
            f"online={','.join(sorted(view.online)) or '-'} dc={view.dc or '-'}")


def disable_stonith(transport: Transport, node: str) -> None:
    """The lab has no fencing device yet; without this Pacemaker starts no resource."""
    transport.run(node, ["pcs", "property", "set", "stonith-enabled=false"],
                  timeout=60, check=True)


def failed_units(transport: Transport, nodes: Sequence[str]) -> str:
    """One line for an error message: which systemd units failed on which node."""
    argv = ["systemctl", "--failed", "--no-legend", "--plain", "--no-pager"]
    parts = []
    for node, result in run_on_nodes(transport, nodes, argv, timeout=10).items():
        units = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
        parts.append(f"{node}: {', '.join(units) if units else 'none'}")
    return "failed units: " + "; ".join(parts)
