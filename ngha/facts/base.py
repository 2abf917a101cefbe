"""What a fact is: the argv that reads it on a node and the parser of what that prints."""

from __future__ import annotations

from typing import Generic, Sequence, TypeVar

from ngha.errors import OperationFailed

T = TypeVar("T")


class FactUnreadable(OperationFailed):
    """The command ran but its output says the fact cannot be read (e.g. crm_mon while
    Pacemaker is stopped), or the output is not what the parser expects."""


class Fact(Generic[T]):
    """Subclasses set `what` (for messages) and implement argv() and parse()."""

    what = "a fact"
    ok_codes: Sequence[int] = (0,)  # exit statuses whose stdout is worth parsing

    def argv(self) -> list[str]:
        raise NotImplementedError

    def stdin(self) -> bytes | None:
        return None

    def parse(self, stdout: str, node: str) -> T:
        """What stdout means; `node` names where it was read, for messages."""
        raise NotImplementedError
