"""The one error root of ngha: every failure a user can see is an NghaError.

Each kind carries its exit status; the CLI alone turns any of them into one message
(where, what is wrong, how to fix it) and that status. Anything else that escapes is a bug.

    NghaError          bad input or a refused operation             exit 2
      ToolMissing      an external program is not installed        exit 2
      OperationFailed  something ngha did could not be completed    exit 1
        ToolFailed     an external program failed on ngha's input   exit 1
        (transport, lab and live-cluster failures live next to their code and derive
         from OperationFailed or NghaError)
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

BAD_INPUT = 2
FAILED = 1


@dataclass
class NghaError(Exception):
    """A user-facing error: bad input or a refused operation unless a subclass says
    otherwise. Printed on one line (plus a fix hint)."""

    message: str
    file: str | Path | None = None
    line: int | None = None  # 1-based, as editors show it
    field: str | None = None  # dotted path inside the file, e.g. nodes[1].address
    fix: str | None = None
    exit_code: int = BAD_INPUT

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        text = f"{where}{field}{self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class OperationFailed(NghaError):
    """Input was fine, but an operation could not be completed (a node did not answer,
    a command failed, a wait timed out)."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("exit_code", FAILED)
        super().__init__(message, **kwargs)


class ToolMissing(NghaError):
    """An external program ngha relies on (crm_verify, dot, haproxy) is not installed."""

    @classmethod
    def check(cls, tool: str, package: str, purpose: str = "") -> None:
        if shutil.which(tool) is None:
            raise cls(f"{tool} is not installed" + (f", so {purpose}" if purpose else ""),
                      fix=f"apt-get install {package} (or run `make deps`)")


class ToolFailed(OperationFailed):
    """An external program failed on input ngha produced: a bug in ngha, said plainly."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("fix", "this is a bug in ngha or its catalog; please report it "
                                 "with the deployment file")
        super().__init__(message, **kwargs)
