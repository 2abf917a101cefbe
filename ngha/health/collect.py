"""What the health of a cluster is judged on, gathered from all nodes at once: each node's
view of the cluster (crm_mon), the live CIB, and the state of every service's unit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lxml import etree

from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitState, UnitsFact
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.targets import Target

TIMEOUT = 10.0


@dataclass
class Collected:
    views: dict[str, ClusterView | NghaError]  # each node's own view (or why none)
    units: dict[str, dict[str, UnitState] | NghaError]
    cib: etree._Element | None  # None when no node could give it

    @property
    def best_view(self) -> ClusterView | None:
        """A view with quorum if any (the partition that runs the cluster), preferring
        the DC's own."""
        views = [v for v in self.views.values() if isinstance(v, ClusterView)]
        with_quorum = [v for v in views if v.quorum]
        for candidates in (with_quorum, views):
            for view in candidates:
                if view.dc == view.reporter:
                    return view
            if candidates:
                return candidates[0]
        return None


def service_units(target: Target) -> list[str]:
    return sorted({f"{s.unit}.service" for s in target.loaded.services})


def collect(cluster: LiveCluster, target: Target) -> Collected:
    units = service_units(target)
    with ThreadPoolExecutor(max_workers=3) as pool:
        views = pool.submit(pacemaker.read_statuses, cluster, TIMEOUT)
        states = pool.submit(cluster.read_all, UnitsFact(units), None, TIMEOUT)
        cib = pool.submit(_cib, cluster)
        return Collected(views=views.result(), units=states.result(), cib=cib.result())


def _cib(cluster: LiveCluster) -> etree._Element | None:
    try:
        return pacemaker.read_cib(cluster, timeout=TIMEOUT).tree()
    except NghaError:
        return None
