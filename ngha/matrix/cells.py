"""One cell of the resilience matrix: what one service did during one fault, measured from
its own checks' samples, and judged.

A service is back at the answer of the first of RECOVERED_AFTER consecutive successes of
each of its checks that no failure follows (probes.outage); `seconds_after_backend` runs
from its backend healthy again to the latest of those. A check still failing at the end
of the window, or a request that never ended, is not recovered. The record's fields are a
contract (`ngha chaos matrix --json`, the report): service, fault, profile, recovered,
seconds_after_backend, outage_seconds, restarts, failed_requests, manual_action, notes,
plus passed and failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ngha.measurement.probes import Sample, outage

BACK_WITHIN = 5.0  # next-gen: every API answers within this long after its backend


@dataclass(frozen=True)
class Measured:
    """What the runner gathered for one service during one fault."""

    service: str
    fault: str
    profile: str
    checks: dict[str, list[Sample]]  # check name -> its samples, in time order
    fault_at: float
    backend_back: float | None  # None: the backend never came back
    restarts: dict[str, int] = field(default_factory=dict)  # node -> restarts seen
    restarted_units: tuple[str, ...] = ()  # "unit@node (how)", for the notes
    manual_action: str | None = None  # what the operator had to run, if anything
    notes: dict = field(default_factory=dict)
    # the fault is about an object in progress (a volume creating, a stack in progress):
    # without a run of the row's flow under way at the fault, nothing was measured
    needs_flow_at_fault: bool = False


def make_cell(measured: Measured) -> dict:
    windows = {name: outage(samples, measured.fault_at)
               for name, samples in measured.checks.items()}
    missing = [name for name, samples in measured.checks.items() if not samples]
    never = sorted(name for name, (seconds, first, _) in windows.items()
                   if first is not None and seconds is None)
    recovered = not never and not missing and measured.manual_action is None
    backs = [back for _, first, back in windows.values() if first is not None and back]
    outages = [seconds for seconds, first, _ in windows.values()
               if first is not None and seconds is not None]
    after_backend = None
    if recovered and measured.backend_back is not None:
        # never failed: back with its backend. Back earlier than its backend was whole
        # (a Galera primary component of two before the third synced): 0.
        after_backend = round(max([0.0] + [b - measured.backend_back for b in backs]), 2)
    failed = sum(1 for samples in measured.checks.values()
                 for s in samples if s.t1 >= measured.fault_at and not s.ok)
    notes = dict(measured.notes)
    if never:
        notes["never_back"] = never
    if missing:
        notes["no_samples"] = missing
    if measured.restarted_units:
        notes["restarted"] = list(measured.restarted_units)
    cell = {"service": measured.service, "fault": measured.fault,
            "profile": measured.profile, "recovered": recovered,
            "seconds_after_backend": after_backend,
            "outage_seconds": None if never or missing else max(outages, default=0.0),
            "restarts": dict(sorted(measured.restarts.items())),
            "failed_requests": failed, "manual_action": measured.manual_action,
            "notes": notes}
    cell["failures"] = judge(cell, backend_back=measured.backend_back)
    if measured.needs_flow_at_fault and not notes.get("flow_under_way_at_fault"):
        cell["failures"].append("no run of its flow was under way when the fault came: "
                                "what the fault is about was not measured")
    cell["passed"] = not cell["failures"]
    return cell


def judge(cell: dict, backend_back: float | None) -> list[str]:
    """Next-gen: recovered by itself, no restart, no manual action, back within
    BACK_WITHIN of its backend. Legacy: recovered and no manual action (its restarts are
    the layout's design: counted, not failed)."""
    failures = []
    if backend_back is None:
        failures.append("its backend never came back")
    if cell["manual_action"]:
        failures.append(f"needed a manual action: {cell['manual_action']}")
    elif not cell["recovered"]:
        failures.append("never answered again: "
                        + ", ".join(cell["notes"].get("never_back", [])
                                    + cell["notes"].get("no_samples", [])))
    if cell["profile"] != "nextgen":
        return failures
    total = sum(cell["restarts"].values())
    if total:
        failures.append(f"{total} restarts: " + ", ".join(cell["notes"].get("restarted", [])))
    late = cell["seconds_after_backend"]
    if late is not None and late > BACK_WITHIN:
        failures.append(f"back {late:.1f} s after its backend (limit {BACK_WITHIN:g} s)")
    return failures
