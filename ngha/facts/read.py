"""Reading a fact through a transport: on one node, or on many in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Sequence, TypeVar

from ngha.errors import NghaError
from ngha.facts.base import Fact, FactUnreadable
from ngha.transport.base import DEFAULT_TIMEOUT, Transport

T = TypeVar("T")


def read_fact(transport: Transport, node: str, fact: Fact[T],
              timeout: float = DEFAULT_TIMEOUT) -> T:
    """The fact as read on node; TransportError or FactUnreadable (one line each) if
    it cannot be read."""
    result = transport.run(node, fact.argv(), stdin=fact.stdin(), timeout=timeout)
    if result.timed_out or result.rc not in fact.ok_codes:
        raise result.failure(f"read {fact.what}")
    try:
        return fact.parse(result.stdout, node)
    except FactUnreadable:
        raise
    except (ValueError, KeyError, IndexError) as exc:
        raise FactUnreadable(f"{node}: cannot understand {fact.what}: {exc}") from None


def read_fact_on(transport: Transport, nodes: Sequence[str], fact: Fact[T],
                 timeout: float = DEFAULT_TIMEOUT) -> dict[str, T | NghaError]:
    """Read on every node at once; a node that cannot answer gets its error instead of a
    value, so one dead node never hides what the others say."""
    def one(node: str) -> T | NghaError:
        try:
            return read_fact(transport, node, fact, timeout)
        except NghaError as exc:
            return exc

    if not nodes:
        return {}
    with ThreadPoolExecutor(max_workers=min(16, len(nodes))) as pool:
        values = list(pool.map(one, nodes))
    return dict(zip(nodes, values))
