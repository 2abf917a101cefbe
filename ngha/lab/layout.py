"""Where a lab keeps its files and how its namespaces are named.

Everything a lab owns on the host is either under its state directory or carries the
`ngha.<lab>.` prefix (network namespaces) or lives under `ngha/<lab>` in the cgroup trees,
so `lab down` can find all of it even when the state file was never written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ngha.lab.errors import LabRefused

DEFAULT_LAB_NAME = "ngha-lab"
DEFAULT_STATE_ROOT = Path("/var/lib/ngha/lab")
CLIENT_NAME = "client"

# Lab and node names end up in netns names, interface names (15 chars max, "p-" prefix)
# and overlay mount options (no commas or colons), hence the narrow alphabet.
_LAB_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


SHARED_MOUNT = "/srv/ngha-lab-shared"


def state_root() -> Path:
    return Path(os.environ.get("NGHA_LAB_STATE_ROOT", DEFAULT_STATE_ROOT))


def validate_lab_name(name: str) -> str:
    if not _LAB_NAME.match(name) or name.endswith("-"):
        raise LabRefused(
            f"invalid lab name {name!r}: use 1-31 characters a-z, 0-9 and '-', "
            "starting with a letter (e.g. ngha-lab)"
        )
    return name


def node_name(index: int) -> str:
    return f"ctl-{index}"


@dataclass(frozen=True)
class LabPaths:
    """Files of one lab under its state directory."""

    root: Path
    name: str

    @property
    def dir(self) -> Path:
        return self.root / self.name

    @property
    def state_file(self) -> Path:
        return self.dir / "lab.json"

    @property
    def deployment_file(self) -> Path:
        return self.dir / "deployment.yaml"

    @property
    def secrets_dir(self) -> Path:
        return self.dir / "secrets"

    @property
    def ssh_dir(self) -> Path:
        return self.dir / "ssh"

    @property
    def ssh_config(self) -> Path:
        return self.ssh_dir / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    @property
    def client_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def fence_key(self) -> Path:
        """The lab's fencing key (root only); each node holds a copy for its agent."""
        return self.dir / "fence.key"

    @property
    def fence_log(self) -> Path:
        return self.dir / "fenced.log"

    def node_dir(self, node: str) -> Path:
        return self.dir / "nodes" / node

    @property
    def openrc(self) -> Path:
        """The admin's OpenStack CLI settings for the lab's client (root only: it holds
        Keystone's admin password)."""
        return self.dir / "openrc"

    @property
    def shared(self) -> Path:
        """Mounted at SHARED_MOUNT in every node (the boot script finds it next to the
        nodes' directories): what NFS would be between real controllers."""
        return self.dir / "shared"

    def upper(self, node: str) -> Path:
        """The node's disk: survives crash + boot, removed by down."""
        return self.node_dir(node) / "upper"

    def work(self, node: str) -> Path:
        return self.node_dir(node) / "work"

    def mountpoint(self, node: str) -> Path:
        return self.node_dir(node) / "root"

    def console_log(self, node: str) -> Path:
        return self.node_dir(node) / "console.log"


@dataclass(frozen=True)
class NetnsNames:
    """Network namespace names of one lab; the '.' cannot occur in lab or node names."""

    lab: str

    @property
    def prefix(self) -> str:
        return f"ngha.{self.lab}."

    @property
    def fabric(self) -> str:
        """Holds the bridges; nothing in it is routed anywhere."""
        return f"{self.prefix}net"

    @property
    def client(self) -> str:
        return f"{self.prefix}{CLIENT_NAME}"

    def node(self, node: str) -> str:
        return f"{self.prefix}{node}"

    def fence(self, side: str) -> str:
        """The fence daemon listens in one namespace per bridge (side)."""
        return f"{self.prefix}fence-{side}"
