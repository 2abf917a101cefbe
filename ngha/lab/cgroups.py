"""One cgroup per node, in every hierarchy the lab uses, under `ngha/<lab>/<node>`.

The unified (cgroup2) directory becomes the root of the node's cgroup namespace, so the
systemd inside manages its own subtree and never sees the host's. Memory is read and the
node frozen through whatever this host offers: cgroup v2 files on a pure v2 host, the v1
memory and freezer hierarchies on a hybrid one (Debian hosts without systemd often are).
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ngha.lab.errors import LabError
from ngha.lab.mounts import read_mounts
from ngha.transport.process import kill_until_gone, wait_for


@dataclass(frozen=True)
class MemoryUsage:
    total: int        # everything charged to the node, page cache included
    anon: int         # process memory (heap, stacks) plus tmpfs/shm
    working_set: int  # total minus inactive file cache: what the node really holds


@dataclass(frozen=True)
class CgroupLayout:
    unified: Path           # cgroup2 mount
    memory_v1: Path | None   # v1 memory mount; None when memory is read from unified
    freezer_v1: Path | None  # v1 freezer mount; None when cgroup.freeze is used
    pure_v2: bool

    @classmethod
    def detect(cls, mountinfo: str | None = None) -> "CgroupLayout":
        unified = memory = freezer = None
        for mount in read_mounts(mountinfo):
            if mount.fstype == "cgroup2" and unified is None:
                unified = Path(mount.mountpoint)
            elif mount.fstype == "cgroup":
                if "memory" in mount.options:
                    memory = Path(mount.mountpoint)
                if "freezer" in mount.options:
                    freezer = Path(mount.mountpoint)
        if unified is None:
            raise LabError("the lab needs a cgroup2 (unified) mount; none found in mountinfo")
        pure = memory is None and freezer is None
        return cls(unified=unified, memory_v1=memory, freezer_v1=freezer, pure_v2=pure)

    def _roots(self) -> list[Path]:
        return [p for p in (self.unified, self.memory_v1, self.freezer_v1) if p is not None]

    def lab_dirs(self, lab: str) -> list[Path]:
        return [root / "ngha" / lab for root in self._roots()]

    def node_dirs(self, lab: str, node: str) -> list[Path]:
        return [d / node for d in self.lab_dirs(lab)]

    def _memory_dir(self, lab: str, node: str) -> Path:
        return (self.memory_v1 or self.unified) / "ngha" / lab / node

    # --- lifecycle ---------------------------------------------------------------

    def create(self, lab: str, node: str) -> list[Path]:
        if self.pure_v2:
            # Controllers must be enabled on every ancestor for memory.current to exist.
            for parent in (self.unified / "ngha", self.unified / "ngha" / lab):
                parent.mkdir(exist_ok=True)
                _try_write(parent / "cgroup.subtree_control", "+memory +pids")
        dirs = self.node_dirs(lab, node)
        for d in dirs:
            d.mkdir(parents=True, exist_ok=True)
        return dirs

    def pids(self, lab: str, node: str | None = None) -> set[int]:
        """Every process in the node's (or the whole lab's) cgroups, recursively."""
        tops = self.lab_dirs(lab) if node is None else self.node_dirs(lab, node)
        found: set[int] = set()
        for top in tops:
            for cg in _walk(top):
                found.update(_read_pids(cg / "cgroup.procs"))
        return found

    def kill(self, lab: str, node: str | None = None, timeout: float = 10.0) -> set[int]:
        """SIGKILL until the cgroups are empty; returns what survived the timeout."""
        self.thaw(lab, node)
        return kill_until_gone(lambda: self.pids(lab, node), timeout)

    def remove(self, lab: str, node: str | None = None) -> list[Path]:
        """rmdir bottom-up; returns directories that could not be removed."""
        tops = self.lab_dirs(lab) if node is None else self.node_dirs(lab, node)
        stuck = []
        for top in tops:
            for cg in sorted(_walk(top), key=lambda p: len(p.parts), reverse=True):
                if not _rmdir_retry(cg):
                    stuck.append(cg)
        if node is None:
            for root in self._roots():
                _rmdir_quiet(root / "ngha")  # shared by all labs: only goes when empty
        return stuck

    # --- freeze ------------------------------------------------------------------

    def freeze(self, lab: str, node: str, timeout: float = 10.0) -> None:
        if self.freezer_v1 is not None:
            state = self.freezer_v1 / "ngha" / lab / node / "freezer.state"
            state.write_text("FROZEN")
            _wait_for(lambda: state.read_text().strip() == "FROZEN", timeout, f"freeze {node}")
        else:
            cg = self.unified / "ngha" / lab / node
            (cg / "cgroup.freeze").write_text("1")
            _wait_for(lambda: "frozen 1" in (cg / "cgroup.events").read_text(),
                      timeout, f"freeze {node}")

    def thaw(self, lab: str, node: str | None = None) -> None:
        nodes = [node] if node else sorted(
            {d.name for top in self.lab_dirs(lab) for d in _children(top)})
        for n in nodes:
            if self.freezer_v1 is not None:
                _try_write(self.freezer_v1 / "ngha" / lab / n / "freezer.state", "THAWED")
            else:
                _try_write(self.unified / "ngha" / lab / n / "cgroup.freeze", "0")

    def is_frozen(self, lab: str, node: str) -> bool:
        try:
            if self.freezer_v1 is not None:
                path = self.freezer_v1 / "ngha" / lab / node / "freezer.state"
                return path.read_text().strip() != "THAWED"
            return (self.unified / "ngha" / lab / node / "cgroup.freeze").read_text().strip() == "1"
        except OSError:
            return False

    # --- memory ------------------------------------------------------------------

    def memory_usage(self, lab: str, node: str) -> MemoryUsage | None:
        cg = self._memory_dir(lab, node)
        try:
            stat = _read_stat(cg / "memory.stat")
            if self.memory_v1 is not None:
                total = int((cg / "memory.usage_in_bytes").read_text())
                anon = stat.get("total_rss", stat.get("rss", 0)) + stat.get(
                    "total_shmem", stat.get("shmem", 0))
                inactive = stat.get("total_inactive_file", stat.get("inactive_file", 0))
            else:
                total = int((cg / "memory.current").read_text())
                anon = stat.get("anon", 0) + stat.get("shmem", 0)
                inactive = stat.get("inactive_file", 0)
        except (OSError, ValueError):
            return None
        return MemoryUsage(total=total, anon=anon, working_set=max(total - inactive, 0))


def _walk(top: Path) -> Iterable[Path]:
    if not top.is_dir():
        return []
    return [Path(dirpath) for dirpath, _, _ in os.walk(top)]


def _children(top: Path) -> list[Path]:
    try:
        return [p for p in top.iterdir() if p.is_dir()]
    except OSError:
        return []


def _read_pids(path: Path) -> set[int]:
    try:
        return {int(x) for x in path.read_text().split() if int(x) > 0}
    except (OSError, ValueError):
        return set()


def _read_stat(path: Path) -> dict[str, int]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def _try_write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError:
        pass


def _rmdir_quiet(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _rmdir_retry(path: Path, timeout: float = 5.0) -> bool:
    # A cgroup stays busy for a moment after its last task exits (zombies being reaped).
    deadline = time.monotonic() + timeout
    while True:
        try:
            path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def _wait_for(predicate, timeout: float, what: str) -> None:
    if not wait_for(predicate, timeout):
        raise LabError(f"could not {what} within {timeout:.0f} s")
