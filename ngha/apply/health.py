"""Is a service healthy again on a node: its units active and, for an API service, its
health endpoint answering on the node's own address (and, if asked, through the VIP)."""

from __future__ import annotations

from ngha.live.cluster import LiveCluster
from ngha.live.wait import wait_until
from ngha.plan.target import Target
from ngha.render.context import service_address, url_host

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


def wait_healthy(cluster: LiveCluster, target: Target, node: str, units: list[str],
                 via_vip: bool = False, timeout: float = TIMEOUT) -> float:
    urls = api_urls(target, node, units, via_vip)

    def problems() -> list[str]:
        bad = []
        for unit in units:
            state = cluster.run(node, ["systemctl", "is-active", unit], check=False,
                                timeout=30).stdout.strip()
            if state != "active":
                bad.append(f"{unit} {state}")
        for url in urls:
            code = cluster.run(node, ["curl", "-s", "-o", "/dev/null", "-m", "5", "-w",
                                      "%{http_code}", url], check=False,
                               timeout=15).stdout.strip()
            if not code.startswith(("2", "3")):
                bad.append(f"{url} answered {code or 'nothing'}")
        return bad

    _, seconds = wait_until(problems, lambda bad: not bad, timeout=timeout,
                            what=f"{', '.join(units)} healthy on {node}",
                            describe=lambda bad: "; ".join(bad), interval=1)
    return seconds
