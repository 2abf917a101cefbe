"""Enter a lab node's namespaces with nsenter (or the client's network with ip netns).

The transport knows nothing about how a lab is laid out: it asks `resolve(node)` for the
argv prefix that enters the node, so a node rebooted since the transport was made (new
PID 1) is still found.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ngha.transport.base import Transport
from ngha.transport.process import RawResult, run_process

# A clean, predictable environment inside nodes: the caller's variables (virtualenv,
# locale, NOTIFY_SOCKET ...) mean nothing there.
NODE_ENV = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/root", "LANG=C.UTF-8", "USER=root", "LOGNAME=root")


def enter_argv(prefix: Sequence[str], argv: Sequence[str],
               extra_env: Sequence[str] = ()) -> list[str]:
    return [*prefix, "env", "-i", *NODE_ENV, *extra_env, *argv]


class LabTransport(Transport):
    def __init__(self, resolve: Callable[[str], Sequence[str]]):
        self._resolve = resolve

    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        return run_process(enter_argv(self._resolve(node), argv), stdin, timeout)
