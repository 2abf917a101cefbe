"""One lab command at a time per lab (flock on the lab's state directory)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def lab_lock(lab_dir: Path) -> Iterator[None]:
    while True:
        lab_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(lab_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # one write: the fence daemon's threads share this stderr with its log
                sys.stderr.write(f"waiting for another ngha lab command on {lab_dir} ...\n")
                fcntl.flock(fd, fcntl.LOCK_EX)
            # `down` removes the directory under its lock: if that happened while we waited,
            # our lock is on a deleted directory; take it again on the new one.
            try:
                same = os.stat(lab_dir).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                yield
                return
        finally:
            os.close(fd)
