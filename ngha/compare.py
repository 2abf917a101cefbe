"""Legacy vs next-gen for one deployment: counts, services changing manager, constraints removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ngha.model.load import read_deployment, with_profile
from ngha.profiles import build_desired_state
from ngha.profiles.desired import Clone, Colocation, DesiredState, Order
from ngha.render.summary import summarize


@dataclass(frozen=True)
class Comparison:
    legacy: dict[str, Any]
    nextgen: dict[str, Any]
    moved_to_systemd: list[str]
    constraints_removed: int
    constraints_kept: list[str]
    blast_radius: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"legacy": self.legacy, "nextgen": self.nextgen,
                "moved_to_systemd": self.moved_to_systemd,
                "constraints_removed": self.constraints_removed,
                "constraints_kept": self.constraints_kept,
                "blast_radius": self.blast_radius}


def compare_profiles(path: str | Path, legacy_env: str | Path | None = None,
                     nextgen_env: str | Path | None = None,
                     with_blast_radius: bool = False) -> Comparison:
    document, deployment = read_deployment(path)
    legacy_loaded = with_profile(document, deployment, legacy_env, profile="legacy")
    nextgen_loaded = with_profile(document, deployment, nextgen_env, profile="nextgen")
    legacy = build_desired_state(legacy_loaded)
    nextgen = build_desired_state(nextgen_loaded)
    legacy_managers = {s.service: s.manager for s in legacy.services}
    moved = sorted(s.service for s in nextgen.services
                   if s.manager == "systemd" and legacy_managers.get(s.service) == "pacemaker")
    legacy_keys = _constraint_keys(legacy)
    nextgen_keys = _constraint_keys(nextgen)
    core = set(nextgen_loaded.catalog.core_names())
    blast = _blast_radius(legacy, nextgen, core) if with_blast_radius else []
    return Comparison(legacy=summarize(legacy), nextgen=summarize(nextgen),
                      moved_to_systemd=moved,
                      constraints_removed=len(legacy_keys - nextgen_keys),
                      constraints_kept=sorted(legacy_keys & nextgen_keys), blast_radius=blast)


def _blast_radius(legacy: DesiredState, nextgen: DesiredState,
                  core: set[str]) -> list[dict[str, Any]]:
    """Collateral actions of the failures operators fear most (each core service failing
    on the first node or restarted, the first node failing), in both layouts."""
    from ngha.simulate.run import analyse

    node = nextgen.cluster.nodes[0]
    primitives = [r.primitive.id for r in nextgen.cluster.resources
                  if isinstance(r, Clone) and r.primitive.service in core]
    events = [f"monitor-fail:{p}@{node}" for p in primitives]
    events += [f"restart:{p}" for p in primitives]
    events.append(f"node-fail:{node}")
    # analyse() keeps the order of the events it is given, so rows line up by position
    # (event names are canonicalised, e.g. restart:galera -> restart:galera-master).
    counts = {name: [len(t.collateral) for t in analyse(desired, events, False).transitions]
              for name, desired in (("legacy", legacy), ("nextgen", nextgen))}
    return [{"event": event, "legacy": counts["legacy"][i], "nextgen": counts["nextgen"][i]}
            for i, event in enumerate(events)]


def _constraint_keys(desired: DesiredState) -> set[str]:
    keys = set()
    for c in desired.cluster.constraints:
        if isinstance(c, Order):
            keys.add(f"order {c.first_action} {c.first} then {c.then_action} {c.then} ({c.kind})")
        elif isinstance(c, Colocation):
            keys.add(f"colocation {c.rsc} with {c.with_rsc} {c.score}")
    return keys
