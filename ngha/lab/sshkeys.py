"""SSH material of a lab: the client key, per-node host keys, known_hosts and ssh_config.

Every node gets its own host key (the host's keys would otherwise be shared through the
overlay's lower layer); the keys are pinned in the lab's known_hosts, so the ssh
transport is exercised with host-key checking on, as against real controllers.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ngha.lab import host


@dataclass(frozen=True)
class KeyPair:
    private: str
    public: str


def generate_keypair(comment: str) -> KeyPair:
    with tempfile.TemporaryDirectory(prefix="ngha-key-") as tmp:
        path = Path(tmp) / "key"
        host.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
        return KeyPair(private=path.read_text(), public=path.with_suffix(".pub").read_text())


def ensure_client_key(path: Path, lab: str) -> KeyPair:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        pair = generate_keypair(f"ngha-lab-{lab}")
        path.write_text(pair.private)
        path.chmod(0o600)
        Path(f"{path}.pub").write_text(pair.public)
    return KeyPair(private=path.read_text(), public=Path(f"{path}.pub").read_text())


def render_known_hosts(entries: Sequence[tuple[str, str, str]]) -> str:
    """entries: (name, address, public host key line)."""
    lines = []
    for name, address, pub in entries:
        key_type, key = pub.split()[:2]
        lines.append(f"{name},{address} {key_type} {key}")
    return "\n".join(lines) + "\n"


def render_ssh_config(nodes: Sequence[tuple[str, str]], identity: Path,
                      known_hosts: Path) -> str:
    blocks = [f"Host {name}\n    HostName {address}\n" for name, address in nodes]
    common = (
        "Host *\n"
        "    User root\n"
        f"    IdentityFile {identity}\n"
        "    IdentitiesOnly yes\n"
        f"    UserKnownHostsFile {known_hosts}\n"
        "    GlobalKnownHostsFile /dev/null\n"
        "    StrictHostKeyChecking yes\n"
        "    BatchMode yes\n"
        "    ConnectTimeout 10\n"
        "    ServerAliveInterval 5\n"
        "    LogLevel ERROR\n"
    )
    header = ("# Written by `ngha lab up`. The lab network is only reachable from the lab's\n"
              "# client namespace: ip netns exec <client netns> ssh -F <this file> ctl-0\n")
    return header + "".join(blocks) + common


SSHD_DROP_IN = (
    "# Written by `ngha lab up`: the node's own host key only, keys only.\n"
    "HostKey /etc/ssh/ssh_host_ed25519_key\n"
    "PermitRootLogin prohibit-password\n"
    "PasswordAuthentication no\n"
    "KbdInteractiveAuthentication no\n"
    "UseDNS no\n"
)
