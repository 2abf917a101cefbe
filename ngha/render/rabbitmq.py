"""What RabbitMQ nodes need to cluster under the rabbitmq-cluster agent: the same Erlang
cookie on every node before the first start, listeners on the node's own address, and
pause_minority so a partitioned minority stops instead of diverging."""

from __future__ import annotations

from ngha.render.context import NodeContext
from ngha.render.nodefiles import NodeFile, secret

COOKIE = "/var/lib/rabbitmq/.erlang.cookie"
CONF = "/etc/rabbitmq/conf.d/50-ngha.conf"


def rabbitmq_files(ctx: NodeContext) -> list[NodeFile]:
    conf = f"""\
# Managed by ngha.
listeners.tcp.1 = {ctx.address}:5672
cluster_partition_handling = pause_minority
"""
    return [NodeFile(COOKIE, secret("rabbitmq_cookie"), mode=0o400, owner="rabbitmq",
                     group="rabbitmq"),
            NodeFile(CONF, conf)]
