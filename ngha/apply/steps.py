"""The steps of apply. Each observes the cluster afresh and does only what is missing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from ngha.apply.health import wait_healthy
from ngha.errors import NghaError
from ngha.facts import CrmMonFact
from ngha.live.cib import apply_patch
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError, StaleCib
from ngha.live.wait import wait_until
from ngha.plan.diff import Plan, UnitChange, make_plan
from ngha.plan.health import resource_problems
from ngha.plan.observe import MANIFEST, observe
from ngha.plan.target import Target
from ngha.plan.tasks import TaskContext, tasks_for
from ngha.profiles.resources import nodes_for
from ngha.render.clustercheck import PORT as CLUSTERCHECK_PORT
from ngha.render.context import service_address, url_host

Progress = Callable[[str], None]
CORE_TIMEOUT = 420.0
SERVICE_TIMEOUT = 180.0
CIB_ATTEMPTS = 3


def refuse_cascade(plan: Plan, force: bool) -> None:
    if plan.gate is None or plan.gate.passed or force:
        return
    hit = sorted({f"{a.action} {a.resource}" + (f" on {a.node}" if a.node else "")
                  for a in plan.gate.collateral})
    raise NghaError(f"this change would disturb resources it does not touch "
                    f"({len(plan.gate.collateral)} actions): {', '.join(hit[:8])}"
                    + (f" and {len(hit) - 8} more" if len(hit) > 8 else ""),
                    fix="review `ngha plan`; run with --force to accept the cascade; "
                        "nothing was changed")


# --- 1. node files ---------------------------------------------------------------------

def write_node_files(cluster: LiveCluster, target: Target, progress: Progress,
                     **_: object) -> None:
    plan = _plan(cluster, target, gate=False)
    reachable = [n for n in target.node_names if n not in plan.unreachable]

    def one(node: str) -> None:
        wanted = target.node(node)
        for change in [c for c in plan.files if c.node == node]:
            if change.why.startswith("stale"):
                cluster.run(node, ["rm", "-f", "--", change.path], what=f"remove {change.path}")
                continue
            if change.path.endswith("/"):
                directory = next(d for d in wanted.directories
                                 if d.path == change.path.rstrip("/"))
                cluster.run(node, ["install", "-d", "-m", f"{directory.mode:o}", "-o",
                                   directory.owner, "-g", directory.group, "--",
                                   directory.path], what=f"create {directory.path}")
                continue
            file = wanted.file(change.path)
            cluster.put_file(node, file.path, target.content(file), mode=file.mode,
                             owner=file.owner, group=file.group)
        if node in plan.manifests:
            cluster.put_file(node, MANIFEST, "".join(f"{f.path}\n" for f in wanted.files),
                             mode=0o644)
        if node in plan.reload_systemd:
            cluster.run(node, ["systemctl", "daemon-reload"], what="systemctl daemon-reload")
        if node in plan.sysctl:
            for path in wanted.sysctl:
                cluster.run(node, ["sysctl", "-q", "-p", path], what=f"sysctl -p {path}")
        for change in [u for u in plan.units if u.node == node and u.action == "disable"]:
            # disabled, never stopped: if Pacemaker runs it, it keeps running
            cluster.run(node, ["systemctl", "disable", "--quiet", change.unit],
                        what=f"systemctl disable {change.unit}")
        for unit in wanted.infrastructure:
            cluster.run(node, ["systemctl", "enable", "--now", "--quiet", unit],
                        what=f"systemctl enable --now {unit}")

    changes = len(plan.files) + len(plan.reload_systemd)
    progress(f"node files: {changes} changes on {len(reachable)} nodes")
    _on_all(reachable, one)


# --- 2. the CIB ------------------------------------------------------------------------

def patch_cib(cluster: LiveCluster, target: Target, progress: Progress, force: bool,
              **_: object) -> None:
    for attempt in range(1, CIB_ATTEMPTS + 1):
        plan = _plan(cluster, target, gate=True)
        if plan.patch.empty:
            progress("CIB: nothing to change")
            return
        refuse_cascade(plan, force)
        c = plan.changes
        progress(f"CIB: {len(c.resources_added)} resources added, "
                 f"{len(c.resources_changed)} changed, {len(c.resources_removed)} removed; "
                 f"{len(c.constraints_added) + len(c.constraints_changed)} constraints set, "
                 f"{len(c.constraints_removed)} removed (one cibadmin --patch)")
        try:
            apply_patch(cluster, plan.patch)
            return
        except StaleCib:
            if attempt == CIB_ATTEMPTS:
                raise
            progress("CIB: it changed since it was read; reading it again")


# --- 3. core services ------------------------------------------------------------------

def wait_for_core(cluster: LiveCluster, target: Target, progress: Progress,
                  **_: object) -> None:
    allowed = _allowed_nodes(target)
    last = [""]

    def read():
        view = cluster.read_any(CrmMonFact())
        problems = resource_problems(view, target.desired.cluster, allowed)
        if problems and problems[0] != last[0]:
            last[0] = problems[0]
            progress(f"core services: waiting ({problems[0]})")
        return problems

    wait_until(read, lambda problems: not problems, timeout=CORE_TIMEOUT,
               what="every resource started and promoted where it should be",
               describe=lambda problems: "; ".join(problems[:4]), interval=2)
    if "galera" in target.services:
        galera_nodes = [n for n in target.loaded.deployment.nodes
                        if n.name in nodes_for(target.loaded.deployment, "galera")]
        wait_until(lambda: _clustercheck(cluster, galera_nodes), lambda bad: not bad,
                   timeout=120, what="Galera synced on every node (port 9200)",
                   describe=lambda bad: "not synced: " + ", ".join(bad), interval=1)
    progress("core services: running clustered")


def _clustercheck(cluster: LiveCluster, nodes) -> list[str]:
    bad = []
    for node in nodes:
        url = f"http://{url_host(service_address(node))}:{CLUSTERCHECK_PORT}/"
        result = cluster.run(node.name, ["curl", "-s", "-o", "/dev/null", "-m", "5", "-w",
                                         "%{http_code}", url], check=False, timeout=15)
        if result.stdout.strip() != "200":
            bad.append(node.name)
    return bad


def _allowed_nodes(target: Target) -> dict[str, list[str]]:
    deployment = target.loaded.deployment
    return {resource: nodes_for(deployment, service)
            for service, resource in target.desired_ids.items()}


# --- 4. one-off tasks ------------------------------------------------------------------

def run_tasks(cluster: LiveCluster, target: Target, progress: Progress, **_: object) -> None:
    for task in tasks_for(target):
        ctx = TaskContext(cluster, target, cluster.read_any(CrmMonFact()))
        if task.check(ctx):
            continue
        progress(f"task: {task.description}")
        task.run(ctx)
        ctx = TaskContext(cluster, target, cluster.read_any(CrmMonFact()))
        if not task.check(ctx):
            raise ClusterError(f"task {task.name} ran but its result is not there",
                               fix="see the node's journal; run apply again")


# --- 5. systemd-owned services -----------------------------------------------------------

def converge_services(cluster: LiveCluster, target: Target, progress: Progress,
                      **_: object) -> None:
    plan = _plan(cluster, target, gate=False)
    by_node: dict[str, list[UnitChange]] = {}
    for change in plan.units:
        if change.action in ("enable", "start", "restart", "reload"):
            by_node.setdefault(change.node, []).append(change)
    # first starts happen everywhere at once (nothing is serving yet); restarts and
    # reloads of running services go one node at a time, each healthy before the next
    starts = {n: [c for c in cs if c.action in ("enable", "start")] for n, cs in by_node.items()}
    if any(starts.values()):
        progress("services: enabling and starting " + ", ".join(sorted(
            {c.unit for cs in starts.values() for c in cs})))
        _on_all([n for n, cs in starts.items() if cs],
                lambda node: _start(cluster, node, starts[node]))
        for node, changes in starts.items():
            _wait_healthy(cluster, target, node, [c.unit for c in changes])
    for node in target.node_names:
        rolling = [c for c in by_node.get(node, []) if c.action in ("restart", "reload")]
        for change in rolling:
            progress(f"services: {change.action} {change.unit} on {node}")
            cluster.run(node, ["systemctl", change.action, change.unit], timeout=180,
                        what=f"systemctl {change.action} {change.unit}")
        if rolling:
            _wait_healthy(cluster, target, node, [c.unit for c in rolling])


def _start(cluster: LiveCluster, node: str, changes: list[UnitChange]) -> None:
    units = sorted({c.unit for c in changes})
    cluster.run(node, ["systemctl", "enable", "--now", "--quiet", *units], timeout=180,
                what=f"systemctl enable --now {' '.join(units)}")


def _wait_healthy(cluster: LiveCluster, target: Target, node: str, units: list[str]) -> None:
    wait_healthy(cluster, target, node, units, timeout=SERVICE_TIMEOUT)


# --- shared ------------------------------------------------------------------------------

def _plan(cluster: LiveCluster, target: Target, gate: bool) -> Plan:
    return make_plan(cluster, target, observe(cluster, target), with_gate=gate)


def _on_all(nodes: list[str], work: Callable[[str], None]) -> None:
    """Run work(node) on every node at once; the first failure is raised after all end."""
    if not nodes:
        return
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        futures = [pool.submit(work, node) for node in nodes]
        errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]
