"""Running host tools (ip, ssh-keygen, ...) with argv lists, and the root check."""

from __future__ import annotations

import os
import subprocess
from typing import Sequence

from ngha.lab.errors import LabError, NotRootError


def require_root() -> None:
    if os.geteuid() != 0:
        raise NotRootError(
            "ngha lab needs root (it creates namespaces, mounts and cgroups); "
            "run it with sudo"
        )


def run(
    argv: Sequence[str],
    *,
    check: bool = True,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run a host command; a failure becomes a LabError naming the command and its stderr."""
    try:
        proc = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=timeout
        )
    except FileNotFoundError:
        raise LabError(
            f"{argv[0]} is not installed; run `ngha lab prepare` first"
        ) from None
    except subprocess.TimeoutExpired:
        raise LabError(f"`{' '.join(argv)}` did not finish within {timeout:.0f} s") from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise LabError(
            f"`{' '.join(argv)}` failed (exit {proc.returncode}): "
            f"{detail[-1] if detail else 'no output'}"
        )
    return proc


def is_mountpoint(path: str) -> bool:
    """From the mount table: os.path.ismount misses bind mounts within one filesystem."""
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == path for line in f)


def ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    argv = ["ip"] + (["-n", netns] if netns else []) + list(args)
    return run(argv, check=check).stdout
