"""What a scenario is judged on, read from the cluster: who restarted (main PIDs and
Pacemaker's operation history), which acknowledged writes are in the database, and
whether Galera is whole again."""

from __future__ import annotations

from dataclasses import dataclass

from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitsFact
from ngha.live.cluster import LiveCluster
from ngha.plan.target import Target


@dataclass(frozen=True)
class Snapshot:
    """Per (service, node): the systemd main PID and the call id of the last start or
    promote Pacemaker ran. Either changing means the service restarted there."""

    pids: dict[tuple[str, str], int]
    starts: dict[tuple[str, str], int]


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


def missing_writes(cluster: LiveCluster, node: str, acknowledged: list[int]) -> list[int]:
    """Acknowledged ids that the database does not have."""
    if not acknowledged:
        return []
    out = cluster.run(node, ["mysql", "-N", "-B", "-e",
                             f"SELECT id FROM ngha_probe.probe_writes WHERE id BETWEEN "
                             f"{min(acknowledged)} AND {max(acknowledged)}"],
                      timeout=60, what="read back the acknowledged writes").stdout
    present = {int(x) for x in out.split()}
    return [i for i in acknowledged if i not in present]


def galera_state(cluster: LiveCluster, nodes: list[str]) -> dict:
    sizes, synced = [], []
    for node in nodes:
        result = cluster.run(node, ["mysql", "-N", "-B", "-e",
                                    "SHOW GLOBAL STATUS WHERE Variable_name IN "
                                    "('wsrep_cluster_size', 'wsrep_local_state_comment')"],
                             check=False, timeout=30)
        values = dict(line.split("\t", 1) for line in result.stdout.splitlines() if "\t" in line)
        sizes.append(int(values.get("wsrep_cluster_size", "0")))
        synced.append(values.get("wsrep_local_state_comment") == "Synced")
    return {"cluster_size": min(sizes) if sizes else 0, "synced": all(synced) and bool(synced)}
