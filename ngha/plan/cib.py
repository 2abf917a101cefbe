"""The CIB part of a plan: the configuration change (live.configuration) and the cascade
gate's verdict on it (Pacemaker's scheduler on the candidate with the live status)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ngha.errors import NghaError
from ngha.facts import LiveCib
from ngha.live.configuration import ConfigurationChange, held_resources, plan_configuration
from ngha.simulate.gate import GateResult, cascade_check
from ngha.targets import Target


@dataclass(frozen=True)
class CibPlan:
    change: ConfigurationChange
    gate: GateResult | None  # None: not run (nothing changes, or not asked for)
    # resources apply added stopped and has not started yet (an apply killed before)
    held: tuple[str, ...] = ()

    @property
    def changes(self):
        return self.change.changes

    @property
    def patch(self):
        return self.change.patch

    @property
    def pending(self) -> bool:
        return not self.change.patch.empty or bool(self.held)


def plan_cib(cib: LiveCib, target: Target, with_gate: bool = True) -> CibPlan:
    change = plan_configuration(cib, target.desired.cluster, target.profile)
    return CibPlan(change, gate_of(change) if with_gate else None,
                   tuple(held_resources(cib)))


def gate_of(change: ConfigurationChange) -> GateResult | None:
    """The cascade gate on a change that touches resources (None when it touches none)."""
    changes = change.changes
    touched = changes.touched_resources
    if change.patch.empty or not touched:
        return None
    return cascade_check(change.original.tree(), change.candidate, touched)


def refuse_cascade(gate: GateResult | None, force: bool) -> None:
    if gate is None or gate.passed or force:
        return
    hit = sorted({f"{a.action} {a.resource}" + (f" on {a.node}" if a.node else "")
                  for a in gate.collateral})
    raise NghaError(f"this change would disturb resources it does not touch "
                    f"({len(gate.collateral)} actions): {', '.join(hit[:8])}"
                    + (f" and {len(hit) - 8} more" if len(hit) > 8 else ""),
                    fix="review `ngha plan`; run with --force to accept the cascade; "
                        "nothing was changed")


def gate_check(force: bool) -> Callable[[ConfigurationChange], None]:
    """For push_configuration: refuse a change (re-planned after a stale read, too) whose
    cascade the operator did not accept."""
    return lambda change: refuse_cascade(gate_of(change), force)
