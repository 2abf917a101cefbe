"""Analyse events against a rendered deployment, in parallel."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from ngha.cib.build import build_cib, to_text
from ngha.model.load import LoadedDeployment
from ngha.profiles import build_desired_state
from ngha.profiles.desired import DesiredState
from ngha.simulate.baseline import Baseline, build_baseline
from ngha.simulate.crm import require_crm_simulate, simulate
from ngha.simulate.events import Event, all_events, injection, parse_event
from ngha.simulate.transition import Transition, collateral_actions, parse_actions


@dataclass
class BlastReport:
    profile: str
    cluster: str
    baseline: Baseline
    transitions: list[Transition]

    def sorted(self) -> list[Transition]:
        return sorted(self.transitions,
                      key=lambda t: (-len(t.collateral), -len(t.actions), t.event.name))

    def as_dict(self) -> dict:
        return {"profile": self.profile, "cluster": self.cluster,
                "events": [t.as_dict() for t in self.sorted()]}


def simulate_loaded(loaded: LoadedDeployment, event_names: list[str], every_event: bool,
                    dot_dir: Path | None = None) -> BlastReport:
    """The `simulate` use case for a deployment."""
    return analyse(build_desired_state(loaded), event_names, every_event, dot_dir)


def analyse(desired: DesiredState, event_names: list[str], every_event: bool,
            dot_dir: Path | None = None, workers: int | None = None) -> BlastReport:
    require_crm_simulate()
    with tempfile.TemporaryDirectory(prefix="ngha-simulate-") as tmp:
        workdir = Path(tmp)
        cib_file = workdir / "cib.xml"
        cib_file.write_text(to_text(build_cib(desired.cluster)))
        baseline = build_baseline(cib_file, workdir)
        events = all_events(baseline) if every_event else []
        events += [parse_event(name, baseline) for name in event_names]
        if dot_dir is not None:
            dot_dir.mkdir(parents=True, exist_ok=True)

        def one(event: Event) -> Transition:
            return run_event(event, baseline, workdir, dot_dir)

        # crm_simulate is single-threaded: one process per core.
        with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
            transitions = list(pool.map(one, _unique(events)))
    return BlastReport(profile=desired.profile, cluster=desired.cluster.name,
                       baseline=baseline, transitions=transitions)


def run_event(event: Event, baseline: Baseline, workdir: Path,
              dot_dir: Path | None = None) -> Transition:
    cib_file, extra = injection(event, baseline, workdir)
    dot = dot_dir / (event.name.replace(":", "_").replace("@", "_at_") + ".dot") \
        if dot_dir else None
    result = simulate(cib_file, ["--quorum", "true", *extra], save_dot=dot)
    actions = parse_actions(result, baseline.top_level)
    if event.kind == "restart":
        # a restart is a disable followed by an enable: whatever stops comes back
        actions = [replace(a, action="restart") if a.action == "stop" else a for a in actions]
    return Transition(event=event, actions=actions,
                      collateral=collateral_actions(event, actions, baseline))


def _unique(events: list[Event]) -> list[Event]:
    seen, unique = set(), []
    for event in events:
        if event.name not in seen:
            seen.add(event.name)
            unique.append(event)
    return unique
