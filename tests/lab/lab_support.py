"""Helpers for the lab tests. Tests that boot nodes are marked `lab` and need root.

`leftovers` looks for what a lab could leave on the host independently of ngha's code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_MISSING = ("boots namespaces, mounts and cgroups: needs root" if os.geteuid() != 0 else
            "pacemaker/corosync not installed: run `sudo ngha lab prepare`"
            if shutil.which("pacemakerd") is None or shutil.which("corosync") is None else None)
# A developer without root may skip the lab; CI may not: there a missing lab fails the
# run at collection instead of passing it with the lab quietly skipped.
if _MISSING and os.environ.get("CI"):
    pytest.fail(f"lab tests cannot run in CI: {_MISSING}", pytrace=False)
LAB = [pytest.mark.lab, pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")]
# Never the default name: a developer's own lab must survive the tests.
SHARED_LAB = "ngha-test"


def ngha_executable() -> str:
    beside = Path(sys.executable).parent / "ngha"
    return str(beside) if beside.exists() else (shutil.which("ngha") or "ngha")


def ngha(*args: str, check: bool = True, timeout: float = 300,
         env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([ngha_executable(), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"ngha {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def leftovers(lab: str, state_dir: Path) -> list[str]:
    found = []
    prefix = f"ngha.{lab}."
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    found += [f"netns {line.split()[0]}" for line in netns.splitlines() if line.startswith(prefix)]
    with open("/proc/mounts") as f:
        for line in f:
            target = line.split()[1]
            if _names(target, str(state_dir)) or prefix in target:
                found.append(f"mount {target}")
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    for line in links.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        if name.startswith(("p-ctl-", "p-client", "br-main", "br-cut")):
            found.append(f"host link {name}")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cgroups = Path(f"/proc/{pid}/cgroup").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"/ngha/{lab}/" in cgroups or _names(cmdline, str(state_dir)) or prefix in cmdline:
            found.append(f"process {pid} {cmdline[:80]}")
    cgroup_fs = Path("/sys/fs/cgroup")
    for root in [cgroup_fs, *cgroup_fs.iterdir()]:
        if (root / "ngha" / lab).exists():
            found.append(f"cgroup {root / 'ngha' / lab}")
    if state_dir.exists():
        found.append(f"state dir {state_dir}")
    return found


def _names(text: str, path: str) -> bool:
    """`path` appears in text as itself, not as the start of a longer name (the state
    directory of lab `x` is a prefix of lab `x-other`'s)."""
    return re.search(re.escape(path) + r"(/|\s|$)", text) is not None
