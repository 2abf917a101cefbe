"""Legacy vs next-gen for one deployment: counts, services changing manager, constraints removed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.profiles.desired import Colocation, DesiredState, Order
from ngha.render.summary import summarize


@dataclass(frozen=True)
class Comparison:
    legacy: dict[str, Any]
    nextgen: dict[str, Any]
    moved_to_systemd: list[str]
    constraints_removed: int
    constraints_kept: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"legacy": self.legacy, "nextgen": self.nextgen,
                "moved_to_systemd": self.moved_to_systemd,
                "constraints_removed": self.constraints_removed,
                "constraints_kept": self.constraints_kept}


def compare_profiles(path: str | Path, legacy_env: str | Path | None = None,
                     nextgen_env: str | Path | None = None) -> Comparison:
    legacy = build_desired_state(load_deployment(path, legacy_env, profile="legacy"))
    nextgen = build_desired_state(load_deployment(path, nextgen_env, profile="nextgen"))
    legacy_managers = {s.service: s.manager for s in legacy.services}
    moved = sorted(s.service for s in nextgen.services
                   if s.manager == "systemd" and legacy_managers.get(s.service) == "pacemaker")
    legacy_keys = _constraint_keys(legacy)
    nextgen_keys = _constraint_keys(nextgen)
    return Comparison(legacy=summarize(legacy), nextgen=summarize(nextgen),
                      moved_to_systemd=moved,
                      constraints_removed=len(legacy_keys - nextgen_keys),
                      constraints_kept=sorted(legacy_keys & nextgen_keys))


def _constraint_keys(desired: DesiredState) -> set[str]:
    keys = set()
    for c in desired.cluster.constraints:
        if isinstance(c, Order):
            keys.add(f"order {c.first_action} {c.first} then {c.then_action} {c.then} ({c.kind})")
        elif isinstance(c, Colocation):
            keys.add(f"colocation {c.rsc} with {c.with_rsc} {c.score}")
    return keys
