"""HAProxy's Galera health check on port 9200 (what TripleO calls clustercheck):
200 while the local node is synced (wsrep_local_state 4) or is the donor of an
incremental transfer (IST), 503 otherwise.

Why the IST donor stays in: when Galera restarts cluster-wide, the first node back is
HAProxy's only writer, and each node joining after it takes it as donor. For an IST
the rsync SST script runs with --bypass and never blocks writes, yet the node reads
Donor/Desynced (2) for the few seconds of the transfer: answering 503 then made HAProxy
mark the only writer down and cut every session, once per joiner (measured: every
service out again 2-3 s after Galera was back, keystone 8.4 s). A donor of a full
snapshot (no --bypass) holds FLUSH TABLES WITH READ LOCK: that one stays out.

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
# socket); the answer goes to stdout. 200 when this node is synced or the donor of an
# incremental transfer (it keeps serving), else 503.
read -r _request || true
state=$(mysql --connect-timeout=2 -N -B \
        -e "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'" 2>/dev/null | cut -f2)
# A full snapshot's donor (its SST script runs without --bypass) has writes blocked.
full_snapshot_donor() {
    pgrep -af "wsrep_sst_[a-z]+ .*--role '?donor" | grep -qv -e --bypass
}
if [ "$state" = "4" ]; then
    status="200 OK" body="Galera node is synced."
elif [ "$state" = "2" ] && ! full_snapshot_donor; then
    status="200 OK" body="Galera node is an incremental transfer's donor, still serving."
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
