"""Speed and size of the running system on a fresh 3-node lab with the OpenStack control
plane: the first apply until every service is healthy, a no-op apply, plan, status,
`lab check`, the memory of each node with everything running and the idle CPU of the
whole lab, and the migration legacy -> next-gen (ngha's way, and the design's original
disable-delete procedure for contrast).

Run as root: python bench/apply_bench.py
Prints numbers (targets in brackets); asserts nothing. Uses its own lab name and always
takes it down at the end.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ngha.lab.cgroups import CgroupLayout
from ngha.lab.session import Lab

NAME = "ngha-bench-apply"
MiB = 1024 * 1024


def ngha(*args: str, check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    exe = Path(sys.executable).parent / "ngha"
    started = time.monotonic()
    proc = subprocess.run([str(exe) if exe.exists() else "ngha", *args], capture_output=True,
                          text=True)
    if check and proc.returncode not in (0, 3):
        sys.exit(f"ngha {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return time.monotonic() - started, proc


def timed(*args: str, runs: int = 5) -> float:
    return statistics.median(ngha(*args)[0] for _ in range(runs))


def migration(deployment: str, to: str, method: str = "ngha") -> dict:
    _, proc = ngha("migrate", deployment, "--to", to, "--method", method, "--json",
                         check=False)
    report = json.loads(proc.stdout) if proc.stdout.strip() else {}
    if not report:  # say why, or the figures print as None
        report["error"] = f"exit {proc.returncode}: " + (proc.stderr.strip().splitlines()
                                                        or ["no output"])[-1]
    return report


def show_migration(label: str, r: dict) -> None:
    if "error" in r:
        print(f"{label:38} FAILED ({r['error']})")
        return
    print(f"{label:38} {r.get('seconds', 0):6.1f} s   failed requests {r.get('failed_requests')}"
          f" of {r.get('requests')}, PID changes {r.get('pid_changes')}, Pacemaker stops "
          f"{r.get('pacemaker_stops')} / starts {r.get('pacemaker_starts')}, lost writes "
          f"{r.get('lost_writes')}")


def lab_cpu_seconds(layout: CgroupLayout) -> float:
    """CPU time used by every process of the lab so far (cgroup v2 cpu.stat)."""
    for directory in layout.lab_dirs(NAME):
        stat = directory / "cpu.stat"
        if stat.exists():
            for line in stat.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
    return float("nan")


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("apply_bench needs root")
    ngha("lab", "down", "--name", NAME)
    try:
        _, up = ngha("lab", "up", "--name", NAME)
        deployment = up.stdout.strip().splitlines()[-1]
        first, _ = ngha("apply", deployment)
        print(f"first apply, fresh 3-node lab, until healthy: {first:6.1f} s   [< 300 s]")
        print(f"no-op apply (median of 5):                   {timed('apply', deployment):6.1f} s"
              "   [< 5 s]")
        print(f"plan (median of 5):                          {timed('plan', deployment):6.1f} s"
              "   [< 2 s]")
        print(f"status (median of 5):                        "
              f"{timed('status', deployment):6.2f} s   [< 1 s]")
        check, proc = ngha("lab", "check", "--name", NAME, "--json", check=False)
        rows = json.loads(proc.stdout) if proc.stdout.strip() else []
        print(f"lab check ({sum(r['ok'] for r in rows)} of {len(rows)} ok):"
              f"{'':19}{check:6.1f} s   [< 60 s]")
        layout = CgroupLayout.detect()
        total = 0.0
        for record in Lab.read(NAME).state.nodes:
            mem = layout.memory_usage(NAME, record.name)
            working = mem.working_set / MiB if mem else float("nan")
            total += working
            print(f"  {record.name} memory with everything running: {working:7.1f} MiB")
        print(f"  all 3 nodes: {total:7.1f} MiB   [< 9 GB = 8583 MiB]")
        time.sleep(60)  # what the checks started settles
        before, started = lab_cpu_seconds(layout), time.monotonic()
        time.sleep(60)
        busy = (lab_cpu_seconds(layout) - before) / (time.monotonic() - started)
        print(f"idle CPU of the whole lab over 60 s:         {busy * 100:6.0f} % of a core"
              "   [< 100 %]")
        show_migration("migrate next-gen -> legacy (ngha):", migration(deployment, "legacy"))
        show_migration("migrate legacy -> next-gen (ngha):", migration(deployment, "nextgen"))
        migration(deployment, "legacy")
        show_migration("legacy -> next-gen (disable-delete):",
                       migration(deployment, "nextgen", "disable-delete"))
    finally:
        ngha("lab", "down", "--name", NAME, check=False)


if __name__ == "__main__":
    main()
