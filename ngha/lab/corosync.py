"""corosync.conf for the lab, rendered from the node list."""

from __future__ import annotations

from typing import Sequence

DEFAULT_TOKEN_MS = 3000


def render_corosync_conf(
    cluster_name: str, nodes: Sequence[tuple[str, str]], token_ms: int = DEFAULT_TOKEN_MS
) -> str:
    """knet over the lab bridge. Crypto is off: the lab network is a private bridge inside
    network namespaces, and an authkey would be one more secret to distribute."""
    if token_ms <= 0:
        raise ValueError(f"token must be a positive number of milliseconds, not {token_ms}")
    if not nodes:
        raise ValueError("corosync needs at least one node")
    node_blocks = "".join(
        f"    node {{\n"
        f"        ring0_addr: {address}\n"
        f"        name: {name}\n"
        f"        nodeid: {i}\n"
        f"    }}\n"
        for i, (name, address) in enumerate(nodes, start=1)
    )
    # A 2-node cluster can never have a majority after one loss; two_node makes the
    # survivor keep quorum (wait_for_all stops a lone booting node from claiming it).
    two_node = "    two_node: 1\n" if len(nodes) == 2 else ""
    return (
        "# Written by `ngha lab up`.\n"
        "totem {\n"
        "    version: 2\n"
        f"    cluster_name: {cluster_name}\n"
        "    transport: knet\n"
        f"    token: {token_ms}\n"
        "    crypto_cipher: none\n"
        "    crypto_hash: none\n"
        "}\n"
        "\n"
        "nodelist {\n"
        f"{node_blocks}"
        "}\n"
        "\n"
        "quorum {\n"
        "    provider: corosync_votequorum\n"
        f"{two_node}"
        "}\n"
        "\n"
        "logging {\n"
        "    # The flight recorder keeps an 8 MB ring in /dev/shm per node; the lab logs\n"
        "    # to the journal and a file instead.\n"
        "    blackbox: off\n"
        "    to_logfile: yes\n"
        "    logfile: /var/log/corosync/corosync.log\n"
        "    to_syslog: yes\n"
        "    timestamp: on\n"
        "}\n"
    )
