"""corosync.conf from the deployment: the membership layer under Pacemaker."""

from __future__ import annotations

from ngha.model.deployment import Deployment

COROSYNC_PATH = "etc/corosync/corosync.conf"


def render_corosync(deployment: Deployment) -> str:
    corosync = deployment.corosync
    lines = [
        "# Managed by ngha: the same on every node.",
        "totem {",
        "    version: 2",
        f"    cluster_name: {deployment.cluster}",
        f"    transport: {corosync.transport}",
        # How long a silent node is given before it is declared lost; failover time
        # starts here (token + consensus, consensus defaulting to 1.2 x token).
        f"    token: {corosync.token}",
    ]
    if corosync.transport == "knet":
        lines += ["    crypto_cipher: aes256", "    crypto_hash: sha256"]
    lines += ["}", "", "nodelist {"]
    for nodeid, node in enumerate(deployment.nodes, start=1):
        lines += ["    node {", f"        ring0_addr: {node.address}", f"        name: {node.name}",
                  f"        nodeid: {nodeid}", "    }"]
    lines += ["}", "", "quorum {", "    provider: corosync_votequorum"]
    if len(deployment.nodes) == 2:
        lines.append("    two_node: 1")
    lines += ["}", "", "logging {", "    to_logfile: yes",
              "    logfile: /var/log/corosync/corosync.log", "    to_syslog: yes",
              "    timestamp: on", "}"]
    return "\n".join(lines) + "\n"
