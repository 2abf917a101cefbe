"""HAProxy's own view of its servers, through its admin socket (`show stat`): whether each
server's health check passes and how many requests it has in flight. The socket is
reached with a few lines of Python on the node (HAProxy's CLI is plain text over a
UNIX socket; no socat needed); the command is a parameter, never shell text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ngha.facts.base import Fact, FactUnreadable

ADMIN_SOCKET = "/run/haproxy/admin.sock"
SCRIPT = ("import socket, sys\n"
          "s = socket.socket(socket.AF_UNIX)\n"
          "s.settimeout(10)\n"
          "s.connect(sys.argv[1])\n"
          "s.sendall((sys.argv[2] + '\\n').encode())\n"
          "out = b''\n"
          "while chunk := s.recv(65536):\n"
          "    out += chunk\n"
          "print(out.decode().strip())\n")
SUMMARY_ROWS = ("FRONTEND", "BACKEND")


def haproxy_argv(command: str) -> list[str]:
    """The argv that sends one command to the node's HAProxy and prints its answer."""
    return ["python3", "-c", SCRIPT, ADMIN_SOCKET, command]


@dataclass(frozen=True)
class ServerState:
    backend: str
    server: str
    status: str  # UP, DOWN, MAINT, "UP 1/2" (going down), "no check" ...
    sessions: int  # scur: requests in flight
    backup: bool

    @property
    def up(self) -> bool:
        """HAProxy sends requests to it ("UP 1/3": still up, failing checks)."""
        return self.status.startswith("UP") or self.status == "no check"


def parse_stat(stdout: str, node: str = "?") -> dict[tuple[str, str], ServerState]:
    text = stdout.strip()
    if not text.startswith("# "):
        raise FactUnreadable(f"{node}: HAProxy's `show stat` gave no table ({text[:60]!r})")
    rows = csv.DictReader(io.StringIO(text[2:]))
    servers = {}
    for row in rows:
        if row.get("svname") in SUMMARY_ROWS or not row.get("pxname"):
            continue
        servers[(row["pxname"], row["svname"])] = ServerState(
            backend=row["pxname"], server=row["svname"], status=row.get("status", ""),
            sessions=int(row.get("scur") or 0), backup=row.get("bck") == "1")
    return servers


class HaproxyServersFact(Fact[dict[tuple[str, str], ServerState]]):
    what = "HAProxy's servers (show stat)"

    def argv(self) -> list[str]:
        return haproxy_argv("show stat")

    def parse(self, stdout: str, node: str) -> dict[tuple[str, str], ServerState]:
        return parse_stat(stdout, node)
