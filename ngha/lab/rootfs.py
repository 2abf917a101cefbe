"""A node's disk: the overlay upper directory, seeded before the node first boots.

Files are written straight into the upper directory while no overlay uses it (overlayfs
allows offline changes to the upper layer). A directory created there copies the mode and
owner of the host directory it shadows, so the merged view looks like the host's.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HOST_ROOT = Path("/")
SYSTEMD_ETC = PurePosixPath("/etc/systemd/system")

# Host units a node keeps enabled: the cluster stack and sshd (for the ssh transport).
KEEP_ENABLED = frozenset({"corosync.service", "pacemaker.service", "ssh.service",
                          "remote-fs.target"})
# Target .wants directories whose host-enabled units are disabled in nodes: whatever the
# host packages enabled (mariadb, rabbitmq-server, redis, haproxy, pcsd, apt timers ...)
# must not start on every node; Pacemaker or `ngha apply` decide that later.
DISABLE_FROM = ("multi-user.target.wants", "graphical.target.wants",
                "timers.target.wants", "sockets.target.wants", "getty.target.wants")
# Units that cannot work in a node (no console device, no real disks).
MASK = ("console-getty.service", "systemd-networkd-wait-online.service",
        "networking.service", "ifupdown-wait-online.service")


@dataclass(frozen=True)
class UpperDir:
    path: Path
    host_root: Path = HOST_ROOT

    def _target(self, abs_path: str) -> Path:
        rel = PurePosixPath(abs_path).relative_to("/")
        return self.path / rel

    def ensure_dir(self, abs_path: str, mode: int = 0o755) -> Path:
        """Create the directory (and parents) in the upper layer, mirroring host metadata."""
        rel = PurePosixPath(abs_path).relative_to("/")
        current = self.path
        for part in rel.parts:
            current = current / part
            if current.is_dir():
                continue
            host_dir = self.host_root / current.relative_to(self.path)
            try:
                st = host_dir.stat()
                d_mode, uid, gid = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid
            except FileNotFoundError:
                d_mode, uid, gid = mode, 0, 0
            current.mkdir()
            os.chown(current, uid, gid)
            os.chmod(current, d_mode)
        return current

    def write(self, abs_path: str, content: str | bytes, mode: int = 0o644,
              uid: int = 0, gid: int = 0) -> Path:
        target = self._target(abs_path)
        self.ensure_dir(str(PurePosixPath(abs_path).parent))
        data = content.encode() if isinstance(content, str) else content
        target.unlink(missing_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chown(target, uid, gid)
        os.chmod(target, mode)
        return target

    def symlink(self, abs_path: str, points_to: str) -> None:
        target = self._target(abs_path)
        self.ensure_dir(str(PurePosixPath(abs_path).parent))
        target.unlink(missing_ok=True)
        os.symlink(points_to, target)

    def whiteout(self, abs_path: str) -> None:
        """Hide a host file in the node: overlayfs' whiteout is a 0:0 character device."""
        target = self._target(abs_path)
        self.ensure_dir(str(PurePosixPath(abs_path).parent))
        target.unlink(missing_ok=True)
        os.mknod(target, stat.S_IFCHR | 0o000, os.makedev(0, 0))


    def opaque_dir(self, abs_path: str, mode: int = 0o700) -> None:
        """A directory whose host content does not show through in the node."""
        target = self.ensure_dir(abs_path, mode=mode)
        os.setxattr(target, "trusted.overlay.opaque", b"y")


def units_to_disable(host_root: Path = HOST_ROOT) -> list[str]:
    """Paths (absolute, node view) of the host's enablement symlinks to hide in a node."""
    found = []
    for wants in DISABLE_FROM:
        directory = host_root / SYSTEMD_ETC.relative_to("/") / wants
        if not directory.is_dir():
            continue
        for entry in sorted(directory.iterdir()):
            if entry.name not in KEEP_ENABLED:
                found.append(str(SYSTEMD_ETC / wants / entry.name))
    return found


def seed_units(upper: UpperDir) -> None:
    for link in units_to_disable(upper.host_root):
        upper.whiteout(link)
    for unit in MASK:
        upper.symlink(str(SYSTEMD_ETC / unit), "/dev/null")


def render_hosts(entries: list[tuple[str, str]]) -> str:
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
    lines += [f"{address} {name}" for name, address in entries]
    return "\n".join(lines) + "\n"
