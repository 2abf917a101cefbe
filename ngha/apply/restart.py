"""`ngha restart`: one service, through the manager that runs it.

Pacemaker's services restart with `pcs resource restart` (on one node, or node by node
with --rolling). systemd's restart with systemctl on each node; with --rolling, an API
service's node is first taken out of every HAProxy (maintenance state, through HAProxy's
admin socket) so no request is sent to it while it restarts, and put back once it
answers again. Each node must be healthy before the next; one that does not come back
stops the restart and is named.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ngha.errors import NghaError
from ngha.facts import HaproxyServersFact
from ngha.facts.haproxy import haproxy_argv
from ngha.health.endpoints import api_urls, wait_services_healthy
from ngha.health.resources import resource_problems
from ngha.live import pacemaker, systemd
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError
from ngha.live.wait import wait_until
from ngha.model.resolve import ResolvedService
from ngha.targets import Target

Progress = Callable[[str], None]


@dataclass
class RestartReport:
    service: str
    manager: str
    nodes: list[str]
    seconds: float


def restart_service(cluster: LiveCluster, target: Target, name: str, node: str | None = None,
                    rolling: bool = False, progress: Progress = lambda _: None) -> RestartReport:
    service = _service(target, name)
    if node is not None and node not in cluster.nodes:
        raise NghaError(f"unknown node {node!r}", field="--node",
                        fix=f"use one of {', '.join(cluster.nodes)}")
    started = time.monotonic()
    if service.manager == "pacemaker":
        nodes = _restart_pacemaker(cluster, target, service, node, rolling, progress)
    else:
        nodes = _restart_systemd(cluster, target, service, node, rolling, progress)
    return RestartReport(service.name, service.manager, nodes, time.monotonic() - started)


def _service(target: Target, name: str) -> ResolvedService:
    for service in target.loaded.services:
        if name in (service.name, service.unit):
            return service
    known = ", ".join(s.name for s in target.loaded.services)
    raise NghaError(f"{name!r} is not a service of this deployment", field="SERVICE",
                    fix=f"use one of: {known}")


# --- Pacemaker ---------------------------------------------------------------------------

def _restart_pacemaker(cluster: LiveCluster, target: Target, service: ResolvedService,
                       node: str | None, rolling: bool, progress: Progress) -> list[str]:
    resource = target.desired_ids[service.name]
    running = pacemaker.read_status(cluster).running_on(resource)
    if not running:
        raise ClusterError(f"{resource} runs nowhere: nothing to restart",
                           fix=f"see `ngha status`; `pcs resource cleanup {resource}`")
    if service.active_passive or not (rolling or node):
        progress(f"pcs resource restart {resource}")
        pacemaker.restart(cluster, resource)
        _wait_pacemaker(cluster, target, resource, running, progress)
        return running
    nodes = [node] if node else running
    for each in nodes:
        progress(f"pcs resource restart {resource} {each}")
        pacemaker.restart(cluster, resource, each)
        _wait_pacemaker(cluster, target, resource, [each], progress)
    return nodes


def _wait_pacemaker(cluster: LiveCluster, target: Target, resource: str, nodes: list[str],
                    progress: Progress) -> None:
    def problems():
        view = pacemaker.read_status(cluster)
        return resource_problems(view, target.desired.cluster, {resource: nodes},
                                 only={resource})
    try:
        wait_until(problems, lambda found: not found, timeout=300,
                   what=f"{resource} running again on {', '.join(nodes)}", interval=1,
                   describe=lambda found: "; ".join(map(str, found)))
    except ClusterError as exc:
        raise ClusterError(exc.message + "; stopped there",
                           fix="see `ngha status` and the node's journal") from None
    progress(f"{resource} is running again on {', '.join(nodes)}")


# --- systemd -----------------------------------------------------------------------------

def _restart_systemd(cluster: LiveCluster, target: Target, service: ResolvedService,
                     node: str | None, rolling: bool, progress: Progress) -> list[str]:
    unit = f"{service.unit}.service"
    nodes = [node] if node else list(cluster.nodes)
    if not (rolling or node):
        progress(f"systemctl restart {unit} on {', '.join(nodes)}")
        for each, result in systemd.act_everywhere(cluster, "restart", [unit],
                                                   nodes=nodes).items():
            if isinstance(result, NghaError) or not result.ok:
                raise ClusterError(f"{each}: systemctl restart {unit} failed; stopped there",
                                   fix="see the node's journal (journalctl -u "
                                       f"{service.unit})")
        for each in nodes:
            wait_services_healthy(cluster, target, each, [unit], via_vip=True)
        return nodes
    backend = service.spec.api.name if service.spec.api else None
    for each in nodes:
        if backend:
            _haproxy(cluster, f"set server {backend}/{each} state maint", progress)
            _wait_drained(cluster, backend, each, progress)
        try:
            progress(f"systemctl restart {unit} on {each}")
            systemd.act(cluster, each, "restart", [unit])
            wait_services_healthy(cluster, target, each, [unit], via_vip=False)
        except NghaError as exc:
            raise ClusterError(f"{each} did not come back: {exc.message}; stopped there "
                               f"(its HAProxy servers stay in maintenance)",
                               fix=f"see the node's journal (journalctl -u {service.unit})") \
                from None
        if backend:
            _haproxy(cluster, f"set server {backend}/{each} state ready", progress)
        wait_services_healthy(cluster, target, each, [unit],
                              via_vip=bool(api_urls(target, each, [unit])))
        progress(f"{unit} healthy again on {each}")
    return nodes


def _wait_drained(cluster: LiveCluster, backend: str, server: str, progress: Progress,
                  timeout: float = 60.0) -> None:
    """Until no HAProxy has a request in flight to that server: a restart would cut it."""
    def sessions() -> int:
        return sum(states[(backend, server)].sessions
                   for states in cluster.read_all(HaproxyServersFact(), timeout=15).values()
                   if not isinstance(states, NghaError) and (backend, server) in states)
    _, seconds = wait_until(sessions, lambda n: n == 0, timeout=timeout,
                            what=f"requests to {backend}/{server} to finish", interval=0.2,
                            describe=lambda n: f"{n} still in flight")
    progress(f"haproxy: {backend}/{server} drained in {seconds:.1f} s")


def _haproxy(cluster: LiveCluster, command: str, progress: Progress) -> None:
    """Send one command to HAProxy on every node that answers (each has its own)."""
    progress(f"haproxy: {command}")
    cluster.run_all(haproxy_argv(command), timeout=15)
