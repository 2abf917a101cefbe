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
from ngha.facts import CrmMonFact
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError
from ngha.live.wait import wait_until
from ngha.model.resolve import ResolvedService
from ngha.plan.target import Target
from ngha.apply.health import api_urls, wait_healthy

Progress = Callable[[str], None]
HAPROXY_SOCKET = "/run/haproxy/admin.sock"
# One command to HAProxy's runtime API; the command is a parameter, never shell text.
HAPROXY_COMMAND = ("import socket, sys\n"
                   "s = socket.socket(socket.AF_UNIX)\n"
                   "s.settimeout(10)\n"
                   "s.connect(sys.argv[1])\n"
                   "s.sendall((sys.argv[2] + '\\n').encode())\n"
                   "out = b''\n"
                   "while chunk := s.recv(65536):\n"
                   "    out += chunk\n"
                   "print(out.decode().strip())\n")


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
    view = cluster.read_any(CrmMonFact())
    running = sorted(view.roles_on(resource))
    if not running:
        raise ClusterError(f"{resource} runs nowhere: nothing to restart",
                           fix=f"see `ngha status`; `pcs resource cleanup {resource}`")
    if service.active_passive or not (rolling or node):
        progress(f"pcs resource restart {resource}")
        _pcs_restart(cluster, resource, None)
        _wait_pacemaker(cluster, resource, running, progress)
        return running
    nodes = [node] if node else running
    for each in nodes:
        progress(f"pcs resource restart {resource} {each}")
        _pcs_restart(cluster, resource, each)
        _wait_pacemaker(cluster, resource, [each], progress)
    return nodes


def _pcs_restart(cluster: LiveCluster, resource: str, node: str | None) -> None:
    argv = ["pcs", "resource", "restart", resource] + ([node] if node else []) + ["--wait=300"]
    cluster.run_any(argv, timeout=360, what=" ".join(argv))


def _wait_pacemaker(cluster: LiveCluster, resource: str, nodes: list[str],
                    progress: Progress) -> None:
    def back(view) -> bool:
        roles = view.roles_on(resource)
        return all(n in roles for n in nodes) and not any(
            i.failed for i in view.instances_of(resource))
    try:
        wait_until(lambda: cluster.read_any(CrmMonFact()), back, timeout=300,
                   what=f"{resource} running again on {', '.join(nodes)}", interval=1,
                   describe=lambda v: str(v.roles_on(resource)))
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
        for each, result in cluster.run_all(["systemctl", "restart", unit], nodes=nodes,
                                            timeout=180).items():
            if isinstance(result, NghaError) or not result.ok:
                raise ClusterError(f"{each}: systemctl restart {unit} failed; stopped there",
                                   fix="see the node's journal (journalctl -u "
                                       f"{service.unit})")
        for each in nodes:
            wait_healthy(cluster, target, each, [unit], via_vip=True)
        return nodes
    backend = service.spec.api.name if service.spec.api else None
    for each in nodes:
        if backend:
            _haproxy(cluster, f"set server {backend}/{each} state maint", progress)
            _wait_drained(cluster, backend, each, progress)
        try:
            progress(f"systemctl restart {unit} on {each}")
            cluster.run(each, ["systemctl", "restart", unit], timeout=180,
                        what=f"systemctl restart {unit}")
            wait_healthy(cluster, target, each, [unit], via_vip=False)
        except NghaError as exc:
            raise ClusterError(f"{each} did not come back: {exc.message}; stopped there "
                               f"(its HAProxy servers stay in maintenance)",
                               fix=f"see the node's journal (journalctl -u {service.unit})") \
                from None
        if backend:
            _haproxy(cluster, f"set server {backend}/{each} state ready", progress)
        wait_healthy(cluster, target, each, [unit], via_vip=bool(api_urls(target, each, [unit])))
        progress(f"{unit} healthy again on {each}")
    return nodes


def _wait_drained(cluster: LiveCluster, backend: str, server: str, progress: Progress,
                  timeout: float = 60.0) -> None:
    """Until no HAProxy has a request in flight to that server: a restart would cut it."""
    def sessions() -> int:
        total = 0
        for result in cluster.run_all(["python3", "-c", HAPROXY_COMMAND, HAPROXY_SOCKET,
                                       "show stat"], timeout=15).values():
            if isinstance(result, NghaError) or not result.ok:
                continue
            for line in result.stdout.splitlines():
                fields = line.split(",")
                if len(fields) > 4 and fields[0] == backend and fields[1] == server:
                    total += int(fields[4] or 0)  # scur: current sessions
        return total
    _, seconds = wait_until(sessions, lambda n: n == 0, timeout=timeout,
                            what=f"requests to {backend}/{server} to finish", interval=0.2,
                            describe=lambda n: f"{n} still in flight")
    progress(f"haproxy: {backend}/{server} drained in {seconds:.1f} s")


def _haproxy(cluster: LiveCluster, command: str, progress: Progress) -> None:
    """Send one command to HAProxy on every node that answers (each has its own)."""
    progress(f"haproxy: {command}")
    cluster.run_all(["python3", "-c", HAPROXY_COMMAND, HAPROXY_SOCKET, command], timeout=15)
