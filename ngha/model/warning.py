"""Warnings: findings that do not stop a render (a 2-node cluster without fencing, an
environment entry ngha ignores). The model collects them; the CLI prints them on stderr and
`--strict` turns them into exit status 2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadWarning:
    message: str
    file: str | Path | None = None
    line: int | None = None  # 1-based
    field: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}" + (f":{self.line}" if self.line is not None else "") + ": "
        text = where + (f"{self.field}: " if self.field else "") + self.message
        return text + (f"\n  fix: {self.fix}" if self.fix else "")
