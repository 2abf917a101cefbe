"""What MariaDB needs to run as a Galera node under the ocf:heartbeat:galera agent.

The agent finds the last committed seqno with `mysqld_safe --wsrep-recover`, which prints
nothing while wsrep is off: without these settings every node fails with "Unable to
detect last known write sequence number". The file is named to sort after Debian's own
60-galera.cnf (all commented out), so its values win; 50-server.cnf's
bind-address=127.0.0.1 is overridden the same way.
"""

from __future__ import annotations

from ngha.render.context import NodeContext, service_address
from ngha.render.nodefiles import NodeDirectory, NodeFile

CNF = {"debian": "/etc/mysql/mariadb.conf.d/60-ngha-galera.cnf",
       "rdo": "/etc/my.cnf.d/60-ngha-galera.cnf"}
PROVIDER = {"debian": "/usr/lib/galera/libgalera_smm.so",
            "rdo": "/usr/lib64/galera-4/libgalera_smm.so"}
LOG_DIR = "/var/log/mysql"  # the agent's default log file lives here


def galera_files(ctx: NodeContext) -> list[NodeFile | NodeDirectory]:
    distro = ctx.deployment.distro
    peers = ",".join(service_address(n) for n in ctx.peers("galera"))
    tuning = ctx.tuning
    cnf = f"""\
# Managed by ngha: this node as a Galera node of cluster {ctx.deployment.cluster}.
# Pacemaker's galera agent starts mariadbd; the mariadb unit stays disabled.
[mysqld]
bind-address = {ctx.address}
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
innodb_buffer_pool_size = {tuning.innodb_buffer_pool_size}
max_connections = {tuning.mariadb_max_connections}
performance_schema = OFF

[galera]
wsrep_on = ON
wsrep_provider = {PROVIDER[distro]}
wsrep_cluster_name = {ctx.deployment.cluster}
wsrep_cluster_address = gcomm://{peers}
wsrep_node_name = {ctx.node.name}
wsrep_node_address = {ctx.address}
wsrep_sst_method = rsync
"""
    return [NodeFile(CNF[distro], cnf),
            NodeDirectory(LOG_DIR, mode=0o2750, owner="mysql", group="adm")]
