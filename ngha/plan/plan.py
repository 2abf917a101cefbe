"""The whole plan: its three parts observed and planned side by side (the CIB, the nodes,
the one-off tasks), each part also usable on its own by the apply step that acts on it.
Nothing here changes the cluster; the task checks and the cascade gate only read it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ngha.facts import ClusterView
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.plan.cib import CibPlan, plan_cib
from ngha.plan.nodes import NodesPlan, observe_nodes, plan_nodes
from ngha.plan.tasks import TaskState, task_states
from ngha.targets import Target


@dataclass
class Plan:
    profile: str
    cluster: str
    view: ClusterView  # Pacemaker's view when planned (quorum, who is online)
    cib: CibPlan
    nodes: NodesPlan
    tasks: list[TaskState] = field(default_factory=list)
    node_names: tuple[str, ...] = ()

    # the parts' contents, as the plan's readers (CLI, JSON, chaos) name them
    changes = property(lambda self: self.cib.changes)
    patch = property(lambda self: self.cib.patch)
    gate = property(lambda self: self.cib.gate)
    files = property(lambda self: self.nodes.files)
    units = property(lambda self: self.nodes.units)
    reload_systemd = property(lambda self: self.nodes.reload_systemd)
    sysctl = property(lambda self: self.nodes.sysctl)
    manifests = property(lambda self: self.nodes.manifests)
    notes = property(lambda self: self.nodes.notes)
    unreachable = property(lambda self: self.nodes.unreachable)

    @property
    def pending_tasks(self) -> list[TaskState]:
        return [t for t in self.tasks if not t.done]

    @property
    def pending(self) -> bool:
        return self.cib.pending or self.nodes.pending or bool(self.pending_tasks)

    def as_dict(self) -> dict:
        return {
            "profile": self.profile, "cluster": self.cluster, "pending": self.pending,
            "cib": {**self.changes.as_dict(), "patch": not self.patch.empty,
                    "epoch": self.patch.original.version.epoch, "held": list(self.cib.held),
                    "gate": None if self.gate is None else {
                        "passed": self.gate.passed,
                        "collateral": [a.as_dict() for a in self.gate.collateral]}},
            "files": [{"node": f.node, "path": f.path, "why": f.why, "mode": oct(f.mode),
                       "owner": f.owner} for f in self.files],
            "units": [{"node": u.node, "unit": u.unit, "action": u.action, "why": u.why}
                      for u in self.units],
            "daemon_reload": self.reload_systemd,
            "sysctl": self.sysctl,
            "manifests": self.manifests,
            "tasks": [{"name": t.name, "description": t.description, "done": t.done,
                       "ready": t.ready} for t in self.tasks],
            "notes": self.notes,
            "unreachable": self.unreachable,
        }


def make_plan(cluster: LiveCluster, target: Target, with_gate: bool = True) -> Plan:
    """Observe and plan every part at once: Pacemaker's view and the tasks' checks, the
    CIB and its change, every node."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        nodes = pool.submit(lambda: plan_nodes(target, *observe_nodes(cluster, target)))
        cib = pool.submit(lambda: plan_cib(pacemaker.read_cib(cluster), target, with_gate))
        view = pacemaker.read_status(cluster)
        tasks = task_states(cluster, target, view)
        return Plan(profile=target.profile, cluster=cluster.name, view=view,
                    cib=cib.result(), nodes=nodes.result(), tasks=tasks,
                    node_names=target.node_names)
