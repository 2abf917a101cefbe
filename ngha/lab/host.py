"""Running host tools (ip, ssh-keygen, umount ...) and the root check."""

from __future__ import annotations

import os

from ngha.lab.errors import NotRootError
from ngha.transport.base import Result
from ngha.transport.local import LocalTransport

HOST = "this machine"  # how failures of host commands name where they ran
_LOCAL = LocalTransport()


def require_root() -> None:
    if os.geteuid() != 0:
        raise NotRootError(
            "ngha lab needs root (it creates namespaces, mounts and cgroups); "
            "run it with sudo"
        )


def run(argv: list[str], *, check: bool = True, input: str | None = None,
        timeout: float = 60) -> Result:
    """Run a host command; with check, a failure is one error naming it and its stderr."""
    return _LOCAL.run(HOST, argv, stdin=input, timeout=timeout, check=check)


def ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    argv = ["ip"] + (["-n", netns] if netns else []) + list(args)
    return run(argv, check=check).stdout
