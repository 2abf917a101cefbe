"""ngha-probe on a node: its program, its units, and its configuration (the database on
Galera through the VIP, RabbitMQ on every node's address)."""

from __future__ import annotations

from ngha.probe import (CONFIG_DIR, CONFIG_FILE, DEFAULT_PORT, INSTALL_PATH, service_source,
                        unit_source)
from ngha.render.connections import database_url, transport_url
from ngha.render.context import NodeContext
from ngha.render.nodefiles import NodeDirectory, NodeFile

PORT = DEFAULT_PORT


def probe_files(ctx: NodeContext, units: list[str]) -> list[NodeFile | NodeDirectory]:
    conf = f"""\
# Managed by ngha: ngha-probe, a small service that uses the database and the message
# broker the way an OpenStack service does.
[DEFAULT]
transport_url = {transport_url(ctx)}

[database]
connection = {database_url(ctx, "ngha_probe", "ngha_probe")}

[api]
host = {ctx.address}
port = {PORT}
"""
    files: list[NodeFile | NodeDirectory] = [
        NodeFile(INSTALL_PATH, service_source(), mode=0o755, restarts=tuple(units)),
        NodeFile(CONFIG_FILE, conf, mode=0o600, restarts=tuple(units)),
        NodeDirectory(CONFIG_DIR)]  # oslo.config refuses a missing --config-dir
    files += [NodeFile(f"/etc/systemd/system/{unit}.service", unit_source(f"{unit}.service"),
                       restarts=(unit,)) for unit in units]
    return files
