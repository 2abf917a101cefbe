"""IP addresses as a deployment file writes them: parsing, and the addresses no host can use.

Messages never repeat the text that was refused: the caller names the file, line and field,
and the value may be something pasted by mistake (a password, say).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# "This host on this network" (RFC 1122): never a host's own address.
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


@dataclass(frozen=True)
class HostAddress:
    """One address of a host, with the prefix length of its subnet when the file gives one."""

    ip: IPAddress
    prefix: int | None = None

    @property
    def subnet(self) -> IPNetwork | None:
        if self.prefix is None:
            return None
        return ipaddress.ip_network(f"{self.ip}/{self.prefix}", strict=False)

    def __str__(self) -> str:
        return str(self.ip) if self.prefix is None else f"{self.ip}/{self.prefix}"


def parse_address(value: str) -> IPAddress:
    """A bare host address (no prefix), normalised: '192.0.2.10', 'fd00::10'."""
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        if "%" in value:
            raise ValueError("a zone index (%...) cannot be used; give the bare address") \
                from None
        if "/" in value:
            raise ValueError("not a bare address: give the prefix length separately") from None
        raise ValueError("not a valid IPv4 or IPv6 address") from None
    problem = unusable(ip)
    if problem:
        raise ValueError(problem)
    return ip


def parse_host_address(value: str) -> HostAddress:
    """'192.0.2.10' or '192.0.2.10/24' (the host's address and its subnet's prefix)."""
    text, slash, prefix_text = value.strip().partition("/")
    ip = parse_address(text)
    if not slash:
        return HostAddress(ip)
    if not (prefix_text.isascii() and prefix_text.isdigit()) or \
            not 1 <= int(prefix_text) <= ip.max_prefixlen:
        raise ValueError(f"the prefix length after '/' must be a number from 1 to "
                         f"{ip.max_prefixlen}")
    host = HostAddress(ip, int(prefix_text))
    problem = subnet_edge(ip, host.prefix)
    if problem:
        raise ValueError(problem)
    return host


def unusable(ip: IPAddress) -> str | None:
    """Why no cluster node or VIP can have this address, or None."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        return (f"an IPv4-mapped IPv6 address is the IPv4 address {mapped} written another "
                f"way: write {mapped}")
    if getattr(ip, "scope_id", None):
        return "a zone index (%...) cannot be used; give the bare address"
    if ip.is_unspecified:
        return "the unspecified address cannot be a host address"
    if ip.is_loopback:
        return "a loopback address never leaves the host: use an address on the network"
    if ip.is_link_local:
        return "a link-local address cannot be used (it depends on the interface)"
    if ip.is_multicast:
        return "a multicast address cannot be a host address"
    if ip.is_reserved or (ip.version == 4 and ip in _THIS_NETWORK):
        return "a reserved address cannot be a host address"
    return None


def subnet_edge(ip: IPAddress, prefix: int) -> str | None:
    """Why `ip` cannot be a host address in its /prefix subnet (network or broadcast
    address), or None. /31 and /32 (/127, /128) subnets have no such addresses."""
    subnet = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    if subnet.num_addresses <= 2:
        return None
    if ip == subnet.network_address:
        what = "network address" if ip.version == 4 else "subnet-router anycast address"
        return f"the {what} of {subnet} cannot be a host address"
    if ip.version == 4 and ip == subnet.broadcast_address:
        return f"the broadcast address of {subnet} cannot be a host address"
    return None
