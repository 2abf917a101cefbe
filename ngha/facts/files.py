"""Files and directories ngha manages on a node: does each exist, its sha256, mode and
owner. Digests only: contents (which may hold secrets) never leave the node to be
compared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ngha.facts.base import Fact, FactUnreadable

# Paths arrive as positional parameters (never pasted into shell text); one line per
# path: "<path>\t<sha256>\t<octal mode> <owner>:<group>" for a file, "<path>\tdir\t<mode>
# <owner>:<group>" for a directory, "<path>\t-\t-" when missing (or anything else).
SCRIPT = r"""
for path in "$@"; do
  if [ -f "$path" ] && [ ! -L "$path" ]; then
    sum=$(sha256sum -- "$path") || exit 1
    printf '%s\t%s\t%s\n' "$path" "${sum%% *}" "$(stat -c '%a %U:%G' -- "$path")"
  elif [ -d "$path" ] && [ ! -L "$path" ]; then
    printf '%s\tdir\t%s\n' "$path" "$(stat -c '%a %U:%G' -- "$path")"
  else
    printf '%s\t-\t-\n' "$path"
  fi
done
"""


@dataclass(frozen=True)
class FileState:
    path: str
    exists: bool
    sha256: str | None  # None for a directory or a missing path
    mode: int | None
    owner: str | None  # user:group
    directory: bool = False


def parse_digests(stdout: str, node: str = "?") -> dict[str, FileState]:
    states: dict[str, FileState] = {}
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            raise FactUnreadable(f"{node}: unexpected digest line {line[:80]!r}")
        path, digest, stat = parts
        missing = digest == "-"
        mode, _, owner = stat.partition(" ")
        directory = digest == "dir"
        states[path] = FileState(path=path, exists=not missing,
                                 sha256=None if missing or directory else digest,
                                 mode=None if missing else int(mode, 8),
                                 owner=None if missing else owner, directory=directory)
    return states


class FileDigestsFact(Fact[dict[str, FileState]]):
    what = "the digests of managed files"

    def __init__(self, paths: Sequence[str]):
        self.paths = list(paths)

    def argv(self) -> list[str]:
        return ["sh", "-c", SCRIPT, "ngha-file-digests", *self.paths]

    def parse(self, stdout: str, node: str) -> dict[str, FileState]:
        return parse_digests(stdout, node)
