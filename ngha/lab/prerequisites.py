"""Checks made before a lab is built, so failures are one clear line, not a half lab."""

from __future__ import annotations

import shutil
from pathlib import Path

from ngha.lab.cgroups import CgroupLayout
from ngha.lab.errors import LabError
from ngha.lab.host import require_root
from ngha.lab.mounts import filesystem_type

# Host tools the lab drives, and node-side binaries it relies on (nodes run host binaries).
REQUIRED_TOOLS = ("ip", "nsenter", "unshare", "setsid", "pivot_root", "ssh", "ssh-keygen",
                  "corosync", "pacemakerd", "crm_mon", "pcs")
SYSTEMD = Path("/lib/systemd/systemd")
SSHD = Path("/usr/sbin/sshd")


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
