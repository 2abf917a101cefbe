"""The live cluster as apply needs to see it: the CIB with its version, Pacemaker's view,
and on every node the units and the files ngha manages (digests, modes, owners)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ngha.errors import NghaError
from ngha.facts import (ClusterView, CrmMonFact, FileDigestsFact, FileState, LiveCib,
                        UnitState, UnitsFact)
from ngha.facts.cib import CibFact
from ngha.live.cluster import LiveCluster
from ngha.plan.target import Target

SYSCTL_KEYS = ("net.ipv4.ip_nonlocal_bind",)
# Every file ngha wrote on the node, so a file it no longer wants (a profile changed, a
# service removed) is removed, and nothing it did not write ever is.
MANIFEST = "/var/lib/ngha/managed-files"


@dataclass
class NodeObservation:
    units: dict[str, UnitState]
    files: dict[str, FileState]
    sysctl: dict[str, str] = field(default_factory=dict)
    managed: tuple[str, ...] | None = None  # the manifest; None when there is none


@dataclass
class Observed:
    cib: LiveCib
    view: ClusterView
    nodes: dict[str, NodeObservation]
    unreachable: dict[str, str]  # node -> why it could not be read

    def units(self, node: str) -> dict[str, UnitState]:
        return self.nodes[node].units if node in self.nodes else {}


def units_of_interest(target: Target, node: str) -> list[str]:
    files = target.node(node)
    units = [p.unit for p in files.enable + files.disable]
    units += list(files.infrastructure)
    units += [u for f in files.files for u in f.restarts]
    return sorted({u if "." in u else f"{u}.service" for u in units})


def paths_of_interest(target: Target, node: str) -> list[str]:
    files = target.node(node)
    return [f.path for f in files.files] + [d.path for d in files.directories]


def observe(cluster: LiveCluster, target: Target) -> Observed:
    view = cluster.read_any(CrmMonFact())
    cib = cluster.read_any(CibFact(), prefer=(view.reporter,))

    def one(node: str) -> NodeObservation | NghaError:
        try:
            units = cluster.read(UnitsFact(units_of_interest(target, node)), node)
            files = cluster.read(FileDigestsFact(paths_of_interest(target, node)), node)
            values = cluster.run(node, ["sysctl", "-n", *SYSCTL_KEYS], check=False,
                                 timeout=30).stdout.split()
            manifest = cluster.run(node, ["cat", MANIFEST], check=False, timeout=30)
            managed = tuple(manifest.stdout.split("\n")[:-1]) if manifest.ok else None
            return NodeObservation(units, files, dict(zip(SYSCTL_KEYS, values)), managed)
        except NghaError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, len(cluster.nodes))) as pool:
        results = dict(zip(cluster.nodes, pool.map(one, cluster.nodes)))
    nodes = {n: r for n, r in results.items() if isinstance(r, NodeObservation)}
    unreachable = {n: r.message for n, r in results.items() if isinstance(r, NghaError)}
    return Observed(cib=cib, view=view, nodes=nodes, unreachable=unreachable)
