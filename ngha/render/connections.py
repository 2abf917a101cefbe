"""How a service reaches its backends: the database on Galera through the VIP, RabbitMQ
on every node's own address (oslo.messaging fails over between them by itself), and
Keystone on the VIPs. Passwords are placeholders (nodefiles.secret) until written."""

from __future__ import annotations

from ngha.render.context import NodeContext, service_address, url_host
from ngha.render.nodefiles import secret
from ngha.render.rabbitmq import RABBIT_USER

KEYSTONE_PORT = 5000


def database_url(ctx: NodeContext, user: str, database: str,
                 password: str = "database_password") -> str:
    host = url_host(ctx.vip("internal_api", "control") or ctx.address)
    return f"mysql+pymysql://{user}:{secret(password, url=True)}@{host}/{database}"


def transport_url(ctx: NodeContext) -> str:
    hosts = ",".join(f"{RABBIT_USER}:{secret('rabbitmq_password', url=True)}@"
                     f"{url_host(service_address(n))}:5672" for n in ctx.peers("rabbitmq"))
    return f"rabbit://{hosts}/"


def keystone_url(ctx: NodeContext, public: bool = False) -> str:
    """Keystone through the internal VIP (the public one for clients' redirects)."""
    networks = ("public", "internal_api", "control") if public else ("internal_api", "control")
    return f"http://{url_host(ctx.vip(*networks) or ctx.address)}:{KEYSTONE_PORT}"
