"""One handle on a lab: open it by name (optionally under its lock), find its nodes,
enter them, save its description. Every lab command starts here.

    with Lab.locked("ngha-lab") as lab:       # commands that change the lab
        record = lab.node("ctl-1", running=True)
        ...
        lab.save()
    Lab.read("ngha-lab").transport().run("ctl-0", ["crm_mon", "-1"])   # read-only use
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from ngha.lab.cgroups import CgroupLayout
from ngha.lab.errors import LabError
from ngha.lab.layout import (CLIENT_NAME, DEFAULT_LAB_NAME, LabPaths, state_root,
                             validate_lab_name)
from ngha.lab.lock import lab_lock
from ngha.lab.node import is_alive
from ngha.lab.state import LabState, NodeRecord, load_state, save_state
from ngha.transport.lab import LabTransport
from ngha.transport.ssh import SSHTransport


def default_deployment() -> str:
    """The running default lab's deployment file (commands on a live cluster use it when
    no deployment is named)."""
    name = os.environ.get("NGHA_LAB_NAME", DEFAULT_LAB_NAME)
    return str(Lab.read(name).paths.deployment_file)


def lab_paths(name: str) -> LabPaths:
    return LabPaths(state_root(), validate_lab_name(name))


@dataclass
class Lab:
    paths: LabPaths
    state: LabState

    @classmethod
    def read(cls, name: str) -> "Lab":
        """The lab as last saved, without its lock (for reading and entering nodes)."""
        paths = lab_paths(name)
        return cls(paths, load_state(paths.state_file, name))

    @classmethod
    @contextmanager
    def locked(cls, name: str) -> Iterator["Lab"]:
        """The lab under its lock: one changing command at a time."""
        paths = lab_paths(name)
        with lab_lock(paths.dir):
            yield cls(paths, load_state(paths.state_file, name))

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def cgroups(self) -> CgroupLayout:
        return CgroupLayout.detect()

    def save(self) -> None:
        save_state(self.state, self.paths.state_file)

    def node(self, name: str, running: bool = False) -> NodeRecord:
        """The node's record; with running=True, only if its PID 1 is alive."""
        record = self.state.node(name)
        if running and not is_alive(record):
            raise LabError(f"node {name} of lab {self.name} is not running ({record.power})",
                           fix=f"start it with `ngha lab boot --name {self.name} {name}`")
        return record

    def enter_prefix(self, node: str) -> list[str]:
        """argv prefix that runs a command inside a node (all its namespaces) or in the
        client (its network namespace only)."""
        if node == CLIENT_NAME:
            return ["ip", "netns", "exec", self.state.client.netns]
        return ["nsenter", "-t", str(self.node(node, running=True).pid1), "-a", "--"]

    def transport(self, follow: bool = False) -> LabTransport:
        """Commands into nodes. follow=True re-reads the lab description on every call,
        so the transport keeps working across crash and boot of nodes."""
        if follow:
            name = self.name
            return LabTransport(lambda node: Lab.read(name).enter_prefix(node))
        return LabTransport(self.enter_prefix)

    def ssh_transport(self) -> SSHTransport:
        """OpenSSH into nodes with the lab's key and pinned host keys; the client runs in
        the lab's client namespace, the only place the lab network is reachable from."""
        return SSHTransport(config_file=self.paths.ssh_config,
                            via=["ip", "netns", "exec", self.state.client.netns])
