"""The files of a key repository (Keystone's fernet-keys, credential-keys): names and
digests, to tell whether every node holds the same keys. Never their contents."""

from __future__ import annotations

from typing import Sequence

from ngha.facts.base import Fact, FactUnreadable

# One line per regular file: "<dir>\t<name>\t<sha256>"; nothing for an empty or missing
# directory.
SCRIPT = r"""
for dir in "$@"; do
  [ -d "$dir" ] || continue
  for path in "$dir"/*; do
    [ -f "$path" ] || continue
    sum=$(sha256sum -- "$path") || exit 1
    printf '%s\t%s\t%s\n' "$dir" "${path##*/}" "${sum%% *}"
  done
done
"""


def parse_key_digests(stdout: str, node: str = "?") -> dict[str, dict[str, str]]:
    repos: dict[str, dict[str, str]] = {}
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            raise FactUnreadable(f"{node}: unexpected key listing line {line[:60]!r}")
        repos.setdefault(parts[0], {})[parts[1]] = parts[2]
    return repos


class KeyDigestsFact(Fact[dict[str, dict[str, str]]]):
    what = "the key repositories' digests"

    def __init__(self, directories: Sequence[str]):
        self.directories = list(directories)

    def argv(self) -> list[str]:
        return ["sh", "-c", SCRIPT, "ngha-key-digests", *self.directories]

    def parse(self, stdout: str, node: str) -> dict[str, dict[str, str]]:
        repos = parse_key_digests(stdout, node)
        return {d: repos.get(d, {}) for d in self.directories}
