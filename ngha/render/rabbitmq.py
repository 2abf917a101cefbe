"""What RabbitMQ nodes need to cluster under the rabbitmq-cluster agent: the same Erlang
cookie on every node before the first start, listeners on the node's own address,
pause_minority so a partitioned minority stops instead of diverging, and the services'
user as RabbitMQ's default user.

Why the default user: the agent wipes a node's data whenever it bootstraps the cluster
or joins it, and restores users from a backup it takes at stop; with RabbitMQ 3.8+ user
records (Debian 12: 3.10) that backup fails, so after a cluster-wide restart the users
are gone and every service's login is refused (found on the lab: RPC never came back).
A node that starts on an empty database creates its default user, so the bootstrapping
node recreates it, and the joining ones get it from the cluster."""

from __future__ import annotations

from ngha.render.context import NodeContext
from ngha.render.nodefiles import NodeFile, secret

COOKIE = "/var/lib/rabbitmq/.erlang.cookie"
CONF = "/etc/rabbitmq/conf.d/50-ngha.conf"
RABBIT_USER = "openstack"  # the services' user


def rabbitmq_files(ctx: NodeContext) -> list[NodeFile]:
    conf = f"""\
# Managed by ngha.
listeners.tcp.1 = {ctx.address}:5672
cluster_partition_handling = pause_minority
# Created whenever the cluster is bootstrapped on an empty database (see ngha's docs).
default_user = {RABBIT_USER}
default_pass = {secret("rabbitmq_password")}
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
"""
    return [NodeFile(COOKIE, secret("rabbitmq_cookie"), mode=0o400, owner="rabbitmq",
                     group="rabbitmq"),
            NodeFile(CONF, conf, mode=0o640, group="rabbitmq")]
