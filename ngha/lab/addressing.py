"""The lab subnet: validation, the default choice, and who gets which address.

The lab never routes on the host (its bridge lives in its own network namespace), yet a
subnet that overlaps a host route is still refused: an address that means two things on
one machine makes every later traceroute and `ngha apply` error ambiguous.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Iterable, Sequence

from ngha.lab import host
from ngha.lab.errors import LabError, SubnetError
from ngha.model.deployment import NETWORKS

IPv4Network = ipaddress.IPv4Network
IPv4Address = ipaddress.IPv4Address

FIRST_NODE_OFFSET = 11
VIP_OFFSET = 100
CLIENT_OFFSET = 200
FENCE_OFFSET = 201  # the lab's fence daemon (ngha.lab.fenced), on both bridges
MAX_NODES = 16

_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
# Candidates for the default, tried in order; an unusual second octet makes a clash
# with real networks unlikely.
_DEFAULT_CANDIDATES = tuple(f"10.213.{i}.0/24" for i in range(0, 256))


@dataclass(frozen=True)
class AddressPlan:
    subnet: IPv4Network
    nodes: tuple[tuple[str, IPv4Address], ...]
    client: IPv4Address
    vips: tuple[tuple[str, IPv4Address], ...]
    fence: IPv4Address


def parse_subnet(text: str) -> IPv4Network:
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise SubnetError(f"bad subnet {text!r}: {exc}; expected e.g. 10.213.0.0/24") from None
        raise SubnetError(f"bad subnet {text!r}: host bits set; did you mean {loose}?") from None
    if not isinstance(net, IPv4Network):
        raise SubnetError(f"bad subnet {text!r}: the lab is IPv4 only")
    return net


def validate_subnet(net: IPv4Network, host_routes: Iterable[IPv4Network]) -> IPv4Network:
    if net.prefixlen > 24:
        raise SubnetError(
            f"subnet {net} is too small: the lab uses .{FIRST_NODE_OFFSET}-.{FENCE_OFFSET} "
            "of it; use a /24 or larger"
        )
    if not any(net.subnet_of(p) for p in _PRIVATE):
        raise SubnetError(
            f"subnet {net} is not private: use one inside 10.0.0.0/8, 172.16.0.0/12 "
            "or 192.168.0.0/16"
        )
    for route in host_routes:
        if net.overlaps(route):
            raise SubnetError(
                f"subnet {net} overlaps host route {route}; pick another --subnet "
                "(e.g. 10.213.7.0/24)"
            )
    return net


def default_subnet(host_routes: Sequence[IPv4Network]) -> IPv4Network:
    for text in _DEFAULT_CANDIDATES:
        net = ipaddress.IPv4Network(text)
        if not any(net.overlaps(r) for r in host_routes):
            return net
    raise SubnetError("no free 10.213.x.0/24 subnet on this host; pass --subnet")


def parse_routes(ip_json: str) -> list[IPv4Network]:
    """Destinations of `ip -j -4 route show table all`; the default route overlaps
    everything by definition and says nothing about the subnet, so it is skipped."""
    routes = []
    for entry in json.loads(ip_json or "[]"):
        dst = entry.get("dst", "")
        if not dst or dst == "default":
            continue
        try:
            routes.append(ipaddress.IPv4Network(dst if "/" in dst else f"{dst}/32", strict=False))
        except ValueError:
            continue
    return routes


def host_routes() -> list[IPv4Network]:
    return parse_routes(host.run(["ip", "-j", "-4", "route", "show", "table", "all"]).stdout)


def plan_addresses(net: IPv4Network, node_names: Sequence[str]) -> AddressPlan:
    if not 1 <= len(node_names) <= MAX_NODES:
        raise LabError(f"the lab supports 1 to {MAX_NODES} nodes, not {len(node_names)}")
    base = net.network_address
    nodes = tuple((n, base + FIRST_NODE_OFFSET + i) for i, n in enumerate(node_names))
    vips = tuple((v, base + VIP_OFFSET + i) for i, v in enumerate(NETWORKS))
    return AddressPlan(subnet=net, nodes=nodes, client=base + CLIENT_OFFSET, vips=vips,
                       fence=fence_address(net))


def fence_address(net: IPv4Network) -> IPv4Address:
    return net.network_address + FENCE_OFFSET
