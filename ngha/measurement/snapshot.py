"""Who restarted: per (service, node), the systemd main PID and the call id of the last
start or promote Pacemaker ran. Either changing between two snapshots means the service
restarted there."""

from __future__ import annotations

from dataclasses import dataclass

from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitsFact
from ngha.live.cluster import LiveCluster
from ngha.targets import Target


@dataclass(frozen=True)
class Snapshot:
    pids: dict[tuple[str, str], int]  # (service, node) -> main PID
    starts: dict[tuple[str, str], int]  # (service, node) -> call id of the last start


def snapshot(cluster: LiveCluster, target: Target, view: ClusterView) -> Snapshot:
    units = {f"{s.unit}.service": s.name for s in target.loaded.services}
    pids: dict[tuple[str, str], int] = {}
    for node, states in cluster.read_all(UnitsFact(sorted(units))).items():
        if isinstance(states, NghaError):
            continue
        for unit, state in states.items():
            if state.running and state.main_pid:
                pids[(units[unit], node)] = state.main_pid
    primitives = _primitives(target, view)
    starts: dict[tuple[str, str], int] = {}
    for node, history in view.history.items():
        for primitive, ops in history.items():
            service = primitives.get(primitive)
            calls = [op.call for op in ops if op.task in ("start", "promote")]
            if service and calls:
                starts[(service, node)] = max(calls)
    return Snapshot(pids, starts)


def _primitives(target: Target, view: ClusterView) -> dict[str, str]:
    """primitive id -> service, for the services Pacemaker runs."""
    by_resource = {rid: name for name, rid in target.desired_ids.items()}
    found = {}
    for instance in view.instances:
        service = by_resource.get(instance.top)
        if service:
            found[instance.resource] = service
    return found


def restarted(before: Snapshot, after: Snapshot) -> list[dict]:
    """Every (service, node) whose process or Pacemaker start changed."""
    changes = []
    for key, pid in before.pids.items():
        if key in after.pids and after.pids[key] != pid:
            changes.append({"service": key[0], "node": key[1], "how": "main PID changed"})
    seen = {(c["service"], c["node"]) for c in changes}
    for key, call in before.starts.items():
        if key in after.starts and after.starts[key] != call and key not in seen:
            changes.append({"service": key[0], "node": key[1],
                            "how": "started again by Pacemaker"})
    return sorted(changes, key=lambda c: (c["service"], c["node"]))


def unit_pids(cluster: LiveCluster, units: list[str]) -> dict[tuple[str, str], int]:
    """(node, unit) -> main PID (0 when not running), on every node that answers."""
    pids = {}
    for node, states in cluster.read_all(UnitsFact(units)).items():
        if isinstance(states, NghaError):
            continue
        for unit, state in states.items():
            pids[(node, unit)] = state.main_pid
    return pids
