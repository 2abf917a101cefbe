"""haproxy.cfg for every controller: one listen section per VIP'd service."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined

from ngha.model.load import LoadedDeployment
from ngha.profiles.resources import nodes_for
from ngha.render.context import service_address
from ngha.render.nodefiles import secret

GALERA_SECTION = "mysql"  # haproxy.cfg.j2's listen section for Galera (its stats name)
SYSCTL_PATH = "etc/sysctl.d/50-ngha-haproxy.conf"
SYSCTL = """\
# Managed by ngha: HAProxy on every node binds the VIPs, which live on one node at a time.
net.ipv4.ip_nonlocal_bind = 1
net.ipv6.ip_nonlocal_bind = 1
"""
# HAProxy reads the Redis password from its environment, never from haproxy.cfg: the
# drop-in names a root-only file that apply writes from the redis_password reference.
SECRETS_FILE = "/etc/ngha/secrets/haproxy.env"
SECRETS_DROPIN = f"""\
# Managed by ngha: secrets HAProxy's health checks need, from a root-only file.
[Service]
EnvironmentFile={SECRETS_FILE}
"""

def haproxy_environment() -> str:
    return ("# Managed by ngha: read by haproxy.service (50-ngha-secrets.conf).\n"
            f"REDIS_PASSWORD={secret('redis_password')}\n")


_templates = Environment(loader=PackageLoader("ngha.render", "templates"),
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                         keep_trailing_newline=True)


@dataclass(frozen=True)
class Server:
    name: str
    address: str


def endpoint(address: str, port: int) -> str:
    if ipaddress.ip_address(address).version == 6:
        return f"ipv6@{address}:{port}"
    return f"{address}:{port}"


def endpoint_host(address: str) -> str:
    return f"ipv6@{address}" if ipaddress.ip_address(address).version == 6 else address


def render_haproxy(loaded: LoadedDeployment) -> str:
    deployment = loaded.deployment
    vips = {net: vip.address for net, vip in deployment.vip_list}
    # Backends listen on each node's service-network address. "ipv6@" makes the last ':'
    # of an IPv6 server address unambiguously the port separator.
    servers = [Server(n.name, endpoint_host(service_address(n))) for n in deployment.nodes]
    # Galera and Redis run only where their role is (every node when roles are not used).
    galera_servers = [s for s in servers if s.name in nodes_for(deployment, "galera")]
    redis_servers = [s for s in servers if s.name in nodes_for(deployment, "redis")]
    deployed = {s.name: s for s in loaded.services}

    galera = None
    galera_vip = vips.get("internal_api") or vips.get("control")
    if "galera" in deployed and galera_vip:
        galera = {"bind": endpoint(galera_vip, 3306), "servers": galera_servers}
    redis = None
    if "redis" in deployed and "redis" in vips:
        redis = {"bind": endpoint(vips["redis"], 6379), "servers": redis_servers,
                 "auth": "redis_password" in deployment.secrets}
    apis = []
    for service in loaded.services:
        api = service.spec.api
        binds = [endpoint(vips[net], api.port) for net in api.networks if net in vips] if api else []
        if api and binds:
            apis.append({"name": api.name, "port": api.port, "check": api.check,
                         "binds": binds, "servers": servers})
    stats_bind = endpoint(vips["control"], 1993) if "control" in vips else None
    return _templates.get_template("haproxy.cfg.j2").render(
        profile=loaded.profile, cluster=deployment.cluster, stats_bind=stats_bind,
        maxconn=deployment.tuning.haproxy_maxconn,
        galera=galera, redis=redis, apis=apis)
