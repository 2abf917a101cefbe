"""What every transport offers: run a command on a node, put a file, read a file.

Failures are TransportError: one line naming the node, what was run and the tail of
its stderr, never a traceback.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

from ngha.errors import OperationFailed
from ngha.transport.process import RawResult

DEFAULT_TIMEOUT = 60.0

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


class TransportError(OperationFailed):
    """A command on a node failed (or could not be run) where it had to succeed."""


def describe_argv(argv: Sequence[str], limit: int = 120) -> str:
    """A command as a user would type it, shortened; `sh -c SCRIPT name args` shows as
    `name args` (the script text is ours and says nothing to the reader)."""
    words = list(argv)
    if len(words) >= 4 and words[0] in ("sh", "/bin/sh", "bash") and words[1] == "-c":
        words = words[3:]
    text = " ".join(words)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "no output"


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

    def failure(self, what: str | None = None) -> TransportError:
        how = f"timed out after {self.duration:.0f} s" if self.timed_out else f"exited {self.rc}"
        return TransportError(f"{self.node}: `{what or describe_argv(self.argv)}` {how}: "
                              f"{tail(self.stderr or self.stdout)}")

    def check(self, what: str | None = None) -> "Result":
        if not self.ok:
            raise self.failure(what)
        return self


class Transport(ABC):
    """Reaches named nodes. Subclasses implement `_exec`; the rest is shared."""

    @abstractmethod
    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        """Run argv on node; stdin is None for no input."""

    def run(self, node: str, argv: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
            stdin: str | bytes | None = None, check: bool = False,
            what: str | None = None) -> Result:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        raw = self._exec(node, list(argv), data, timeout)
        out, err = raw.text()
        result = Result(node=node, argv=tuple(argv), rc=raw.rc, stdout=out, stderr=err,
                        duration=raw.duration, timed_out=raw.timed_out)
        return result.check(what) if check else result

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


def _fail_unless_ok(raw: RawResult, what: str) -> None:
    if not raw.ok:
        raise TransportError(f"{what}: {tail(raw.text()[1])}"
                             + (" (timed out)" if raw.timed_out else ""))
