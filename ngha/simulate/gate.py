"""The cascade gate: what Pacemaker's scheduler would do if a candidate configuration
replaced the live one, given the live status, and which of those actions hit resources
the change does not touch (the idea of pcs's `resource safe-disable`).

Actions the live cluster would take anyway (a recovery already pending) are not
counted against the change: the scheduler runs on both, and only what the candidate
adds is judged.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ngha.simulate.crm import require_crm_simulate, simulate
from ngha.simulate.transition import DISRUPTIVE, Action, parse_actions


@dataclass(frozen=True)
class GateResult:
    actions: tuple[Action, ...]  # everything the candidate makes the scheduler do
    collateral: tuple[Action, ...]  # disruptive actions on resources the change leaves alone

    @property
    def passed(self) -> bool:
        return not self.collateral


def top_level_map(root: etree._Element) -> dict[str, str]:
    """primitive id -> the id constraints name (its clone, or itself)."""
    mapping = {}
    resources = root.find("configuration/resources")
    for primitive in resources.iter("primitive") if resources is not None else ():
        parent = primitive.getparent()
        mapping[primitive.get("id")] = parent.get("id") if parent.tag in ("clone", "group") \
            else primitive.get("id")
    return mapping


def followers(root: etree._Element, resources: set[str]) -> set[str]:
    """Resources colocated INFINITY with one of `resources` (the VIPs with HAProxy):
    they move with it, and that is part of the change, not a cascade."""
    found = set()
    for colocation in root.iter("rsc_colocation"):
        if colocation.get("with-rsc") in resources and colocation.get("score") == "INFINITY":
            found.add(colocation.get("rsc"))
    return found


def cascade_check(live: etree._Element, candidate: etree._Element,
                  touched: set[str]) -> GateResult:
    """Both CIBs carry the live status section."""
    require_crm_simulate()
    with tempfile.TemporaryDirectory(prefix="ngha-gate-") as tmp:
        before, after = Path(tmp) / "live.xml", Path(tmp) / "candidate.xml"
        before.write_bytes(etree.tostring(live))
        after.write_bytes(etree.tostring(candidate))
        pending = _actions(simulate(before, []), live)
        planned = _actions(simulate(after, []), candidate)
    allowed = touched | followers(candidate, touched) | followers(live, touched)
    already = {_key(a) for a in pending}
    collateral = tuple(a for a in planned if a.action in DISRUPTIVE
                       and a.resource not in allowed and _key(a) not in already)
    return GateResult(actions=tuple(planned), collateral=collateral)


def _actions(result: etree._Element, root: etree._Element) -> list[Action]:
    return parse_actions(result, top_level_map(root))


def _key(action: Action) -> tuple:
    return action.action, action.primitive, action.node
