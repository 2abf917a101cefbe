"""Corosync's runtime view (`corosync-cmapctl`): the totem timings in force (knet scales
the configured token with the node count) and the members. The timings are what a
failover can be judged against: a lost node is noticed after token + consensus."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ngha.facts.base import Fact, FactUnreadable

LINE = re.compile(r"^(?P<key>\S+) \((?P<type>[a-z0-9]+)\) = (?P<value>.*)$")
PREFIXES = ("runtime.config.totem.", "runtime.members.")


@dataclass(frozen=True)
class Member:
    nodeid: int
    address: str  # as corosync prints it: "r(0) ip(10.213.0.11) "
    joined: bool


@dataclass(frozen=True)
class CorosyncRuntime:
    token_ms: int
    consensus_ms: int
    members: tuple[Member, ...]

    @property
    def failover_budget(self) -> float:
        """Seconds from a node's loss to the survivors' new membership (token +
        consensus), plus 2 s for Pacemaker to act on it."""
        return (self.token_ms + self.consensus_ms) / 1000 + 2


def parse_cmap(stdout: str, node: str = "?") -> CorosyncRuntime:
    keys: dict[str, str] = {}
    for line in stdout.splitlines():
        match = LINE.match(line.strip())
        if match:
            keys[match["key"]] = match["value"]
    try:
        token = int(keys["runtime.config.totem.token"])
        consensus = int(keys["runtime.config.totem.consensus"])
    except (KeyError, ValueError):
        raise FactUnreadable(f"{node}: corosync-cmapctl shows no totem timings (is corosync "
                             "running?)") from None
    ids = sorted({int(k.split(".")[2]) for k in keys
                  if k.startswith("runtime.members.") and k.split(".")[2].isdigit()})
    members = tuple(Member(i, keys.get(f"runtime.members.{i}.ip", ""),
                           keys.get(f"runtime.members.{i}.status") == "joined") for i in ids)
    return CorosyncRuntime(token, consensus, members)


class CorosyncFact(Fact[CorosyncRuntime]):
    what = "corosync's runtime configuration (corosync-cmapctl)"

    def argv(self) -> list[str]:
        return ["corosync-cmapctl", *PREFIXES]

    def parse(self, stdout: str, node: str) -> CorosyncRuntime:
        return parse_cmap(stdout, node)
