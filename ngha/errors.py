"""The one error type a user ever sees: where, what is wrong, and how to fix it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass
class NghaError(Exception):
    """A user-facing error. The CLI prints it on one line (plus a fix hint) and exits 2.

    Anything else that escapes is a bug in ngha, not a user mistake.
    """

    message: str
    file: str | Path | None = None
    line: int | None = None  # 1-based, as editors show it
    field: str | None = None  # dotted path inside the file, e.g. nodes[1].address
    fix: str | None = None
    exit_code: int = 2

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


class ToolMissing(NghaError):
    """An external program ngha relies on (crm_verify, dot, haproxy) is not installed."""

    @classmethod
    def check(cls, tool: str, package: str, purpose: str = "") -> None:
        if shutil.which(tool) is None:
            raise cls(f"{tool} is not installed" + (f", so {purpose}" if purpose else ""),
                      fix=f"apt-get install {package} (or run `make deps`)")


class ToolFailed(NghaError):
    """An external program failed on input ngha produced: a bug in ngha, said plainly."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("exit_code", 1)
        kwargs.setdefault("fix", "this is a bug in ngha or its catalog; please report it "
                                 "with the deployment file")
        super().__init__(message, **kwargs)
