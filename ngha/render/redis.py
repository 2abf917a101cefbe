"""Redis as the ocf:heartbeat:redis agent runs it: bound to the node's address (replicas
must reach the master by its node name; Debian binds 127.0.0.1 only) and protected by a
password.

The agent reads `requirepass` from its `config` file with sed and does not follow
`include`, so ngha gives the agent a file of its own that includes the distribution's
and adds ngha's settings after it (the last value of a directive wins).
"""

from __future__ import annotations

from ngha.render.context import NodeContext
from ngha.render.nodefiles import NodeFile, secret

CONFIG = "/etc/redis/ngha-redis.conf"
DISTRO_CONFIG = {"debian": "/etc/redis/redis.conf", "rdo": "/etc/redis.conf"}


def redis_files(ctx: NodeContext) -> list[NodeFile]:
    lines = [f"# Managed by ngha: the redis resource's configuration (config={CONFIG}).",
             f"include {DISTRO_CONFIG[ctx.deployment.distro]}",
             f"bind {ctx.address} 127.0.0.1",
             "dir /var/lib/redis",
             "dbfilename dump.rdb"]
    if ctx.deployment.secrets.get("redis_password") is not None:
        lines += [f"requirepass {secret('redis_password')}",
                  f"masterauth {secret('redis_password')}"]
    return [NodeFile(CONFIG, "\n".join(lines) + "\n", mode=0o640, owner="redis",
                     group="redis")]
