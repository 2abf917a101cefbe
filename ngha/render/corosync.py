"""corosync.conf: the membership layer under Pacemaker. One renderer for deployments and
for the lab, so the lab runs exactly what ngha renders."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Sequence

from ngha.model.deployment import Deployment

COROSYNC_PATH = "etc/corosync/corosync.conf"


@dataclass(frozen=True)
class CorosyncSettings:
    cluster: str
    nodes: Sequence[tuple[str, str]]  # (name, ring0 address), nodeid = position + 1
    transport: str = "knet"
    token_ms: int = 10000
    crypto: bool = True  # needs /etc/corosync/authkey on every node
    blackbox: bool = True  # the flight recorder: ~8 MB of /dev/shm per node


def settings_from_deployment(deployment: Deployment) -> CorosyncSettings:
    return CorosyncSettings(cluster=deployment.cluster,
                            nodes=[(n.name, n.address) for n in deployment.nodes],
                            transport=deployment.corosync.transport,
                            token_ms=deployment.corosync.token,
                            crypto=deployment.corosync.encrypted,
                            blackbox=deployment.corosync.blackbox)


def render_corosync(deployment: Deployment) -> str:
    return render_corosync_conf(settings_from_deployment(deployment))


def _ipv6(settings: CorosyncSettings) -> bool:
    return any(ipaddress.ip_address(address).version == 6 for _, address in settings.nodes)


def render_corosync_conf(settings: CorosyncSettings) -> str:
    if settings.token_ms <= 0:
        raise ValueError(f"token must be a positive number of milliseconds, not "
                         f"{settings.token_ms}")
    if not settings.nodes:
        raise ValueError("corosync needs at least one node")
    lines = [
        "# Managed by ngha: the same on every node.",
        "totem {",
        "    version: 2",
        f"    cluster_name: {settings.cluster}",
        f"    transport: {settings.transport}",
        # How long a silent node is given before it is declared lost; failover time
        # starts here (token + consensus, consensus defaulting to 1.2 x token).
        f"    token: {settings.token_ms}",
    ]
    if settings.transport in ("udp", "udpu") and _ipv6(settings):
        # udp and udpu speak IPv4 unless told (knet picks the family from the addresses);
        # validation guarantees one family for every node.
        lines.append("    ip_version: ipv6")
    if settings.transport == "knet":
        cipher, digest = ("aes256", "sha256") if settings.crypto else ("none", "none")
        lines += [f"    crypto_cipher: {cipher}", f"    crypto_hash: {digest}"]
    lines += ["}", "", "nodelist {"]
    for nodeid, (name, address) in enumerate(settings.nodes, start=1):
        lines += ["    node {", f"        ring0_addr: {address}", f"        name: {name}",
                  f"        nodeid: {nodeid}", "    }"]
    lines += ["}", "", "quorum {", "    provider: corosync_votequorum"]
    if len(settings.nodes) == 2:
        # two nodes never have a majority after one loss: two_node lets the survivor keep
        # quorum (and implies wait_for_all, so a lone booting node cannot claim it)
        lines.append("    two_node: 1")
    lines += ["}", "", "logging {"]
    if not settings.blackbox:
        lines.append("    blackbox: off")
    lines += ["    to_logfile: yes", "    logfile: /var/log/corosync/corosync.log",
              "    to_syslog: yes", "    timestamp: on", "}"]
    return "\n".join(lines) + "\n"
