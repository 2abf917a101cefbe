"""Write a whole output tree atomically: build it next to DIR, then swap it into place.

A failure at any point leaves DIR exactly as it was (missing, or with its old content).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ngha.errors import NghaError


class Tree:
    """A staging directory that files are written into by relative path."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, relative: str, content: str, mode: int = 0o644) -> Path:
        path = (self.root / relative.lstrip("/")).resolve()
        if not path.is_relative_to(self.root.resolve()):
            # the model validates names; this is the last line of defence
            raise ValueError(f"refusing to write outside the output directory: {relative}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        path.chmod(mode)
        return path


@contextmanager
def atomic_tree(target: str | Path) -> Iterator[Tree]:
    target = Path(target).absolute()
    if target.exists() and not target.is_dir():
        raise NghaError("output path exists and is not a directory", file=target,
                        fix="choose a directory path for -o")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    except OSError as exc:
        raise NghaError(f"cannot create the output directory: {exc.strerror}", file=target,
                        fix="choose a writable location for -o") from None
    try:
        yield Tree(staging)
        staging.chmod(0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / "tree")
        os.rename(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
