"""Address rules across fields: nodes, networks and VIPs must describe addresses that can work.

Each rule names the field to edit. Addresses are compared as parsed (ipaddress objects), so
one address written two ways (fd00::10 and fd00:0::10) is the same address; IPv4-mapped
IPv6 addresses are refused when parsed (addresses.py).
"""

from __future__ import annotations

from typing import Callable

from ngha.model.addresses import HostAddress, IPAddress, subnet_edge
from ngha.model.deployment import NODE_NETWORKS, Deployment, Node, Vip

Fail = Callable[[str, tuple, str], None]


def node_loc(deployment: Deployment, node: Node, network: str | None) -> tuple:
    """Field path of a node's address on `network` (its one address in the simple form;
    its primary address when `network` is None)."""
    index = deployment.nodes.index(node)
    if node.addresses is None:
        return ("nodes", index, "address")
    if network is None:  # the primary: control, else the first written
        network = "control" if "control" in node.addresses else next(iter(node.addresses))
    return ("nodes", index, "addresses", network)


def validate_networks(deployment: Deployment, fail: Fail) -> None:
    _no_shared_node_address(deployment, fail)
    _one_cluster_family(deployment, fail)
    _one_subnet_per_network(deployment, fail)
    for name, vip in deployment.vip_list:
        _vip_on_its_network(deployment, name, vip, fail)


def _no_shared_node_address(deployment: Deployment, fail: Fail) -> None:
    owner: dict[IPAddress, tuple[Node, str | None]] = {}
    for node in deployment.nodes:
        for network, host in node.host_addresses().items():
            other = owner.get(host.ip)
            if other is not None and other[0] is not node:
                fail(f"duplicate node address {host.ip}: {other[0].name} has it too"
                     + (f" (on {other[1]})" if other[1] else ""),
                     node_loc(deployment, node, network), "give every node its own addresses")
            owner.setdefault(host.ip, (node, network))


def _one_cluster_family(deployment: Deployment, fail: Fail) -> None:
    """Corosync puts every node's cluster address on one link: one IP family."""
    first = deployment.nodes[0]
    for node in deployment.nodes[1:]:
        if node.ip.version != first.ip.version:
            fail(f"cluster address is IPv{node.ip.version} but {first.name}'s is "
                 f"IPv{first.ip.version}: corosync needs one IP family on a link",
                 node_loc(deployment, node, None),
                 "give every node a cluster address (control, else the first) of the same "
                 "family")


def _one_subnet_per_network(deployment: Deployment, fail: Fail) -> None:
    """The addresses on one network share a family and, where prefixes are given, a
    subnet: a VIP on that network can only live in one subnet."""
    for network in NODE_NETWORKS:
        first: tuple[Node, HostAddress] | None = None
        for node in deployment.nodes:
            host = node.host_on(network)
            if host is None:
                continue
            if first is None:
                first = (node, host)
                continue
            other_node, other = first
            loc = node_loc(deployment, node, network)
            if host.ip.version != other.ip.version:
                fail(f"address on network {network} is IPv{host.ip.version} but "
                     f"{other_node.name}'s is IPv{other.ip.version}", loc,
                     f"use one IP family on {network}")
            if host.subnet and other.subnet and host.subnet != other.subnet:
                fail(f"address on network {network} is in {host.subnet} but "
                     f"{other_node.name}'s is in {other.subnet}", loc,
                     f"give every node's {network} address the same subnet and prefix")
            if host.subnet and not other.subnet:
                first = (node, host)  # compare the rest with a subnet when there is one


def _vip_on_its_network(deployment: Deployment, name: str, vip: Vip, fail: Fail) -> None:
    network = deployment.vip_network(name)
    loc = ("vips", name)
    for node in deployment.nodes:
        for node_network, host in node.host_addresses().items():
            if host.ip == vip.ip:
                where = f" on {node_network}" if node_network else ""
                fail(f"VIP {vip.ip} clashes with node {node.name}'s address{where}", loc,
                     "pick an unused address for the VIP")
    # The VIP follows HAProxy, so every node that may run HAProxy needs the network.
    hosting = deployment.nodes_running("haproxy")
    missing = [node.name for node in hosting if node.host_on(network) is None]
    if len(missing) == len(hosting):
        fail(f"VIP is on network {network}, where no node has an address (IPaddr2 would "
             "find no interface for it)", loc,
             f"add a {network} address to every node ('addresses: {{{network}: ...}}'), or "
             "put the VIP on a network the nodes are on ('network: <name>')")
    if missing:
        fail(f"VIP is on network {network}, where {', '.join(missing)} has no address", loc,
             f"add a {network} address to {', '.join(missing)}")
    families = {node.host_on(network).ip.version for node in hosting}  # type: ignore[union-attr]
    if vip.ip.version not in families:
        fail(f"VIP is IPv{vip.ip.version} but the nodes' addresses on network {network} are "
             f"IPv{families.pop()}", loc, f"give the VIP an address of {network}'s family")
    subnet = deployment.network_subnet(network)
    if subnet is not None and vip.ip not in subnet:
        fail(f"VIP {vip.ip} is outside {subnet}, the subnet of network {network} (from the "
             "nodes' addresses)", loc,
             f"pick an address in {subnet}, or say which network the VIP is on ('network:')")
    for prefix in {deployment.vip_prefix(name), subnet.prefixlen if subnet else None} - {None}:
        edge = subnet_edge(vip.ip, prefix)  # type: ignore[arg-type]
        if edge:
            fail(f"VIP {vip.ip}: {edge}", loc, "pick a host address inside the subnet")
