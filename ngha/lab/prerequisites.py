"""Checks made before a lab is built, so failures are one clear line, not a half lab."""

from __future__ import annotations

import shutil
from pathlib import Path

from ngha.lab.cgroups import CgroupLayout
from ngha.lab.errors import LabError
from ngha.lab.host import require_root

# Host tools the lab drives, and node-side binaries it relies on (nodes run host binaries).
REQUIRED_TOOLS = ("ip", "nsenter", "unshare", "setsid", "pivot_root", "ssh", "ssh-keygen",
                  "corosync", "pacemakerd", "crm_mon", "pcs")
SYSTEMD = Path("/lib/systemd/systemd")
SSHD = Path("/usr/sbin/sshd")


def filesystem_type(path: Path, mountinfo: str | None = None) -> str:
    """Type of the filesystem holding path (longest mount-point prefix in mountinfo)."""
    text = Path("/proc/self/mountinfo").read_text() if mountinfo is None else mountinfo
    resolved = str(path.resolve())
    best, best_type = "", "unknown"
    for line in text.splitlines():
        pre, _, post = line.partition(" - ")
        fields = pre.split()
        if len(fields) < 5 or not post:
            continue
        mountpoint = fields[4].replace("\\040", " ")
        inside = resolved == mountpoint or resolved.startswith(mountpoint.rstrip("/") + "/")
        if inside and len(mountpoint) >= len(best):
            best, best_type = mountpoint, post.split()[0]
    return best_type


def check_prerequisites(state_root: Path) -> CgroupLayout:
    require_root()
    missing = [t for t in REQUIRED_TOOLS if shutil.which(t) is None]
    missing += [str(p) for p in (SYSTEMD, SSHD) if not p.exists()]
    if missing:
        raise LabError(f"missing on this host: {', '.join(missing)}; run `ngha lab prepare`")
    state_root.mkdir(parents=True, exist_ok=True)
    fstype = filesystem_type(state_root)
    # Node disks are overlay upper directories, which overlayfs refuses on overlayfs.
    if fstype == "overlay":
        raise LabError(
            f"{state_root} is on overlayfs, which cannot hold overlay upper directories; "
            "set NGHA_LAB_STATE_ROOT to a directory on ext4/xfs/btrfs"
        )
    return CgroupLayout.detect()
