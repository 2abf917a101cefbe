"""Names that end up in file paths, Pacemaker ids, haproxy.cfg and shell words.

One pattern each, shared by the deployment schema and the catalog schema (a site-local
catalog is as much user input as a deployment file). The checks return what is wrong,
without repeating the value.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

# systemd unit names (without .service): letters, digits and :-_.\@, no leading '-'.
UNIT_NAME = re.compile(r"[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,200}")
# Catalog service names: also node attribute names (<service>-role) and resource ids.
SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CONFIG_PATH = re.compile(r"(/[A-Za-z0-9_.@+-]+)+")
# Linux interface names: at most 15 characters (IFNAMSIZ - 1), no '/' or whitespace.
INTERFACE_NAME = re.compile(r"[A-Za-z0-9_.:@-]{1,15}")


def unit_name_problem(value: str) -> str | None:
    # The unit name becomes a Pacemaker id, a file path and a shell word: keep it plain.
    if not UNIT_NAME.fullmatch(value) or ".." in value:
        return "not a systemd unit name: use letters, digits and ':-_.@' (e.g. openstack-nova-api)"
    return None


def config_path_problem(value: str) -> str | None:
    parts = value.split("/")
    if not CONFIG_PATH.fullmatch(value) or "." in parts or ".." in parts:
        return "not a plain absolute path (e.g. /etc/nova/nova.conf)"
    return None


def service_name_problem(value: str) -> str | None:
    if not SERVICE_NAME.fullmatch(value):
        return "not a service name: lower-case letters, digits and '-' (e.g. nova-api)"
    return None


def interface_name_problem(value: str) -> str | None:
    if not INTERFACE_NAME.fullmatch(value) or value in (".", ".."):
        return "not a network interface name (e.g. eth0, br-ex, vlan20; at most 15 characters)"
    return None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """'did you mean a, b? ' naming close known names (never `name` itself), or ''."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    close += [k for k in known if (name in k or k in name) and k not in close][:3 - len(close)]
    return f"did you mean {', '.join(close)}? " if close else ""
