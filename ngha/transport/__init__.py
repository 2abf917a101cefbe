"""How ngha reaches a node: locally, over OpenSSH, or into a lab node's namespaces."""

from ngha.transport.base import Result, Transport, TransportError
from ngha.transport.lab import LabTransport
from ngha.transport.local import LocalTransport
from ngha.transport.parallel import run_on_nodes
from ngha.transport.ssh import SSHTransport

__all__ = ["LabTransport", "LocalTransport", "Result", "SSHTransport", "Transport",
           "TransportError", "run_on_nodes"]
