"""What a scenario works with: the live cluster, the lab's faults, and a log of events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitsFact
from ngha.lab import lifecycle
from ngha.lab.errors import NodeIsRunning
from ngha.lab.node import is_alive
from ngha.lab.session import Lab
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError
from ngha.live.wait import wait_until
from ngha.measurement import journal
from ngha.targets import Target

Progress = Callable[[str], None]


@dataclass
class Outcome:
    """What the scenario touched (so it is not counted as collateral) and when the
    backends it broke were back."""

    targets: set[str] = field(default_factory=set)  # services hit on purpose
    nodes: set[str] = field(default_factory=set)  # nodes crashed or cut off
    backend_back: dict[str, float] = field(default_factory=dict)  # probe path -> time
    failures: list[str] = field(default_factory=list)  # scenario-specific assertions
    notes: dict = field(default_factory=dict)


@dataclass
class Context:
    cluster: LiveCluster
    target: Target
    lab: Lab
    quick: bool
    progress: Progress
    events: list[tuple[float, str]] = field(default_factory=list)

    @property
    def profile(self) -> str:
        return self.target.profile

    def event(self, label: str) -> float:
        now = time.time()
        self.events.append((now, label))
        self.progress(label)
        return now

    def hold(self, quick: float, full: float) -> float:
        return quick if self.quick else full

    def view(self) -> ClusterView:
        return pacemaker.read_status(self.cluster, timeout=15)

    def resource(self, service: str) -> str:
        return self.target.desired_ids[service]

    def unit(self, node: str, unit: str):
        """The unit's state on node (None when the node does not answer)."""
        try:
            return self.cluster.read(UnitsFact([unit]), node, timeout=30).get(unit)
        except NghaError:
            return None

    def kill(self, node: str, process: str) -> None:
        self.cluster.run(node, ["pkill", "-KILL", "-x", process], what=f"pkill -9 {process}")

    def wait(self, accept: Callable[[ClusterView], bool], what: str,
             timeout: float = 300) -> float:
        """Poll Pacemaker's view until accept(view); returns the time it held."""
        def read() -> ClusterView | None:
            try:
                return self.view()
            except ClusterError:
                return None
        wait_until(read, lambda v: v is not None and accept(v), timeout=timeout, what=what,
                   interval=0.5)
        return time.time()

    def running(self, service: str) -> Callable[[ClusterView], bool]:
        """A condition: the service's resource runs on every node, with quorum."""
        rid, nodes = self.resource(service), set(self.cluster.nodes)
        return lambda v: v.quorum and nodes <= set(v.running_on(rid))

    def promoted(self, service: str) -> Callable[[ClusterView], bool]:
        """A condition: the service's resource is promoted on every node, with quorum."""
        rid, nodes = self.resource(service), set(self.cluster.nodes)
        return lambda v: v.quorum and nodes <= set(v.promoted_on(rid))

    def stopped(self, service: str) -> Callable[[ClusterView], bool]:
        rid = self.resource(service)
        return lambda v: not v.roles_on(rid)

    def primitive(self, service: str) -> str:
        """The primitive id of a service (what failed actions and histories name)."""
        return self.target.desired.cluster.primitive_ids()[self.resource(service)]

    def vip_resource(self, network: str) -> str:
        return self.target.loaded.deployment.vips[network].resource_id

    def holder_of_vip(self, network: str, view: ClusterView | None = None) -> str:
        nodes = list((view or self.view()).roles_on(self.vip_resource(network)))
        if not nodes:
            raise ClusterError(f"the {network} VIP runs nowhere")
        return nodes[0]

    def started_at(self, node: str, resource: str, since: float,
                   timeout: float = 30.0) -> float | None:
        """When Pacemaker's start of `resource` on `node` returned ok, to the microsecond,
        from the node's own journal (the CIB's operation history keeps whole seconds)."""
        return journal.started_at(self.cluster, node, resource, since, timeout)

    # --- the lab's faults ------------------------------------------------------------

    def crash(self, node: str) -> None:
        lifecycle.crash(self.lab.name, node)

    def is_alive(self, node: str) -> bool:
        return is_alive(Lab.read(self.lab.name).state.node(node))  # state changes: reread

    def boot(self, node: str) -> None:
        """Power on, unless the lab's fence agent (Pacemaker fencing it) already did."""
        try:
            lifecycle.boot(self.lab.name, node, wait=False)
        except NodeIsRunning:
            pass

    def online(self, nodes: list[str]) -> Callable[[ClusterView], bool]:
        return lambda v: v.quorum and set(nodes) <= v.online
