"""The lab network: bridges in a namespace of their own, one veth per node and client.

Nothing here touches the host's interfaces or routes. The fabric namespace holds two
bridges: `main` (the cluster network) and `cut` (where partitioned nodes are moved, so
they still see each other but not the rest). Every node and the client get their own
namespace with `eth0` plugged into one of them.
"""

from __future__ import annotations

import os
from pathlib import Path

from ngha.lab import host
from ngha.lab.layout import NetnsNames
from ngha.lab.mounts import is_mountpoint
from ngha.lab.state import CUT_SIDE, MAIN_SIDE

NETNS_DIR = Path("/run/netns")  # iproute2's location for named namespaces
BRIDGES = {MAIN_SIDE: "br-main", CUT_SIDE: "br-cut"}


def port_name(endpoint: str) -> str:
    return f"p-{endpoint}"[:15]


def list_lab_netns(lab: str) -> list[str]:
    prefix = NetnsNames(lab).prefix
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []


def netns_exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def create_fabric(lab: str) -> str:
    fabric = NetnsNames(lab).fabric
    host.ip("netns", "add", fabric)
    host.ip("link", "set", "lo", "up", netns=fabric)
    for bridge in BRIDGES.values():
        # No STP and no forward delay: ports forward as soon as they are up.
        host.ip("link", "add", bridge, "type", "bridge", "stp_state", "0",
                "forward_delay", "0", netns=fabric)
        host.ip("link", "set", bridge, "up", netns=fabric)
    return fabric


def plug(lab: str, endpoint: str, netns: str, address: str, prefixlen: int,
         side: str = MAIN_SIDE, mac: str | None = None) -> None:
    """Create the endpoint's namespace (if needed) and a veth from it to a bridge; `mac`
    fixes the address of its eth0 (otherwise random)."""
    fabric = NetnsNames(lab).fabric
    if not netns_exists(netns):
        host.ip("netns", "add", netns)
    port = port_name(endpoint)
    peer = ["name", "eth0"] + (["address", mac] if mac else []) + ["netns", netns]
    host.ip("link", "add", port, "type", "veth", "peer", *peer, netns=fabric)
    host.ip("link", "set", port, "master", BRIDGES[side], "up", netns=fabric)
    host.ip("link", "set", "lo", "up", netns=netns)
    host.ip("addr", "add", f"{address}/{prefixlen}", "dev", "eth0", netns=netns)
    host.ip("link", "set", "eth0", "up", netns=netns)


def unplug(lab: str, endpoint: str, netns: str) -> None:
    """The endpoint's veth and namespace go, the way a power loss takes the NIC and every
    address a resource agent had added to it. The veth is deleted from the fabric's end
    first: a killed node's namespace outlives its name until its last process has exited
    and the kernel has cleaned it up (seconds, under load), and its veth with it, which
    would keep the port's name taken when the node boots again."""
    # check=False: usually the port is gone with its namespace already
    host.ip("link", "del", port_name(endpoint), netns=NetnsNames(lab).fabric, check=False)
    if netns_exists(netns):
        host.ip("netns", "del", netns, check=False)


def move_to_side(lab: str, endpoint: str, side: str) -> None:
    fabric = NetnsNames(lab).fabric
    host.ip("link", "set", port_name(endpoint), "master", BRIDGES[side], netns=fabric)


def port_exists(lab: str, endpoint: str) -> bool:
    fabric = NetnsNames(lab).fabric
    out = host.run(["ip", "-n", fabric, "link", "show", port_name(endpoint)], check=False)
    return out.ok


def delete_all(lab: str) -> list[str]:
    """Delete every namespace of the lab; returns the ones that are still there."""
    for name in list_lab_netns(lab):
        host.ip("netns", "del", name, check=False)
    return list_lab_netns(lab)


def release_netns_dir() -> None:
    """`ip netns add` turns /run/netns into a bind mount of itself; once no namespace is
    left in it that mount (and the directory) is ours to remove, so nothing persists."""
    try:
        if any(NETNS_DIR.iterdir()):
            return
    except FileNotFoundError:
        return
    if is_mountpoint(str(NETNS_DIR)):
        host.run(["umount", str(NETNS_DIR)], check=False)
    try:
        NETNS_DIR.rmdir()
    except OSError:
        pass
