"""HAProxy's Galera health check on port 9200 (what TripleO calls clustercheck):
200 while the local node is synced (wsrep_local_state 4), 503 otherwise.

A socket-activated service (Accept=yes): no daemon to keep alive, one short process per
check. It asks MariaDB over its local socket as root (unix_socket authentication).
"""

from __future__ import annotations

from ngha.render.context import NodeContext, url_host
from ngha.render.nodefiles import NodeFile

PORT = 9200
SCRIPT_PATH = "/usr/local/libexec/ngha-clustercheck"
SOCKET_UNIT = "ngha-clustercheck.socket"

SCRIPT = r"""#!/bin/sh
# Managed by ngha: Galera health for HAProxy. One HTTP request arrives on stdin (the
# socket); the answer goes to stdout. 200 when this node is synced, else 503.
read -r _request || true
state=$(mysql --connect-timeout=2 -N -B \
        -e "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'" 2>/dev/null | cut -f2)
if [ "$state" = "4" ]; then
    status="200 OK" body="Galera node is synced."
else
    status="503 Service Unavailable" body="Galera node is not synced."
fi
printf 'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s\n' \
    "$status" "$(( ${#body} + 1 ))" "$body"
"""


def clustercheck_files(ctx: NodeContext) -> list[NodeFile]:
    socket = f"""\
# Managed by ngha: HAProxy's Galera health check for this node.
[Unit]
Description=Galera health check for HAProxy (port {PORT})

[Socket]
ListenStream={url_host(ctx.address)}:{PORT}
FreeBind=yes
Accept=yes

[Install]
WantedBy=sockets.target
"""
    service = f"""\
# Managed by ngha: one instance per health-check connection.
[Unit]
Description=Galera health check for HAProxy

[Service]
ExecStart={SCRIPT_PATH}
StandardInput=socket
StandardOutput=socket
StandardError=journal
TimeoutStartSec=10
"""
    return [NodeFile(SCRIPT_PATH, SCRIPT, mode=0o755),
            NodeFile(f"/etc/systemd/system/{SOCKET_UNIT}", socket, restarts=(SOCKET_UNIT,)),
            NodeFile("/etc/systemd/system/ngha-clustercheck@.service", service)]
