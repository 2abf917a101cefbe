"""Seed a node's disk before its first boot: identity, cluster config, ssh, units."""

from __future__ import annotations

import secrets
from pathlib import Path

from ngha.lab import fencing
from ngha.lab.deployment import lab_corosync_settings
from ngha.render.corosync import render_corosync_conf
from ngha.lab.rootfs import UpperDir, render_hosts, seed_units
from ngha.lab.sshkeys import SSHD_DROP_IN, KeyPair
from ngha.lab.state import LabState, NodeRecord


def provision_node(upper_path: Path, state_root: Path, state: LabState, record: NodeRecord,
                   host_key: KeyPair, client_key: KeyPair, fence_key: str) -> None:
    upper_path.mkdir(parents=True, exist_ok=True)
    upper = UpperDir(upper_path)
    entries = [(n.name, n.address) for n in state.nodes]
    entries.append((state.client.name, state.client.address))
    upper.write("/etc/hostname", record.name + "\n")
    upper.write("/etc/hosts", render_hosts(entries))
    # systemd would otherwise reuse the host's machine-id in every node (same journal
    # directory, same D-Bus machine id).
    upper.write("/etc/machine-id", secrets.token_hex(16) + "\n", mode=0o444)
    # The host's fstab names host disks; a node has none.
    upper.write("/etc/fstab", "# ngha lab node: no local filesystems\n")
    upper.write("/etc/corosync/corosync.conf", render_corosync_conf(lab_corosync_settings(state)))
    upper.write("/etc/ssh/ssh_host_ed25519_key", host_key.private, mode=0o600)
    upper.write("/etc/ssh/ssh_host_ed25519_key.pub", host_key.public)
    upper.write("/etc/ssh/sshd_config.d/ngha-lab.conf", SSHD_DROP_IN)
    # The lower layer is the host's whole filesystem: keep the host's own ssh keys and
    # every lab's state (secrets, the lab's client key) out of sight in the node.
    upper.opaque_dir("/root/.ssh", mode=0o700)
    upper.write("/root/.ssh/authorized_keys", client_key.public, mode=0o600)
    upper.whiteout(str(state_root))
    # Fencing as production has it: the agent Pacemaker runs, and the lab's key it proves
    # itself with to the fence daemon (the node's only way to ask the host for anything).
    upper.write(fencing.AGENT_PATH, fencing.agent_source(), mode=0o755)
    upper.write(fencing.NODE_KEY_FILE, fence_key, mode=0o600)
    seed_units(upper)
