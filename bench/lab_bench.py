"""Lab speed and size: time from `ngha lab up` to quorum, `lab down`, idle node memory.

Run as root: python bench/lab_bench.py [--nodes 3] [--settle 30]
Prints numbers only (targets in brackets); it asserts nothing. Uses its own lab name, so
a running developer lab is left alone, and always takes its lab down at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from ngha.lab import cluster, lifecycle
from ngha.lab.session import Lab
from ngha.lab.cgroups import CgroupLayout

NAME = "ngha-bench"
MiB = 1024 * 1024


def ngha(*args: str) -> float:
    exe = Path(sys.executable).parent / "ngha"
    started = time.monotonic()
    subprocess.run([str(exe) if exe.exists() else "ngha", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def pss_of_pid_namespace(pid1: int) -> int:
    """Sum of PSS (shared pages split between their users) over the node's processes."""
    ns = os.stat(f"/proc/{pid1}/ns/pid").st_ino
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}/ns/pid").st_ino != ns:
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--settle", type=float, default=30.0,
                        help="idle seconds before memory is read")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("lab_bench needs root")
    ngha("lab", "down", "--name", NAME)
    try:
        started = time.monotonic()
        result = lifecycle.up(NAME, nodes=args.nodes)
        total = time.monotonic() - started
        nodes = result.state.node_names
        print(f"lab up -> all {args.nodes} nodes online with quorum: "
              f"{result.seconds_to_quorum:6.1f} s   [< 60 s]  (whole command: {total:.1f} s)")

        time.sleep(args.settle)
        layout = CgroupLayout.detect()
        state = Lab.read(NAME).state
        transport = Lab.read(NAME).transport(follow=True)
        dc = cluster.read_views(transport, nodes[:1])[nodes[0]]
        print(f"idle node memory after {args.settle:.0f} s, MiB (150 MB = 143 MiB) [< 150 MB]")
        print(f"  {'node':9} {'cgroup':>7} {'working set':>12} {'anon+shm':>9} {'PSS sum':>8}")
        for record in state.nodes:
            mem = layout.memory_usage(NAME, record.name)
            pss = pss_of_pid_namespace(record.pid1)  # type: ignore[arg-type]
            label = record.name + (" DC" if dc is not None and dc.dc == record.name else "")
            if mem is None:
                print(f"  {label:9} (cgroup memory not readable)  PSS {pss / MiB:.1f}")
                continue
            print(f"  {label:9} {mem.total / MiB:7.1f} {mem.working_set / MiB:12.1f} "
                  f"{mem.anon / MiB:9.1f} {pss / MiB:8.1f}")

        # Crash and boot are timed from the fault itself (no CLI start-up), polled at 0.25 s.
        victim, survivors = nodes[-1], nodes[:-1]
        lifecycle.crash(NAME, victim)
        started = time.monotonic()
        cluster.wait_until(transport, survivors, lambda m: victim not in m.online,
                           timeout=60, what="crash detection", interval=0.25)
        print(f"crash {victim} -> survivors see it offline: {time.monotonic() - started:6.1f} s")
        started = time.monotonic()
        lifecycle.boot(NAME, victim, wait=False)
        cluster.wait_until(Lab.read(NAME).transport(follow=True), nodes, lambda m: victim in m.online,
                           timeout=120, what="rejoin", interval=0.25)
        print(f"boot {victim} -> back online everywhere:    {time.monotonic() - started:6.1f} s")
    finally:
        down = ngha("lab", "down", "--name", NAME)
        print(f"lab down:                                   {down:6.1f} s   [< 10 s]")


if __name__ == "__main__":
    main()
