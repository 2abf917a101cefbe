"""Galera as one member sees it (`SHOW GLOBAL STATUS LIKE 'wsrep%'`): the component it
belongs to, its size, and whether this member is synced. The one reading of "Galera
synced" (HAProxy's health check on port 9200 asks the same variable)."""

from __future__ import annotations

from dataclasses import dataclass

from ngha.facts.base import Fact

SYNCED = 4  # wsrep_local_state: 4 is Synced (1 Joining, 2 Donor/Desynced, 3 Joined)
QUERY = "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'"


@dataclass(frozen=True)
class WsrepStatus:
    cluster_size: int
    cluster_status: str  # Primary, non-Primary, Disconnected
    local_state: int
    local_state_comment: str
    ready: bool

    @property
    def synced(self) -> bool:
        """This member serves consistent reads and writes: in the primary component and
        synced with it."""
        return self.cluster_status == "Primary" and self.local_state == SYNCED and self.ready


def parse_wsrep(stdout: str, node: str = "?") -> WsrepStatus:
    values = dict(line.split("\t", 1) for line in stdout.splitlines() if "\t" in line)

    def number(name: str) -> int:
        text = values.get(name, "0").strip()
        return int(text) if text.isdigit() else 0
    return WsrepStatus(cluster_size=number("wsrep_cluster_size"),
                       cluster_status=values.get("wsrep_cluster_status", "").strip(),
                       local_state=number("wsrep_local_state"),
                       local_state_comment=values.get("wsrep_local_state_comment", "").strip(),
                       ready=values.get("wsrep_ready", "").strip() == "ON")


class WsrepFact(Fact[WsrepStatus]):
    what = "Galera's state (wsrep status)"

    def argv(self) -> list[str]:
        return ["mysql", "--batch", "--skip-column-names", "--execute", QUERY]

    def parse(self, stdout: str, node: str) -> WsrepStatus:
        return parse_wsrep(stdout, node)
