"""What every transport offers: run a command on a node, put a file, read a file."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

DEFAULT_TIMEOUT = 60.0
TIMEOUT_RC = 124  # what coreutils' timeout(1) returns

# put_file's remote side. The content arrives on stdin and the path, mode and owner as
# positional parameters: secrets never appear in an argv (visible in ps), and no value
# is ever pasted into shell text. mktemp's 0600 file is replaced atomically at the end.
PUT_FILE_SCRIPT = r"""
set -eu
path=$1 mode=$2 owner=$3
dir=$(dirname -- "$path")
mkdir -p -- "$dir"
tmp=$(mktemp -- "$dir/.ngha-put.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
chown -- "$owner" "$tmp"
chmod -- "$mode" "$tmp"
mv -f -- "$tmp" "$path"
trap - EXIT
"""


class TransportError(RuntimeError):
    """A command on a node failed where the caller needed it to succeed."""


@dataclass(frozen=True)
class Result:
    node: str
    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def check(self) -> "Result":
        if not self.ok:
            what = "timed out" if self.timed_out else f"exited {self.rc}"
            detail = (self.stderr or self.stdout).strip().splitlines()[-3:]
            raise TransportError(
                f"{self.node}: `{' '.join(self.argv)}` {what}: " + " | ".join(detail)
            )
        return self


@dataclass(frozen=True)
class RawResult:
    rc: int
    stdout: bytes
    stderr: bytes
    duration: float
    timed_out: bool


def run_process(argv: Sequence[str], stdin: bytes | None, timeout: float,
                env: dict[str, str] | None = None) -> RawResult:
    """Run argv in its own session so a timeout kills everything it started."""
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, env=env,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        timed_out = True
    rc = TIMEOUT_RC if timed_out else proc.returncode
    return RawResult(rc, out, err, time.monotonic() - start, timed_out)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Transport(ABC):
    """Reaches named nodes. Subclasses implement `_exec`; the rest is shared."""

    @abstractmethod
    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        """Run argv on node; stdin is None for no input."""

    def run(self, node: str, argv: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
            stdin: str | bytes | None = None, check: bool = False) -> Result:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        raw = self._exec(node, list(argv), data, timeout)
        result = Result(
            node=node, argv=tuple(argv), rc=raw.rc,
            stdout=raw.stdout.decode(errors="replace"),
            stderr=raw.stderr.decode(errors="replace"),
            duration=raw.duration, timed_out=raw.timed_out,
        )
        return result.check() if check else result

    def put_file(self, node: str, path: str, content: str | bytes, *, mode: int = 0o644,
                 owner: str = "root", group: str = "root",
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        argv = ["sh", "-c", PUT_FILE_SCRIPT, "ngha-put-file", path, f"{mode:o}",
                f"{owner}:{group}"]
        data = content.encode() if isinstance(content, str) else content
        _fail_unless_ok(self._exec(node, argv, data, timeout), f"{node}: cannot write {path}")

    def read_file(self, node: str, path: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        raw = self._exec(node, ["cat", "--", path], None, timeout)
        _fail_unless_ok(raw, f"{node}: cannot read {path}")
        return raw.stdout


def _fail_unless_ok(raw, what: str) -> None:
    if raw.rc != 0 or raw.timed_out:
        raise TransportError(f"{what}: {raw.stderr.decode(errors='replace').strip()}"
                             + (" (timed out)" if raw.timed_out else ""))
