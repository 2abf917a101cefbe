"""Small reads of a node's own state: kernel settings, ngha's bookkeeping files, the
node's clock, and what its local HTTP endpoints answer."""

from __future__ import annotations

from typing import Sequence

from ngha.facts.base import Fact, FactUnreadable

MISSING = "@@ngha-missing@@"
# One file's lines, or the marker when it does not exist (the path is a parameter).
LINES_SCRIPT = f'if [ -f "$1" ]; then cat -- "$1"; else echo {MISSING}; fi'
# One line per URL: "<code>" as curl reports it, 000 when nothing answered.
HTTP_SCRIPT = ('for url in "$@"; do '
               'curl -s -o /dev/null -m 5 -w "%{http_code}\\n" -- "$url" || true; done')


class SysctlFact(Fact[dict[str, str]]):
    what = "kernel settings (sysctl)"

    def __init__(self, keys: Sequence[str]):
        self.keys = list(keys)

    def argv(self) -> list[str]:
        return ["sysctl", "--", *self.keys]

    def parse(self, stdout: str, node: str) -> dict[str, str]:
        values = {}
        for line in stdout.splitlines():
            key, sep, value = line.partition(" = ")
            if sep:
                values[key.strip()] = value.strip()
        return values


def parse_lines(stdout: str, node: str = "?") -> tuple[str, ...] | None:
    if stdout.strip() == MISSING:
        return None
    return tuple(line for line in stdout.split("\n") if line)


class FileLinesFact(Fact["tuple[str, ...] | None"]):
    """The non-empty lines of one of ngha's own bookkeeping files; None when it does not
    exist (never a file that may hold a secret: contents leave the node)."""

    what = "a file of ngha's"

    def __init__(self, path: str):
        self.path = path
        self.what = f"{path}"

    def argv(self) -> list[str]:
        return ["sh", "-c", LINES_SCRIPT, "ngha-read-lines", self.path]

    def parse(self, stdout: str, node: str) -> tuple[str, ...] | None:
        return parse_lines(stdout, node)


class ClockFact(Fact[float]):
    """The node's clock (seconds since the epoch): what its journal's times are read
    against."""

    what = "the node's clock"

    def argv(self) -> list[str]:
        return ["date", "+%s.%N"]

    def parse(self, stdout: str, node: str) -> float:
        try:
            return float(stdout.strip())
        except ValueError:
            raise FactUnreadable(f"{node}: `date` printed {stdout.strip()[:40]!r}") from None


class HttpStatusFact(Fact[dict[str, int]]):
    """The HTTP status each URL answers on the node (0: no answer within 5 s)."""

    what = "HTTP checks"

    def __init__(self, urls: Sequence[str]):
        self.urls = list(urls)

    def argv(self) -> list[str]:
        return ["sh", "-c", HTTP_SCRIPT, "ngha-http-status", *self.urls]

    def parse(self, stdout: str, node: str) -> dict[str, int]:
        codes = [line.strip() for line in stdout.splitlines() if line.strip()]
        if len(codes) != len(self.urls):
            raise FactUnreadable(f"{node}: {len(codes)} answers to {len(self.urls)} HTTP "
                                 "checks")
        return {url: int(code) if code.isdigit() else 0 for url, code in zip(self.urls, codes)}
