"""Several facts read with one command: their commands run one after the other in one
shell on the node, each answer cut out by a marker line and handed to its own parser.
One process start (one round trip over ssh) instead of one per fact, for reads that
always go together (a node's units, files and bookkeeping)."""

from __future__ import annotations

import hashlib
import json
import shlex
from typing import Any

from ngha.facts.base import Fact, FactUnreadable


class Batch(Fact[tuple]):
    """The facts' values, in order. Facts that read stdin cannot be batched."""

    def __init__(self, *facts: Fact):
        if any(f.stdin() is not None for f in facts):
            raise ValueError("a fact that reads stdin cannot be batched")
        self.facts = facts
        self.what = ", ".join(f.what for f in facts)
        # a marker no answer contains by chance, the same for the same reads (replayable)
        digest = hashlib.sha256(json.dumps([f.argv() for f in facts]).encode()).hexdigest()
        self._marker = f"@@ngha-batch-{digest[:16]}"

    def argv(self) -> list[str]:
        lines = []
        for index, fact in enumerate(self.facts):
            lines.append(f"{shlex.join(fact.argv())}\nprintf '\\n{self._marker} {index} %s\\n' $?")
        return ["sh", "-c", "\n".join(lines), "ngha-batch"]

    def parse(self, stdout: str, node: str) -> tuple:
        values: list[Any] = []
        rest = stdout
        for index, fact in enumerate(self.facts):
            head, sep, tail = rest.partition(f"\n{self._marker} {index} ")
            if not sep:
                raise FactUnreadable(f"{node}: the answer to {fact.what} is missing")
            rc_text, _, rest = tail.partition("\n")
            if not rc_text.isdigit() or int(rc_text) not in fact.ok_codes:
                raise FactUnreadable(f"{node}: reading {fact.what} exited {rc_text}")
            values.append(fact.parse(head, node))
        return tuple(values)
