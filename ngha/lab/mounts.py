"""The mount table, read once and decoded once (/proc/self/mountinfo escapes spaces,
tabs, newlines and backslashes in paths as octal: \\040 \\011 \\012 \\134)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    mountpoint: str
    fstype: str
    options: tuple[str, ...]  # per-superblock options (e.g. cgroup controllers)


def decode(field: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        pre, _, post = line.partition(" - ")
        fields, tail = pre.split(), post.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        mounts.append(Mount(decode(fields[4]), tail[0], tuple(tail[2].split(","))))
    return mounts


def read_mounts(mountinfo: str | None = None) -> list[Mount]:
    return parse_mountinfo(MOUNTINFO.read_text() if mountinfo is None else mountinfo)


def is_mountpoint(path: str) -> bool:
    """From the mount table: os.path.ismount misses bind mounts within one filesystem."""
    return any(m.mountpoint == path for m in read_mounts())


def mounts_under(prefixes: list[str]) -> list[str]:
    return [m.mountpoint for m in read_mounts()
            if any(m.mountpoint == p or m.mountpoint.startswith(p.rstrip("/") + "/")
                   for p in prefixes)]


def filesystem_type(path: Path, mountinfo: str | None = None) -> str:
    """Type of the filesystem holding path (longest mount-point prefix)."""
    resolved = str(path.resolve())
    best, best_type = "", "unknown"
    for mount in read_mounts(mountinfo):
        point = mount.mountpoint
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, mount.fstype
    return best_type
