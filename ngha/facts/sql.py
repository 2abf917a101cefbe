"""A query's rows, from the MariaDB client on a node (as root over its socket: how the
galera agent and clustercheck reach the server too). The statements travel on stdin:
they may hold names, never a value that comes from a secret (those go in writes)."""

from __future__ import annotations

from ngha.facts.base import Fact


def parse_rows(stdout: str, node: str = "?") -> list[tuple[str, ...]]:
    return [tuple(line.split("\t")) for line in stdout.splitlines() if line]


class SqlFact(Fact[list[tuple[str, ...]]]):
    what = "a database query"

    def __init__(self, statements: str, what: str | None = None):
        self.statements = statements if statements.endswith("\n") else statements + "\n"
        if what:
            self.what = what

    def argv(self) -> list[str]:
        return ["mysql", "--batch", "--skip-column-names"]

    def stdin(self) -> bytes:
        return self.statements.encode()

    def parse(self, stdout: str, node: str) -> list[tuple[str, ...]]:
        return parse_rows(stdout, node)
