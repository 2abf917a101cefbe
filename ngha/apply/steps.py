"""The steps of apply. Each acts on one part of the plan and re-observes only that part
(the first step may be handed the part apply planned a moment before)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from ngha.facts import HaproxyServersFact, WsrepFact
from ngha.health.core import galera_problems, routing_problems
from ngha.health.endpoints import wait_services_healthy
from ngha.health.resources import resource_problems
from ngha.live import pacemaker, systemd
from ngha.live.cluster import LiveCluster
from ngha.live.configuration import held_resources, push_configuration
from ngha.live.errors import ClusterError
from ngha.live.wait import wait_until
from ngha.plan.cib import CibPlan, gate_of, refuse_cascade
from ngha.plan.nodes import (MANIFEST, PENDING, NodesPlan, UnitChange, observe_nodes,
                             plan_nodes)
from ngha.plan.task import TaskContext
from ngha.profiles.desired import Order
from ngha.plan.tasks import tasks_for
from ngha.render.haproxy import GALERA_SECTION
from ngha.targets import Target

Progress = Callable[[str], None]
CORE_TIMEOUT = 420.0
SERVICE_TIMEOUT = 180.0


# --- 1. node files ---------------------------------------------------------------------

def write_node_files(cluster: LiveCluster, target: Target, progress: Progress,
                     planned: NodesPlan | None = None, restart: bool = True) -> None:
    """restart=False: the files take effect at each service's next start, and no restart
    is owed for them (a migration, which restarts nothing)."""
    plan = planned or plan_nodes(target, *observe_nodes(cluster, target))
    reachable = [n for n in target.node_names if n not in plan.unreachable]

    def one(node: str) -> None:
        wanted = target.node(node)
        owed = plan.owed.get(node) if restart else None
        if owed:  # written down before the files that owe them: a kill here loses none
            _write_owed(cluster, node, owed)
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
            systemd.daemon_reload(cluster, node)
        if node in plan.sysctl:
            for path in wanted.sysctl:
                cluster.run(node, ["sysctl", "-q", "-p", path], what=f"sysctl -p {path}")
        disable = [u.unit for u in plan.units if u.node == node and u.action == "disable"]
        if disable:  # disabled, never stopped: if Pacemaker runs it, it keeps running
            systemd.disable(cluster, node, disable)
        helpers = sorted({u.unit for u in plan.units if u.node == node
                          and u.unit in wanted.infrastructure and u.action in ("enable", "start")})
        if helpers:  # ngha's own (the Galera health check): before the core needs them
            systemd.enable(cluster, node, helpers, now=True)

    changes = len(plan.files) + len(plan.reload_systemd)
    progress(f"node files: {changes} changes on {len(reachable)} nodes")
    _on_all(reachable, one)


def _write_owed(cluster: LiveCluster, node: str, owed: list[tuple[str, str]]) -> None:
    cluster.put_file(node, PENDING, "".join(f"{unit}\t{action}\n" for unit, action in owed),
                     mode=0o644)


# --- 2. the CIB ------------------------------------------------------------------------

def patch_cib(cluster: LiveCluster, target: Target, progress: Progress, force: bool,
              planned: CibPlan | None = None) -> None:
    def check(change) -> None:  # the gate planned already, or on a re-planned change
        gate = planned.gate if planned and change is planned.change else gate_of(change)
        refuse_cascade(gate, force)
    first = planned.change if planned else None
    if first is not None and target.held_back & set(first.changes.resources_added):
        first = None  # planned without holding back what it adds: plan it again, holding
    change = push_configuration(cluster, target.desired.cluster, target.profile,
                                first=first, check=check, hold=target.held_back,
                                progress=progress)
    if change.patch.empty:
        progress("CIB: nothing to change")


# --- 3. core services ------------------------------------------------------------------

def wait_for_core(cluster: LiveCluster, target: Target, progress: Progress) -> None:
    last = [""]

    def problems():
        view = pacemaker.read_status(cluster)
        found = resource_problems(view, target.desired.cluster, target.allowed_nodes)
        if found and str(found[0]) != last[0]:
            last[0] = str(found[0])
            progress(f"core services: waiting ({found[0]})")
        return found

    wait_until(problems, lambda found: not found, timeout=CORE_TIMEOUT,
               what="every resource started and promoted where it should be",
               describe=lambda found: "; ".join(map(str, found[:4])), interval=2)
    if "galera" in target.services:
        galera = target.service_nodes("galera")
        wait_until(lambda: galera_problems(cluster.read_all(WsrepFact(), nodes=galera)),
                   lambda found: not found, timeout=120,
                   what="Galera synced on every node",
                   describe=lambda found: "; ".join(map(str, found)), interval=1)
        if "haproxy" in target.services:
            # HAProxy's check of each member (clustercheck on port 9200) passing: what the
            # services' database connections through the VIP wait for
            haproxies = target.service_nodes("haproxy")
            wait_until(lambda: routing_problems(cluster.read_all(HaproxyServersFact(),
                                                                 nodes=haproxies),
                                                GALERA_SECTION),
                       lambda found: not found, timeout=120,
                       what="HAProxy routing to Galera on every node",
                       describe=lambda found: "; ".join(map(str, found)), interval=1)
    progress("core services: running clustered")


# --- 4. one-off tasks ------------------------------------------------------------------

def run_tasks(cluster: LiveCluster, target: Target, progress: Progress,
              late: bool = False) -> None:
    """The tasks that need only the core services; late=True: those that need the
    services' own APIs (Keystone registrations), after the services have started."""
    tasks = [t for t in tasks_for(target) if t.late == late]
    for api in dict.fromkeys(t.needs_api for t in tasks if t.needs_api):
        wait_for_routing(cluster, target, api)
    for task in tasks:
        ctx = TaskContext(cluster, target, pacemaker.read_status(cluster))
        if task.check(ctx):
            continue
        progress(f"task: {task.description}")
        task.run(ctx)
        ctx = TaskContext(cluster, target, pacemaker.read_status(cluster))
        if not task.check(ctx):
            raise ClusterError(f"task {task.name} ran but its result is not there",
                               fix="see the node's journal; run apply again")
    if late:  # after the registrations: a service that authenticates at start can start
        release_held(cluster, target, progress)


def wait_for_routing(cluster: LiveCluster, target: Target, service: str) -> None:
    """HAProxy on every node sends the service's API to a server it has seen healthy: a
    unit answering on its own address is not yet reachable through the VIP (HAProxy's
    check must pass twice first)."""
    spec = target.loaded.catalog.services[service].api
    if spec is None or "haproxy" not in target.services or service not in target.services:
        return
    haproxies = target.service_nodes("haproxy")
    wait_until(lambda: routing_problems(cluster.read_all(HaproxyServersFact(), nodes=haproxies),
                                        spec.name),
               lambda found: not found, timeout=120,
               what=f"HAProxy routing to {service} on every node",
               describe=lambda found: "; ".join(map(str, found)), interval=1)


def release_held(cluster: LiveCluster, target: Target, progress: Progress) -> None:
    """Start the resources the CIB step added stopped, now that their tasks (schema,
    Keystone registration) are done: one project at a time, each running and its APIs
    answering before the next. Released at once, a dozen Python services started on every
    node together and starved the core's monitors (on the lab's 2 cores RabbitMQ's timed
    out, and on the legacy layout its recovery restarted everything ordered after it);
    waiting only for Pacemaker's "Started" still let the last projects' processes load
    together (a unit is started long before its Python has loaded: load 33, two RabbitMQ
    monitors timed out just as apply returned)."""
    cib = pacemaker.read_cib(cluster)
    held = held_resources(cib)
    for wave in release_waves(target, held):
        progress(f"starting {', '.join(wave)} (its one-off tasks are done)")
        for resource in wave:
            pacemaker.delete_meta(cluster, resource, "target-role", cib=cib)
        wait_until(lambda: resource_problems(pacemaker.read_status(cluster),
                                             target.desired.cluster, target.allowed_nodes,
                                             only=set(wave), skip_disabled=False),
                   lambda found: not found, timeout=CORE_TIMEOUT,
                   what=f"{', '.join(wave)} running",
                   describe=lambda found: "; ".join(map(str, found[:4])), interval=2)
        wait_apis_answering(cluster, target, set(wave))


def wait_apis_answering(cluster: LiveCluster, target: Target, resources: set[str]) -> None:
    """Every API among `resources` answers on the own address of each node Pacemaker runs
    it on (its other services, started with it, load in the same time)."""
    view = pacemaker.read_status(cluster)
    for service in target.loaded.services:
        resource = target.desired_ids.get(service.name)
        if service.spec.api is None or resource not in resources:
            continue
        for node in view.running_on(resource):
            wait_services_healthy(cluster, target, node, [f"{service.unit}.service"],
                                  timeout=SERVICE_TIMEOUT)


def release_waves(target: Target, held: list[str],
                  orders: tuple[tuple[str, str], ...] = ()) -> list[list[str]]:
    """The held resources grouped by project, in catalog order; a group that is ordered
    after a held resource of a later group starts with that group instead (a mandatory
    order on a stopped resource would keep it from starting). Held resources of no project
    last. `orders`: (first, then) pairs besides the desired configuration's."""
    project_of = {target.desired_ids[s.name]: s.spec.project or ""
                  for s in target.loaded.services if s.name in target.desired_ids}
    projects = list(dict.fromkeys([*project_of.values(), ""]))
    waves = [[r for r in held if project_of.get(r, "") == p] for p in projects]
    first_of: dict[str, set[str]] = {}
    pairs = [(c.first, c.then) for c in target.desired.cluster.constraints
             if isinstance(c, Order)]
    for first, then in [*pairs, *orders]:
        first_of.setdefault(then, set()).add(first)
    for i, wave in enumerate(waves):
        needs = set().union(*(first_of.get(r, set()) for r in wave)) - set(wave)
        later = next((w for w in waves[i + 1:] if needs & set(w)), None)
        if later is not None:
            later[:0] = wave
            wave.clear()
    return [w for w in waves if w]


# --- 5. systemd-owned services -----------------------------------------------------------

def converge_services(cluster: LiveCluster, target: Target, progress: Progress,
                      only: Callable[[str], bool] = lambda unit: True) -> None:
    """Units only (those `only` accepts): what to enable, start, restart or reload
    (restarts owed included). One node at a time, each healthy before the next: first
    starts too, since a dozen Python services starting on every node at once starve the
    core's monitors (on the lab's 2 cores, RabbitMQ's timed out)."""
    observed, unreachable = observe_nodes(cluster, target, files=False)
    plan = plan_nodes(target, observed, unreachable)
    by_node: dict[str, list[UnitChange]] = {}
    for change in plan.units:
        if change.action in ("enable", "start", "restart", "reload") and only(change.unit):
            by_node.setdefault(change.node, []).append(change)
    for node in target.node_names:
        changes = by_node.get(node, [])
        start = sorted({c.unit for c in changes if c.action == "start"})
        enable = sorted({c.unit for c in changes if c.action == "enable"} - set(start))
        if start:
            progress(f"services: starting on {node}: {', '.join(start)}")
            systemd.enable(cluster, node, start, now=True)
        if enable:  # running already, not enabled: a restart it owes is made below
            systemd.enable(cluster, node, enable)
        rolling = [c for c in changes if c.action in ("restart", "reload")
                   and c.unit not in start]
        for change in rolling:
            progress(f"services: {change.action} {change.unit} on {node}")
            systemd.act(cluster, node, change.action, [change.unit])
        if changes:
            wait_services_healthy(cluster, target, node, sorted({c.unit for c in changes}),
                                  timeout=SERVICE_TIMEOUT)
        owed = observed[node].pending if node in observed else ()
        if owed:  # cross off what this pass did; what it left stays written down
            left = [(unit, action) for unit, action in owed if not only(unit)]
            if left:
                _write_owed(cluster, node, left)
            else:
                cluster.run(node, ["rm", "-f", "--", PENDING], what=f"remove {PENDING}")


# --- shared ------------------------------------------------------------------------------

def _on_all(nodes: list[str], work: Callable[[str], None]) -> None:
    """Run work(node) on every node at once; the first failure is raised after all end."""
    if not nodes:
        return
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        futures = [pool.submit(work, node) for node in nodes]
        errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]
