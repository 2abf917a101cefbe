"""Target vs observed: the plan. Nothing here changes the cluster; the task checks and
the cascade gate only read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ngha.cib.merge import CibChanges, merge
from ngha.cib.verify import crm_verify_element
from ngha.errors import NghaError
from ngha.live.cib import CibPatch, make_patch
from ngha.live.cluster import LiveCluster
from ngha.plan.observe import SYSCTL_KEYS, Observed
from ngha.plan.target import Target
from ngha.plan.tasks import Task, TaskContext, tasks_for
from ngha.render.nodefiles import NodeFile
from ngha.simulate.gate import GateResult, cascade_check


@dataclass(frozen=True)
class FileChange:
    node: str
    path: str
    why: str  # missing, content, mode, owner
    mode: int
    owner: str


@dataclass(frozen=True)
class UnitChange:
    node: str
    unit: str
    action: str  # enable, disable, start, restart, reload
    why: str


@dataclass(frozen=True)
class TaskState:
    name: str
    description: str
    done: bool
    ready: bool  # its core service runs, so it can run now


@dataclass
class Plan:
    profile: str
    cluster: str
    changes: CibChanges
    candidate: etree._Element
    patch: CibPatch
    gate: GateResult | None
    files: list[FileChange] = field(default_factory=list)
    units: list[UnitChange] = field(default_factory=list)
    reload_systemd: list[str] = field(default_factory=list)  # nodes
    sysctl: list[str] = field(default_factory=list)  # nodes where the sysctl is not applied
    manifests: list[str] = field(default_factory=list)  # nodes whose file manifest changes
    tasks: list[TaskState] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)
    nodes: tuple[str, ...] = ()

    @property
    def pending_tasks(self) -> list[TaskState]:
        return [t for t in self.tasks if not t.done]

    @property
    def pending(self) -> bool:
        return bool(not self.patch.empty or self.files or self.units or self.reload_systemd
                     or self.sysctl or self.manifests or self.pending_tasks)

    def as_dict(self) -> dict:
        return {
            "profile": self.profile, "cluster": self.cluster, "pending": self.pending,
            "cib": {**self.changes.as_dict(), "patch": not self.patch.empty,
                    "epoch": self.patch.original.version.epoch,
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


def make_plan(cluster: LiveCluster, target: Target, observed: Observed,
              with_gate: bool = True) -> Plan:
    live = observed.cib.tree()
    candidate, changes = merge(live, target.desired.cluster, target.profile)
    problems = crm_verify_element(candidate)
    if problems:
        raise NghaError(f"the CIB this apply would make is not valid: {problems}",
                        fix="this is a bug in ngha or the catalog; nothing was changed")
    patch = make_patch(observed.cib, candidate)
    gate = None
    if with_gate and not patch.empty and changes.touched_resources | set(
            changes.resources_changed):
        gate = cascade_check(live, candidate, changes.touched_resources)
    plan = Plan(profile=target.profile, cluster=cluster.name, changes=changes,
                candidate=candidate, patch=patch, gate=gate,
                unreachable=dict(observed.unreachable), nodes=target.node_names)
    for node in target.node_names:
        if node in observed.nodes:
            _node_changes(plan, target, observed, node)
    plan.tasks = task_states(cluster, target, observed)
    return plan


def _node_changes(plan: Plan, target: Target, observed: Observed, node: str) -> None:
    wanted = target.node(node)
    seen = observed.nodes[node]
    changed: list[NodeFile] = []
    for file in wanted.files:
        state = seen.files.get(file.path)
        why = _file_difference(target, node, file, state)
        if why:
            changed.append(file)
            plan.files.append(FileChange(node, file.path, why, file.mode,
                                         f"{file.owner}:{file.group}"))
    for directory in wanted.directories:
        state = seen.files.get(directory.path)
        owner = f"{directory.owner}:{directory.group}"
        if state is None or not state.exists or not state.directory:
            plan.files.append(FileChange(node, directory.path + "/", "missing",
                                         directory.mode, owner))
        elif state.mode != directory.mode or state.owner != owner:
            plan.files.append(FileChange(node, directory.path + "/", "mode or owner",
                                         directory.mode, owner))
    wanted_paths = [f.path for f in wanted.files]
    stale = [p for p in (seen.managed or ()) if p not in wanted_paths]
    for path in stale:
        if seen.files.get(path) is None or seen.files[path].exists:
            plan.files.append(FileChange(node, path, "stale: remove", 0, ""))
    if seen.managed is None or sorted(seen.managed) != sorted(wanted_paths):
        plan.manifests.append(node)
    if any(f.is_systemd_unit for f in changed) or any(
            p.startswith("/etc/systemd/system/") for p in stale):
        plan.reload_systemd.append(node)
    if any(seen.sysctl.get(k) != "1" for k in SYSCTL_KEYS):
        plan.sysctl.append(node)
    restarts = {u if "." in u else f"{u}.service": f for f in changed for u in f.restarts}
    units = seen.units
    for plan_unit in wanted.disable:
        unit = f"{plan_unit.unit}.service"
        state = units.get(unit)
        if state is not None and state.enabled:
            plan.units.append(UnitChange(node, unit, "disable", "Pacemaker manages it"))
        if state is not None and state.running and unit in restarts:
            if restarts[unit].reload:
                plan.units.append(UnitChange(node, unit, "reload", "its files changed"))
            else:
                plan.notes.append(f"{node}: {plan_unit.service} runs under Pacemaker and its "
                                  f"files changed; restart it with `ngha restart "
                                  f"{plan_unit.service}` when convenient")
    own = [f"{p.unit}.service" for p in wanted.enable] + list(wanted.infrastructure)
    for unit in own:
        state = units.get(unit)
        if state is None or not state.exists:
            if wanted.file(f"/etc/systemd/system/{unit}") is not None:  # ngha installs it
                plan.units += [UnitChange(node, unit, "enable", "systemd manages it"),
                               UnitChange(node, unit, "start", "not running")]
            else:
                plan.notes.append(f"{node}: unit {unit} is not installed (install its "
                                  "package)")
            continue
        if not state.enabled:
            plan.units.append(UnitChange(node, unit, "enable", "systemd manages it"))
        if not state.running:
            plan.units.append(UnitChange(node, unit, "start", "not running"))
        elif unit in restarts:
            plan.units.append(UnitChange(node, unit, "reload" if restarts[unit].reload
                                         else "restart", "its files changed"))


def _file_difference(target: Target, node: str, file: NodeFile, state) -> str | None:
    if state is None or not state.exists or state.directory:
        return "missing"
    if state.sha256 != target.digest(node, file):
        return "content"
    if state.mode != file.mode:
        return "mode"
    if state.owner != f"{file.owner}:{file.group}":
        return "owner"
    return None


def task_states(cluster: LiveCluster, target: Target, observed: Observed) -> list[TaskState]:
    ctx = TaskContext(cluster=cluster, target=target, view=observed.view)
    states = []
    for task in tasks_for(target):
        ready = _ready(ctx, task)
        done = ready and task.check(ctx)
        states.append(TaskState(task.name, task.description, done, ready))
    return states


def _ready(ctx: TaskContext, task: Task) -> bool:
    return (ctx.galera_node if task.needs == "galera" else ctx.rabbit_node) is not None
