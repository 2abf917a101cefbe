"""The lab description saved under the state directory (lab.json).

Other commands and the live-cluster layer read it (through ngha.lab.session) to find the
nodes: their addresses, the PID (host view) of each node's PID 1 and its network
namespace.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ngha.files import write_atomically
from ngha.lab.errors import LabError, LabNotFoundError, UnknownNodeError
from ngha.lab.layout import CLIENT_NAME

# The lab's corosync token: shorter than production's 10 s so failures show quickly.
DEFAULT_TOKEN_MS = 3000

# 2: NodeRecord.status became `power`; unused fields removed.
STATE_VERSION = 2

RUNNING = "running"
CRASHED = "crashed"
CREATED = "created"

MAIN_SIDE = "main"
CUT_SIDE = "cut"


@dataclass
class NodeRecord:
    name: str
    address: str
    netns: str
    pid1: int | None = None
    # /proc/<pid>/stat starttime of pid1: a recycled PID never matches it.
    pid1_start: int | None = None
    power: str = CREATED  # created, running or crashed: what ngha last did to it
    side: str = MAIN_SIDE
    frozen: bool = False


@dataclass
class ClientRecord:
    name: str
    address: str
    netns: str


@dataclass
class LabState:
    name: str
    subnet: str
    token_ms: int
    client: ClientRecord
    nodes: list[NodeRecord]
    vips: dict[str, str]
    # False until `up` finished: a lab found incomplete was left by an interrupted `up`.
    complete: bool = False
    version: int = STATE_VERSION
    # its deployment lists the OpenStack control plane (False: `lab up --core-only`)
    openstack: bool = True

    @property
    def prefixlen(self) -> int:
        return int(self.subnet.split("/")[1])

    @property
    def node_names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def node(self, name: str) -> NodeRecord:
        for n in self.nodes:
            if n.name == name:
                return n
        known = ", ".join(self.node_names + [CLIENT_NAME])
        raise UnknownNodeError(f"lab {self.name} has no node {name!r} (known: {known})")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LabState":
        if data.get("version") != STATE_VERSION:
            raise LabError(f"the lab was made by another version of ngha (state version "
                           f"{data.get('version')}, this ngha reads {STATE_VERSION})",
                           fix="take it down with `ngha lab down --name <lab>` (works from "
                               "any state) and bring it up again")
        data = dict(data)
        data["client"] = ClientRecord(**data["client"])
        data["nodes"] = [NodeRecord(**n) for n in data["nodes"]]
        return cls(**data)


def save_state(state: LabState, path: Path) -> None:
    """Write atomically: a reader (or a killed writer) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(state.to_dict(), indent=2, sort_keys=True) + "\n"
    write_atomically(path, text.encode(), mode=0o600)


def load_state(path: Path, name: str) -> LabState:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise LabNotFoundError(
            f"lab {name} is not up (no {path}); start it with `ngha lab up --name {name}`"
        ) from None
    except (OSError, ValueError) as exc:
        raise LabError(
            f"cannot read {path}: {exc}; clean up with `ngha lab down --name {name}`"
        ) from None
    try:
        return LabState.from_dict(data)
    except LabError as exc:
        raise LabError(exc.message, file=path,
                       fix=f"take it down with `ngha lab down --name {name}` (works from "
                           "any state) and bring it up again") from None
    except (KeyError, TypeError) as exc:
        raise LabError(
            f"{path} is not a lab description ({exc}); "
            f"clean up with `ngha lab down --name {name}`"
        ) from None


def try_load_state(path: Path, name: str) -> LabState | None:
    """For teardown, which must work from whatever is left."""
    try:
        return load_state(path, name)
    except LabError:
        return None
