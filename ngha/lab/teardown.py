"""Remove everything a lab made, from whatever is left of it.

Works without a state file (an `up` killed before writing it): processes are found
through the lab's cgroups and network namespaces, namespaces through their `ngha.<lab>.`
names. Nothing here depends on the nodes shutting down cleanly.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ngha.lab import host, network
from ngha.lab.cgroups import CgroupLayout
from ngha.lab.errors import LabError
from ngha.lab.layout import DEFAULT_STATE_ROOT, LabPaths
from ngha.lab.mounts import mounts_under
from ngha.lab.node import is_alive
from ngha.lab.state import try_load_state
from ngha.transport.process import kill_until_gone, sigkill, wait_for


@dataclass
class Leftovers:
    processes: set[int] = field(default_factory=set)
    netns: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    cgroups: list[Path] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.processes or self.netns or self.mounts or self.cgroups)

    def describe(self) -> str:
        parts = []
        if self.processes:
            parts.append(f"processes {sorted(self.processes)}")
        if self.netns:
            parts.append(f"network namespaces {self.netns}")
        if self.mounts:
            parts.append(f"mounts {self.mounts}")
        if self.cgroups:
            parts.append(f"cgroups {[str(c) for c in self.cgroups]}")
        return "; ".join(parts)


def pids_in_netns(netns_names: list[str]) -> set[int]:
    """Host processes whose network namespace is one of these (e.g. `lab exec` sessions)."""
    wanted = set()
    for name in netns_names:
        try:
            st = os.stat(network.NETNS_DIR / name)
            wanted.add((st.st_dev, st.st_ino))
        except OSError:
            continue
    if not wanted:
        return set()
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            st = os.stat(f"/proc/{entry}/ns/net")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in wanted:
            found.add(int(entry))
    return found


def lab_exists(paths: LabPaths, layout: CgroupLayout) -> bool:
    """Anything at all left by a lab of this name."""
    return (paths.state_file.exists() or bool(network.list_lab_netns(paths.name))
            or any(d.exists() for d in layout.lab_dirs(paths.name)))


def kill_processes(paths: LabPaths, layout: CgroupLayout, timeout: float = 10.0) -> set[int]:
    lab = paths.name
    state = try_load_state(paths.state_file, lab)
    layout.thaw(lab)
    pid1s = {r.pid1 for r in state.nodes if is_alive(r)} if state else set()
    # Listed before the first kill: processes that die with their PID namespace must be
    # waited for too.
    killed = layout.pids(lab) | pids_in_netns(network.list_lab_netns(lab)) | pid1s
    for pid in pid1s:
        sigkill(pid)  # type: ignore[arg-type]

    def remaining() -> set[int]:
        pids = layout.pids(lab) | pids_in_netns(network.list_lab_netns(lab))
        killed.update(pids)
        return pids

    survivors = kill_until_gone(remaining, timeout)
    wait_reaped(killed)
    return survivors


def teardown(paths: LabPaths, layout: CgroupLayout, remove_dir: bool = True) -> None:
    """Kill, unmount, delete namespaces and cgroups, delete state; raise if anything stays.

    remove_dir=False keeps the (emptied) state directory: `up` holds its lock on it."""
    lab = paths.name
    left = Leftovers()
    left.processes = kill_processes(paths, layout)
    # Node mounts live in the nodes' own mount namespaces and vanish with them; anything
    # mounted on the host under the state dir (by hand, while debugging) goes too.
    for target in sorted(mounts_under([str(paths.dir)]), key=len, reverse=True):
        host.run(["umount", "-l", target], check=False)
    left.netns = network.delete_all(lab)  # their /run/netns bind mounts go with them
    left.cgroups = layout.remove(lab)
    if paths.dir.exists():
        if remove_dir:
            shutil.rmtree(paths.dir, ignore_errors=True)
        else:
            for child in paths.dir.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
    network.release_netns_dir()
    if remove_dir:
        _remove_empty_state_root(paths.root)
    left.mounts = mounts_under([str(paths.dir)])
    if remove_dir and paths.dir.exists():
        left.mounts.append(f"{paths.dir} (could not be deleted)")
    if left:
        raise LabError(f"lab {lab} could not be fully removed: {left.describe()}")


def _remove_empty_state_root(root: Path) -> None:
    """Only when no other lab is left; /var/lib/ngha goes too if the lab created it empty."""
    parents = [root, root.parent] if root == DEFAULT_STATE_ROOT else [root]
    for directory in parents:
        try:
            directory.rmdir()
        except OSError:
            return


def wait_reaped(pids: set[int], timeout: float = 5.0) -> None:
    """Killed nodes are orphans reaped by the host's init; give it a moment so no zombie
    is left in `ps` when down returns."""
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") for p in pids), timeout)
