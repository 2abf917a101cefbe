"""From a deployment to a LiveCluster: its `target` says how nodes are reached.

- lab:   the built-in lab of the same name (its cluster name), entered with nsenter;
- ssh:   OpenSSH as configured for the user (~/.ssh/config): each node by its name;
- local: this machine is the node (a single-node deployment, or ngha run on a node).
"""

from __future__ import annotations

import socket

from ngha.lab.session import Lab
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterUnreachable
from ngha.model.deployment import Deployment
from ngha.transport.base import Transport
from ngha.transport.local import LocalTransport
from ngha.transport.process import RawResult
from ngha.transport.ssh import SSHTransport


class ThisMachineOnly(Transport):
    """`target: local` reaches the node that is this machine; any other node is
    unreachable (one clear error rather than commands run on the wrong host)."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        self.local = LocalTransport()

    def _exec(self, node, argv, stdin, timeout) -> RawResult:
        if node != self.hostname:
            raise ClusterUnreachable(f"{node}: target 'local' reaches only this machine "
                                     f"({self.hostname})",
                                     fix="use target: ssh to manage the other nodes")
        return self.local._exec(node, argv, stdin, timeout)


def connect(deployment: Deployment) -> LiveCluster:
    nodes = tuple(n.name for n in deployment.nodes)
    if deployment.target == "lab":
        transport: Transport = Lab.read(deployment.cluster).transport(follow=True)
    elif deployment.target == "local":
        transport = ThisMachineOnly(socket.gethostname().split(".")[0])
    else:
        transport = SSHTransport()
    return LiveCluster(name=deployment.cluster, nodes=nodes, transport=transport)
