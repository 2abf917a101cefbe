"""OpenSSH client transport: honours ~/.ssh/config (or a given -F file), checks host keys.

`via` is an argv prefix that places the ssh client where the nodes are reachable, e.g.
`ip netns exec <lab client netns>` for the lab; empty for real controllers.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Sequence

from ngha.transport.base import Transport
from ngha.transport.process import RawResult, run_process


class SSHTransport(Transport):
    def __init__(self, config_file: Path | None = None, via: Sequence[str] = (),
                 options: Sequence[str] = (), connect_timeout: int = 10):
        self.config_file = config_file
        self.via = tuple(via)
        # BatchMode: never stop at a password or host-key prompt; fail instead.
        self.options = ("-o", "BatchMode=yes", "-o", f"ConnectTimeout={connect_timeout}",
                        *options)

    def ssh_argv(self, node: str, argv: Sequence[str]) -> list[str]:
        config = ["-F", str(self.config_file)] if self.config_file else []
        # ssh hands the remote shell one string: quote every word so argv survives intact.
        return [*self.via, "ssh", *config, *self.options, "-T", "--", node, shlex.join(argv)]

    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        return run_process(self.ssh_argv(node, argv), stdin, timeout)
