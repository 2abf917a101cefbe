"""Every file and directory ngha manages on each node, as data: path, content, mode,
owner, and what a change to it requires. Produced once from the desired state; `render`
writes exactly this under nodes/<node>/, and `apply` pushes exactly this to the node.

Secrets are never part of the data: a file that holds one carries a placeholder
(`secret("redis_password")`), replaced by `materialize` at the last moment: by the real
value when apply writes the file on a node (mode 0600/0640), by a marker naming the
secret when render writes it for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

from ngha.profiles.desired import UnitPlan

SECRET = re.compile(r"@@ngha-secret:([a-z_]+)(\|url)?@@")


def secret(name: str, url: bool = False) -> str:
    """Placeholder for a secret inside file content (url=True: percent-encoded, for
    passwords inside connection URLs)."""
    return f"@@ngha-secret:{name}{'|url' if url else ''}@@"


def redacted(name: str) -> str:
    return f"<secret {name}>"


@dataclass(frozen=True)
class NodeFile:
    path: str  # absolute, on the node
    content: str  # may hold secret() placeholders
    mode: int = 0o644
    owner: str = "root"
    group: str = "root"
    # units that must restart (reload, for reload=True) when this file changes
    restarts: tuple[str, ...] = ()
    reload: bool = False

    @property
    def relative(self) -> str:
        return self.path.lstrip("/")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(sorted({m.group(1) for m in SECRET.finditer(self.content)}))

    @property
    def is_systemd_unit(self) -> bool:
        """A unit or drop-in: systemd must reload before it takes effect."""
        return self.path.startswith("/etc/systemd/system/")

    def materialize(self, lookup: Callable[[str], str], encode: bool = True) -> str:
        """The content with every placeholder replaced by lookup(name), percent-encoded
        where the placeholder asks for it (encode=False for markers, kept readable)."""
        def value(match: re.Match) -> str:
            text = lookup(match.group(1))
            return quote(text, safe="") if match.group(2) and encode else text
        return SECRET.sub(value, self.content)


@dataclass(frozen=True)
class NodeDirectory:
    path: str
    mode: int = 0o755
    owner: str = "root"
    group: str = "root"


@dataclass(frozen=True)
class NodeFiles:
    node: str
    files: tuple[NodeFile, ...]
    enable: tuple[UnitPlan, ...]  # systemd-owned units: enabled, running everywhere
    disable: tuple[UnitPlan, ...]  # Pacemaker-owned units: disabled in systemd
    directories: tuple[NodeDirectory, ...] = ()
    # ngha's own helper units (the Galera health-check socket): enabled in every layout
    infrastructure: tuple[str, ...] = ()
    sysctl: tuple[str, ...] = field(default=())  # sysctl.d files to load when changed

    def file(self, path: str) -> NodeFile | None:
        return next((f for f in self.files if f.path == path), None)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(sorted({name for f in self.files for name in f.secrets}))
