"""Starting and killing one node: a PID namespace whose PID 1 becomes systemd."""

from __future__ import annotations

import time
from pathlib import Path

from ngha.lab import bootscript
from ngha.lab.cgroups import CgroupLayout
from ngha.lab.errors import LabError
from ngha.lab.layout import LabPaths
from ngha.lab.state import NodeRecord
from ngha.transport.process import sigkill, spawn_detached, wait_for


def proc_starttime(pid: int) -> int | None:
    """Start time of a live process; None once it is gone or only a zombie (a killed
    node's PID 1 waits as a zombie until the host's init reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def is_alive(record: NodeRecord) -> bool:
    return (record.pid1 is not None and record.pid1_start is not None
            and proc_starttime(record.pid1) == record.pid1_start)


def _ns_pid_chain(pid: int) -> list[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    except OSError:
        pass
    return []


def launch(paths: LabPaths, cgroups: CgroupLayout, lab: str, record: NodeRecord) -> None:
    """Start the node in the background; it outlives this process (setsid -f)."""
    node_dir = paths.node_dir(record.name)
    for d in (paths.upper(record.name), paths.work(record.name), paths.mountpoint(record.name)):
        d.mkdir(parents=True, exist_ok=True)
    console = paths.console_log(record.name)
    console.touch()
    cg_dirs = cgroups.create(lab, record.name)
    argv = ["setsid", "-f", "/bin/sh", "-c", bootscript.LAUNCH, "ngha-node-launch",
            record.netns, bootscript.BOOT, str(node_dir), record.name,
            *[str(d) for d in cg_dirs]]
    spawn_detached(argv, console)

def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def find_pid1(cgroups: CgroupLayout, lab: str, node: str, console: Path,
              timeout: float = 15.0) -> tuple[int, int]:
    """The host PID of the node's PID 1 (the process whose NSpid ends in 1), once it is
    systemd: a boot script that fails before its exec is reported here, not at quorum."""
    deadline = time.monotonic() + timeout
    seen_any = False
    while time.monotonic() < deadline:
        pids = cgroups.pids(lab, node)
        seen_any = seen_any or bool(pids)
        for pid in sorted(pids):
            chain = _ns_pid_chain(pid)
            if len(chain) >= 2 and chain[-1] == 1 and _comm(pid) == "systemd":
                start = proc_starttime(pid)
                if start is not None:
                    return pid, start
        if seen_any and not pids:
            break  # it started and died: the boot script failed
        time.sleep(0.02)
    tail = console.read_text(errors="replace").strip().splitlines()[-5:] if console.exists() else []
    raise LabError(f"node {node} did not start: " + (" | ".join(tail) or "no output")
                   + f" (see {console})")


def kill(cgroups: CgroupLayout, lab: str, record: NodeRecord, timeout: float = 10.0) -> None:
    """Power loss: SIGKILL to PID 1 makes the kernel kill its whole PID namespace; the
    cgroup sweep then catches the launcher processes around it."""
    cgroups.thaw(lab, record.name)  # a frozen task never handles SIGKILL
    if is_alive(record):
        sigkill(record.pid1)  # type: ignore[arg-type]
    survivors = cgroups.kill(lab, record.name, timeout=timeout)
    if survivors:
        raise LabError(f"node {record.name}: processes {sorted(survivors)} survived SIGKILL")
    wait_for(lambda: not is_alive(record), timeout, poll=0.02)
