"""Run on this machine; the node name is only a label in results."""

from __future__ import annotations

from typing import Sequence

from ngha.transport.base import Transport
from ngha.transport.process import RawResult, run_process


class LocalTransport(Transport):
    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        return run_process(argv, stdin, timeout)
