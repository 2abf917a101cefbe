"""The node part of a plan: on every node, the files ngha manages (content digest, mode,
owner), the units, the sysctl, ngha's own bookkeeping (the manifest of files it wrote,
the restarts still owed), and what must change there.

A restart owed because a file changed is written down on the node before the file is
written (/var/lib/ngha/pending-restarts) and crossed off once done, so an apply killed
between writing a file and restarting its service still restarts it when run again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ngha.errors import NghaError
from ngha.facts import (FileDigestsFact, FileLinesFact, FileState, SysctlFact, UnitState,
                        UnitsFact)
from ngha.facts.batch import Batch
from ngha.facts.units import unit_name
from ngha.live.cluster import LiveCluster
from ngha.render.nodefiles import NodeFile
from ngha.targets import Target

SYSCTL_KEYS = ("net.ipv4.ip_nonlocal_bind",)
# Every file ngha wrote on the node, so a file it no longer wants (a profile changed, a
# service removed) is removed, and nothing it did not write ever is.
MANIFEST = "/var/lib/ngha/managed-files"
PENDING = "/var/lib/ngha/pending-restarts"  # "unit<TAB>restart|reload" per line


@dataclass
class NodeObservation:
    units: dict[str, UnitState]
    files: dict[str, FileState] | None  # None: not observed (a step that acts on units)
    sysctl: dict[str, str] = field(default_factory=dict)
    managed: tuple[str, ...] | None = None  # the manifest; None when there is none
    pending: tuple[tuple[str, str], ...] = ()  # (unit, action) owed since a file changed


@dataclass(frozen=True)
class FileChange:
    node: str
    path: str
    why: str  # missing, content, mode, owner, mode or owner, stale: remove
    mode: int
    owner: str


@dataclass(frozen=True)
class UnitChange:
    node: str
    unit: str
    action: str  # enable, disable, start, restart, reload
    why: str


@dataclass
class NodesPlan:
    files: list[FileChange] = field(default_factory=list)
    units: list[UnitChange] = field(default_factory=list)
    reload_systemd: list[str] = field(default_factory=list)  # nodes
    sysctl: list[str] = field(default_factory=list)  # nodes where the sysctl is not applied
    manifests: list[str] = field(default_factory=list)  # nodes whose file manifest changes
    owed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # node -> restarts
    notes: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        return bool(self.files or self.units or self.reload_systemd or self.sysctl
                    or self.manifests)


# --- observing ---------------------------------------------------------------------------

def units_of_interest(target: Target, node: str) -> list[str]:
    files = target.node(node)
    units = [p.unit for p in files.enable + files.disable]
    units += list(files.infrastructure)
    units += [u for f in files.files for u in f.restarts]
    return sorted({unit_name(u) for u in units})


def paths_of_interest(target: Target, node: str) -> list[str]:
    files = target.node(node)
    return [f.path for f in files.files] + [d.path for d in files.directories]


def observe_node(cluster: LiveCluster, target: Target, node: str,
                 files: bool = True) -> NodeObservation:
    """One command on the node (a batch of facts): its units and the restarts owed, and
    with files=True its managed files, sysctl and manifest."""
    facts: list = [UnitsFact(units_of_interest(target, node)), FileLinesFact(PENDING)]
    if files:
        facts += [FileDigestsFact(paths_of_interest(target, node)), SysctlFact(SYSCTL_KEYS),
                  FileLinesFact(MANIFEST)]
    units, pending, *rest = cluster.read(Batch(*facts), node)
    owed = tuple(tuple(line.split("\t", 1)) for line in pending or () if "\t" in line)
    if not files:
        return NodeObservation(units, None, pending=owed)
    digests, sysctl, managed = rest
    return NodeObservation(units=units, files=digests, sysctl=sysctl, managed=managed,
                           pending=owed)


def observe_nodes(cluster: LiveCluster, target: Target, files: bool = True
                  ) -> tuple[dict[str, NodeObservation], dict[str, str]]:
    """Every node at once: (observations, node -> why it could not be read)."""
    def one(node: str) -> NodeObservation | NghaError:
        try:
            return observe_node(cluster, target, node, files)
        except NghaError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, len(target.node_names))) as pool:
        results = dict(zip(target.node_names, pool.map(one, target.node_names)))
    observed = {n: r for n, r in results.items() if isinstance(r, NodeObservation)}
    unreachable = {n: r.message for n, r in results.items() if isinstance(r, NghaError)}
    return observed, unreachable


# --- planning ----------------------------------------------------------------------------

def plan_nodes(target: Target, observed: dict[str, NodeObservation],
               unreachable: dict[str, str]) -> NodesPlan:
    plan = NodesPlan(unreachable=dict(unreachable))
    for node in target.node_names:
        if node in observed:
            _node_changes(plan, target, node, observed[node])
    return plan


def _node_changes(plan: NodesPlan, target: Target, node: str, seen: NodeObservation) -> None:
    restarts = dict(seen.pending)  # unit -> restart or reload, owed from an earlier apply
    if seen.files is not None:
        for file in _file_changes(plan, target, node, seen):
            for unit in file.restarts:
                restarts.setdefault(unit_name(unit), "reload" if file.reload else "restart")
    wanted = target.node(node)
    units = seen.units
    owed: list[tuple[str, str]] = []
    for plan_unit in wanted.disable:
        unit = unit_name(plan_unit.unit)
        state = units.get(unit)
        if state is not None and state.enabled:
            plan.units.append(UnitChange(node, unit, "disable", "Pacemaker manages it"))
        if state is not None and state.running and unit in restarts:
            if restarts[unit] == "reload":
                plan.units.append(UnitChange(node, unit, "reload", "its files changed"))
                owed.append((unit, "reload"))
            else:
                plan.notes.append(f"{node}: {plan_unit.service} runs under Pacemaker and its "
                                  f"files changed; restart it with `ngha restart "
                                  f"{plan_unit.service}` when convenient")
    own = [unit_name(p.unit) for p in wanted.enable] + list(wanted.infrastructure)
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
            plan.units.append(UnitChange(node, unit, restarts[unit], "its files changed"))
            owed.append((unit, restarts[unit]))
    if owed:
        plan.owed[node] = owed


def _file_changes(plan: NodesPlan, target: Target, node: str,
                  seen: NodeObservation) -> list[NodeFile]:
    """The node's file changes into plan; returns the files whose content changes."""
    wanted = target.node(node)
    files = seen.files or {}
    changed: list[NodeFile] = []
    for file in wanted.files:
        why = _file_difference(target, node, file, files.get(file.path))
        if why:
            if why in ("missing", "content"):
                changed.append(file)
            plan.files.append(FileChange(node, file.path, why, file.mode,
                                         f"{file.owner}:{file.group}"))
    for directory in wanted.directories:
        state = files.get(directory.path)
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
        if files.get(path) is None or files[path].exists:
            plan.files.append(FileChange(node, path, "stale: remove", 0, ""))
    if seen.managed is None or sorted(seen.managed) != sorted(wanted_paths):
        plan.manifests.append(node)
    if any(f.is_systemd_unit for f in changed) or any(
            p.startswith("/etc/systemd/system/") for p in stale):
        plan.reload_systemd.append(node)
    if any(seen.sysctl.get(k) != "1" for k in SYSCTL_KEYS):
        plan.sysctl.append(node)
    return changed


def _file_difference(target: Target, node: str, file: NodeFile,
                     state: FileState | None) -> str | None:
    if state is None or not state.exists or state.directory:
        return "missing"
    if state.sha256 != target.digest(node, file):
        return "content"
    if state.mode != file.mode:
        return "mode"
    if state.owner != f"{file.owner}:{file.group}":
        return "owner"
    return None
