"""Keystone (Debian's package: uwsgi started by its init script): its database on Galera
through the VIP, and its HTTP socket on the node's own address, so HAProxy can bind the
VIP on the same port on the same node.

Debian's init script binds :5000 on every address; it sources /etc/default/keystone
after building its arguments, so DAEMON_ARGS there replaces them (`--ini` first: the
ini's own `processes = 8` would otherwise win, ~135 MiB a worker). `--need-app`: an
application that fails to load makes uwsgi exit (systemd starts it again) instead of
answering 500 forever.
"""

from __future__ import annotations

from ngha.render.connections import KEYSTONE_PORT as PORT
from ngha.render.connections import database_url
from ngha.render.context import NodeContext, url_host
from ngha.render.nodefiles import NodeDirectory, NodeFile

CONF = "/etc/keystone/keystone.conf.d/40-ngha.conf"
DEFAULTS = "/etc/default/keystone"
KEY_DIRS = ("/etc/keystone/fernet-keys", "/etc/keystone/credential-keys")
__all__ = ["CONF", "DEFAULTS", "KEY_DIRS", "PORT", "keystone_files"]


def keystone_files(ctx: NodeContext) -> list[NodeFile | NodeDirectory]:
    service = ctx.service("keystone")
    unit = service.unit if service else "keystone"
    conf = f"""\
# Managed by ngha: Keystone's database, on Galera through the VIP.
[database]
connection = {database_url(ctx, "keystone", "keystone")}
"""
    if ctx.tuning.keystone_password_hash_rounds is not None:
        conf += f"""
[identity]
password_hash_rounds = {ctx.tuning.keystone_password_hash_rounds}
"""
    files: list[NodeFile | NodeDirectory] = [
        NodeFile(CONF, conf, mode=0o640, owner="root", group="keystone", restarts=(unit,))]
    if ctx.deployment.distro == "debian":
        tuning = ctx.tuning
        defaults = (
            "# Managed by ngha: Keystone listens on this node's own address only.\n"
            f'DAEMON_ARGS="--ini /etc/keystone/keystone-uwsgi.ini --http-socket '
            f'{url_host(ctx.address)}:{PORT} --processes {tuning.keystone_workers} '
            f'--threads {tuning.keystone_threads} --need-app"\n')
        files.append(NodeFile(DEFAULTS, defaults, restarts=(unit,)))
    files += [NodeDirectory(path, mode=0o700, owner="keystone", group="keystone")
              for path in KEY_DIRS]
    return files
