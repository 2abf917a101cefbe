"""LiveCluster: the nodes of one cluster and the transport that reaches them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence, TypeVar

from ngha.errors import NghaError
from ngha.facts import Fact, read_fact, read_fact_on
from ngha.live.errors import ClusterUnreachable
from ngha.transport.base import Result, Transport

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class LiveCluster:
    name: str
    nodes: tuple[str, ...]
    transport: Transport

    # --- running commands ------------------------------------------------------------

    def run(self, node: str, argv: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
            stdin: str | bytes | None = None, check: bool = True,
            what: str | None = None) -> Result:
        """Run on one node; with check (the default) a failure raises one clear error."""
        return self.transport.run(node, argv, timeout=timeout, stdin=stdin, check=check,
                                  what=what)

    def run_all(self, argv: Sequence[str], *, nodes: Sequence[str] | None = None,
                timeout: float = DEFAULT_TIMEOUT, stdin: str | bytes | None = None
                ) -> dict[str, Result | NghaError]:
        """Run on every node (or `nodes`) in parallel; each node gets its result, or the
        error that kept the command from running there (a node that is down)."""
        targets = list(nodes if nodes is not None else self.nodes)

        def one(node: str) -> Result | NghaError:
            try:
                return self.transport.run(node, argv, timeout=timeout, stdin=stdin)
            except NghaError as exc:
                return exc

        if not targets:
            return {}
        with ThreadPoolExecutor(max_workers=min(16, len(targets))) as pool:
            return dict(zip(targets, pool.map(one, targets)))

    def run_any(self, argv: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
                stdin: str | bytes | None = None, what: str | None = None,
                prefer: Sequence[str] = ()) -> Result:
        """Run on the first node where it succeeds (preferred nodes first)."""
        errors = []
        for node in self._ordered(prefer):
            try:
                return self.transport.run(node, argv, timeout=timeout, stdin=stdin,
                                          check=True, what=what)
            except NghaError as exc:
                errors.append(exc.message)
        raise ClusterUnreachable(f"no node of {self.name} could run it: " + "; ".join(errors))

    # --- reading facts ----------------------------------------------------------------

    def read(self, fact: Fact[T], node: str, timeout: float = DEFAULT_TIMEOUT) -> T:
        return read_fact(self.transport, node, fact, timeout)

    def read_all(self, fact: Fact[T], nodes: Sequence[str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> dict[str, T | NghaError]:
        return read_fact_on(self.transport, list(nodes if nodes is not None else self.nodes),
                            fact, timeout)

    def read_any(self, fact: Fact[T], timeout: float = DEFAULT_TIMEOUT,
                 prefer: Sequence[str] = ()) -> T:
        """The fact from the first node that can give it (preferred nodes first)."""
        errors = []
        for node in self._ordered(prefer):
            try:
                return read_fact(self.transport, node, fact, timeout)
            except NghaError as exc:
                errors.append(exc.message)
        raise ClusterUnreachable(f"no node of {self.name} could read {fact.what}: "
                                 + "; ".join(errors))

    # --- files ------------------------------------------------------------------------

    def put_file(self, node: str, path: str, content: str | bytes, *, mode: int = 0o644,
                 owner: str = "root", group: str = "root") -> None:
        """Write atomically (temporary file + rename), with owner and mode set before the
        file appears under its name; content travels on stdin, never in an argv."""
        self.transport.put_file(node, path, content, mode=mode, owner=owner, group=group)

    def _ordered(self, prefer: Sequence[str]) -> list[str]:
        first = [n for n in prefer if n in self.nodes]
        return first + [n for n in self.nodes if n not in first]
