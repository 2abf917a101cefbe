"""Write a whole output tree atomically: build it next to DIR, then swap it into place.

A failure at any point, Ctrl-C included, leaves DIR exactly as it was (missing, or with its
old content) and no staging (.DIR.new-*) or old (.DIR.old-*) directory behind. SIGINT and
SIGTERM are held back during the swap itself, so it cannot be cut in half; elsewhere they
raise, and the staging tree is removed on the way out. (SIGKILL or a power loss can still
leave a .DIR.new-* directory; nothing can clean up after those.)

The caller decides whether DIR may be replaced at all (destination.check_destination).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ngha.errors import NghaError
from ngha.render.destination import MANIFEST, manifest_text


class Tree:
    """A staging directory that files are written into by relative path."""

    def __init__(self, root: Path):
        self.root = root
        self.written: list[str] = []

    def write(self, relative: str, content: str, mode: int = 0o644) -> Path:
        path = (self.root / relative.lstrip("/")).resolve()
        if not path.is_relative_to(self.root.resolve()):
            # the model validates names; this is the last line of defence
            raise ValueError(f"refusing to write outside the output directory: {relative}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        path.chmod(mode)
        self.written.append(str(path.relative_to(self.root.resolve())))
        return path


@contextmanager
def atomic_tree(target: Path, version: str, profile: str) -> Iterator[Tree]:
    """Yield a staging Tree; when the block ends without error, write the manifest
    (MANIFEST: every file written, the ngha version) and swap the tree into `target`."""
    target = Path(target)
    with _sigterm_raises():
        created = _make_parents(target.parent)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        except OSError as exc:
            _remove_empty(created)
            raise NghaError(f"cannot create the output directory: {exc.strerror}", file=target,
                            fix="choose a writable location for -o") from None
        try:
            tree = Tree(staging)
            yield tree
            (staging / MANIFEST).write_text(manifest_text(tree.written, version, profile),
                                            encoding="utf-8")
            staging.chmod(0o755)
            with _signals_held():
                _swap_into_place(staging, target)
        except BaseException:
            with _signals_held():
                shutil.rmtree(staging, ignore_errors=True)
                _remove_empty(created)
            raise


def _swap_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    try:
        os.rename(target, old / "tree")
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(old / "tree", target)  # put the previous tree back
            raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _make_parents(directory: Path) -> list[Path]:
    """mkdir -p, returning the directories it created (deepest last)."""
    missing = [p for p in [directory, *directory.parents] if not p.exists()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NghaError(f"cannot create the output directory: {exc.strerror}",
                        file=directory, fix="choose a writable location for -o") from None
    return list(reversed(missing))


def _remove_empty(created: list[Path]) -> None:
    for directory in reversed(created):
        try:
            directory.rmdir()
        except OSError:
            break


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (then act as usual)."""
    if not _in_main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """By default SIGTERM ends the process on the spot, leaving the staging tree: make it
    raise SystemExit(143) instead, so the cleanup above runs."""
    if not _in_main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
