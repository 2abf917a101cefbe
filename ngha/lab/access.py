"""How other code reaches a lab: load its description, get a transport to its nodes.

    from ngha.lab.access import lab_transport, ssh_transport
    lab_transport("ngha-lab").run("ctl-0", ["crm_mon", "--output-as=xml"])
"""

from __future__ import annotations

from ngha.lab.errors import LabError
from ngha.lab.layout import CLIENT_NAME, LabPaths, state_root, validate_lab_name
from ngha.lab.node import is_alive
from ngha.lab.state import LabState, load_state
from ngha.transport.lab import LabTransport
from ngha.transport.ssh import SSHTransport


def lab_paths(name: str) -> LabPaths:
    return LabPaths(state_root(), validate_lab_name(name))


def load_lab(name: str) -> LabState:
    paths = lab_paths(name)
    return load_state(paths.state_file, name)


def enter_prefix(state: LabState, node: str) -> list[str]:
    """argv prefix that runs a command inside a node (all its namespaces) or the client."""
    if node == CLIENT_NAME:
        return ["ip", "netns", "exec", state.client.netns]
    record = state.node(node)
    if not is_alive(record):
        raise LabError(
            f"node {node} of lab {state.name} is not running ({record.status}); "
            f"start it with `ngha lab boot --name {state.name} {node}`"
        )
    return ["nsenter", "-t", str(record.pid1), "-a", "--"]


def transport_for_state(state: LabState) -> LabTransport:
    return LabTransport(lambda node: enter_prefix(state, node))


def lab_transport(name: str) -> LabTransport:
    """Reloads the lab description on each call, so it follows crash/boot of nodes."""
    return LabTransport(lambda node: enter_prefix(load_lab(name), node))


def ssh_transport(name: str) -> SSHTransport:
    """OpenSSH into lab nodes with the lab's key and pinned host keys; the client runs in
    the lab's client namespace, the only place the lab network is reachable from."""
    state = load_lab(name)
    paths = lab_paths(name)
    return SSHTransport(config_file=paths.ssh_config,
                        via=["ip", "netns", "exec", state.client.netns])
