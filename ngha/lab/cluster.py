"""What the cluster looks like from one node (crm_mon XML), and waiting for it to settle."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from ngha.lab.errors import LabError
from ngha.transport.base import Transport
from ngha.transport.parallel import run_on_nodes

CRM_MON = ["crm_mon", "--output-as=xml"]


@dataclass(frozen=True)
class Membership:
    reporter: str
    dc: str | None
    quorum: bool
    online: frozenset[str]
    offline: frozenset[str]


def parse_crm_mon(xml_text: str, reporter: str) -> Membership:
    root = ET.fromstring(xml_text)
    dc_el = root.find("./summary/current_dc")
    present = dc_el is not None and dc_el.get("present") == "true"
    online, offline = set(), set()
    for node in root.iterfind("./nodes/node"):
        (online if node.get("online") == "true" else offline).add(node.get("name", "?"))
    return Membership(
        reporter=reporter,
        dc=dc_el.get("name") if present and dc_el is not None else None,
        quorum=present and dc_el is not None and dc_el.get("with_quorum") == "true",
        online=frozenset(online),
        offline=frozenset(offline),
    )


def read_memberships(transport: Transport, nodes: Sequence[str],
                     timeout: float = 10.0) -> dict[str, Membership | None]:
    """None for a node whose crm_mon cannot answer (pacemaker not up, node down)."""
    out: dict[str, Membership | None] = {}
    for node, result in run_on_nodes(transport, nodes, CRM_MON, timeout=timeout).items():
        try:
            out[node] = parse_crm_mon(result.stdout, node) if result.ok else None
        except ET.ParseError:
            out[node] = None
    return out


def wait_until(
    transport: Transport,
    reporters: Sequence[str],
    accept: Callable[[Membership], bool],
    timeout: float,
    what: str,
    interval: float = 1.0,
) -> float:
    """Poll crm_mon on every reporter until each view is accepted; returns seconds."""
    start = time.monotonic()
    last: dict[str, Membership | None] = {}
    while True:
        last = read_memberships(transport, reporters)
        if all(m is not None and accept(m) for m in last.values()):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            views = "; ".join(_describe(n, m) for n, m in last.items())
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}: {views}")
        time.sleep(interval)


def all_online_with_quorum(expected: Iterable[str]) -> Callable[[Membership], bool]:
    want = frozenset(expected)
    return lambda m: m.quorum and want <= m.online


def _describe(node: str, m: Membership | None) -> str:
    if m is None:
        return f"{node}: no answer from crm_mon"
    return (f"{node}: quorum={'yes' if m.quorum else 'no'} "
            f"online={','.join(sorted(m.online)) or '-'} dc={m.dc or '-'}")


def disable_stonith(transport: Transport, node: str) -> None:
    """The lab has no fencing device; without this Pacemaker starts no resource at all."""
    transport.run(node, ["pcs", "property", "set", "stonith-enabled=false"],
                  timeout=60, check=True)


def failed_units(transport: Transport, nodes: Sequence[str]) -> str:
    """One line for an error message: which systemd units failed on which node."""
    argv = ["systemctl", "--failed", "--no-legend", "--plain", "--no-pager"]
    parts = []
    for node, result in run_on_nodes(transport, nodes, argv, timeout=10).items():
        units = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
        parts.append(f"{node}: {', '.join(units) if units else 'none'}")
    return "failed units: " + "; ".join(parts)
