"""What a per-node renderer needs to know about the node it renders for."""

from __future__ import annotations

from dataclasses import dataclass

from ngha.model.deployment import Node
from ngha.model.load import LoadedDeployment
from ngha.model.resolve import ResolvedService
from ngha.profiles.desired import DesiredState, NodeState
from ngha.profiles.resources import nodes_for

# Where the services of a controller listen and talk to each other (TripleO's choice).
SERVICE_NETWORK = "internal_api"


@dataclass(frozen=True)
class NodeContext:
    loaded: LoadedDeployment
    desired: DesiredState
    state: NodeState

    @property
    def deployment(self):
        return self.loaded.deployment

    @property
    def tuning(self):
        return self.loaded.deployment.tuning

    @property
    def node(self) -> Node:
        node = self.deployment.node(self.state.name)
        assert node is not None, self.state.name
        return node

    @property
    def address(self) -> str:
        """This node's address on the service network (where APIs, Galera, RabbitMQ and
        Redis listen)."""
        return service_address(self.node)

    def service(self, name: str) -> ResolvedService | None:
        return next((s for s in self.loaded.services if s.name == name), None)

    def vip(self, *networks: str) -> str | None:
        """The first of these VIPs the deployment has."""
        vips = dict(self.deployment.vip_list)
        return next((vips[n].address for n in networks if n in vips), None)

    def peers(self, service: str) -> list[Node]:
        """Nodes that run a Pacemaker-owned core service (its role, or every node)."""
        names = nodes_for(self.deployment, service)
        return [n for n in self.deployment.nodes if n.name in names]


def service_address(node: Node) -> str:
    return node.address_on(SERVICE_NETWORK) or node.address


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address
