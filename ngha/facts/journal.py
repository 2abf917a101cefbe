"""A unit's journal since a moment (`journalctl -o short-unix`): each line with its time
to the microsecond, and the operation results Pacemaker's controller logs there ("Result
of start operation for ip-control on ctl-1: ok"), which say what Pacemaker did and when
more precisely than the CIB's operation history (whole seconds)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ngha.facts.base import Fact

RESULT = re.compile(r"Result of (?P<action>[a-z_]+) operation for (?P<resource>\S+) on "
                    r"(?P<node>[^:\s]+): (?P<result>.+?)\s*$")


@dataclass(frozen=True)
class JournalLine:
    time: float  # seconds since the epoch
    text: str  # what follows the time: host, identifier and message


@dataclass(frozen=True)
class OperationResult:
    time: float
    action: str  # start, stop, promote, demote, monitor ...
    resource: str  # the primitive id
    node: str
    result: str  # ok, not running, error ...

    @property
    def ok(self) -> bool:
        return self.result.split()[0] == "ok"


def parse_journal(stdout: str, node: str = "?") -> list[JournalLine]:
    lines = []
    for line in stdout.splitlines():
        stamp, _, text = line.partition(" ")
        try:
            lines.append(JournalLine(float(stamp), text))
        except ValueError:
            continue  # "-- No entries --", "-- Boot ... --" and the like
    return lines


def operation_results(lines: list[JournalLine]) -> list[OperationResult]:
    """Pacemaker's operation results, in the order they were logged."""
    found = []
    for line in lines:
        match = RESULT.search(line.text)
        if match:
            found.append(OperationResult(line.time, match["action"], match["resource"],
                                         match["node"], match["result"]))
    return found


class JournalFact(Fact[list[JournalLine]]):
    what = "the journal"

    def __init__(self, unit: str, since: float):
        self.unit = unit
        self.since = since

    def argv(self) -> list[str]:
        # --since takes whole seconds: lines of the second before `since` are dropped by
        # whoever asks (their time is exact)
        return ["journalctl", "--unit", self.unit, "--output", "short-unix", "--no-pager",
                "--quiet", "--since", f"@{int(self.since)}"]

    def parse(self, stdout: str, node: str) -> list[JournalLine]:
        return [line for line in parse_journal(stdout, node) if line.time >= int(self.since)]
