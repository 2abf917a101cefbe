"""Is a service healthy on a node: its units active and, for an API, its health path
answering on the node's own address (and, if asked, through its VIP). What apply waits
for after starting services and restart waits for after each node."""

from __future__ import annotations

from ngha.facts import HttpStatusFact, UnitsFact
from ngha.health.problems import NOT_ANSWERING, NOT_RUNNING, Problem
from ngha.live.cluster import LiveCluster
from ngha.live.wait import wait_until
from ngha.render.context import service_address, url_host
from ngha.targets import Target

TIMEOUT = 180.0


def api_urls(target: Target, node: str, units: list[str], via_vip: bool = False) -> list[str]:
    urls = []
    deployment = target.loaded.deployment
    address = service_address(deployment.node(node))
    vips = dict(deployment.vip_list)
    for service in target.loaded.services:
        api = service.spec.api
        if f"{service.unit}.service" not in units or api is None:
            continue
        path = api.check or "/"
        urls.append(f"http://{url_host(address)}:{api.port}{path}")
        if via_vip:
            vip = next((vips[n] for n in api.networks if n in vips), None)
            if vip is not None:
                urls.append(f"http://{url_host(vip.address)}:{api.port}{path}")
    return urls


def endpoint_problems(cluster: LiveCluster, target: Target, node: str, units: list[str],
                      via_vip: bool = False) -> list[Problem]:
    problems = []
    states = cluster.read(UnitsFact(units), node, timeout=30)
    for unit in units:
        state = states.get(unit)
        if state is None or not state.running:
            problems.append(Problem(NOT_RUNNING, unit, node, f"{unit} "
                                    f"{state.active_state if state else 'missing'}"))
    urls = api_urls(target, node, units, via_vip)
    if urls:
        codes = cluster.read(HttpStatusFact(urls), node, timeout=30)
        problems += [Problem(NOT_ANSWERING, url, node, f"{url} answered {code or 'nothing'}")
                     for url, code in codes.items() if not 200 <= code < 400]
    return problems


def wait_services_healthy(cluster: LiveCluster, target: Target, node: str, units: list[str],
                          via_vip: bool = False, timeout: float = TIMEOUT) -> float:
    _, seconds = wait_until(lambda: endpoint_problems(cluster, target, node, units, via_vip),
                            lambda problems: not problems, timeout=timeout,
                            what=f"{', '.join(units)} healthy on {node}",
                            describe=lambda problems: "; ".join(map(str, problems)),
                            interval=1)
    return seconds
