"""One-off tasks: done once for the whole cluster, on one node, after the core services
run (databases and users, Keystone's schema, keys and bootstrap). Each has a cheap check
that reads the real state (a database, a user, key files), so a task is never run twice
and an apply killed half-way picks up where it stopped.

Secrets reach the node on stdin only: SQL statements, `rabbitmqctl add_user` (reads the
password from stdin), `keystone-manage bootstrap` (a shell reads the password from stdin
into OS_BOOTSTRAP_PASSWORD).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ngha.facts import ClusterView, RabbitUsersFact
from ngha.facts.rabbitmq import AmqpLoginFact
from ngha.facts.keys import KeyDigestsFact
from ngha.live.cluster import LiveCluster
from ngha.plan.openstack_tasks import project_tasks
from ngha.plan.task import Task, TaskContext, create_database, database_exists
from ngha.targets import Target
from ngha.render.context import service_address, url_host
from ngha.render.keystone import KEY_DIRS
from ngha.render.keystone import PORT as KEYSTONE_PORT
from ngha.render.rabbitmq import RABBIT_USER

ADMIN_USER = "admin"
REGION = "RegionOne"


@dataclass(frozen=True)
class TaskState:
    name: str
    description: str
    done: bool
    ready: bool  # its core service runs, so it can run now


def task_states(cluster: LiveCluster, target: Target, view: ClusterView) -> list[TaskState]:
    """Every task's check, all at once (each is one cheap read)."""
    ctx = TaskContext(cluster=cluster, target=target, view=view)
    tasks = tasks_for(target)

    def state(task: Task) -> TaskState:
        ready = task.ready(ctx)
        return TaskState(task.name, task.description, ready and task.check(ctx), ready)

    if not tasks:
        return []
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(state, tasks))


def tasks_for(target: Target) -> list[Task]:
    deployed = target.services
    tasks: list[Task] = []
    if "rabbitmq" in deployed and "ngha-probe" in deployed:
        tasks.append(Task("rabbitmq-user", f"RabbitMQ user {RABBIT_USER!r} with permissions "
                          "on /", "rabbitmq", _rabbit_user_exists, _create_rabbit_user))
    databases = [("keystone", "keystone")] if "keystone" in deployed else []
    if "ngha-probe" in deployed or "ngha-probe-worker" in deployed:
        databases.append(("ngha_probe", "ngha_probe"))
    for database, user in databases:
        tasks.append(Task(f"database-{database}", f"database {database!r} and its user on "
                          "Galera", "galera", database_exists(database, user),
                          create_database(database, user)))
    if "keystone" in deployed:
        tasks += [
            Task("keystone-db-sync", "Keystone's schema (keystone-manage db_sync)", "galera",
                 _keystone_schema_exists, _keystone_db_sync),
            Task("keystone-keys", "Fernet and credential keys, made once and the same on "
                 "every node", "galera", _keys_everywhere, _make_and_share_keys),
            Task("keystone-bootstrap", f"Keystone's {ADMIN_USER!r} user, project, role and "
                 "endpoints (keystone-manage bootstrap)", "galera", _bootstrapped,
                 _keystone_bootstrap),
        ]
    return tasks + project_tasks(target)


# --- RabbitMQ --------------------------------------------------------------------------

def _rabbit_user_exists(ctx: TaskContext) -> bool:
    node = ctx.rabbit_node
    if node is None:
        return False
    # the services' own way in: an AMQP login to vhost / with the deployment's password
    # (cheaper than rabbitmqctl, and it also catches a password that changed)
    address = url_host(service_address(ctx.target.loaded.deployment.node(node)))
    login = AmqpLoginFact(f"{address}:5672", RABBIT_USER,
                          ctx.target.secrets.value("rabbitmq_password"))
    return ctx.cluster.read(login, node, timeout=60) == "ok"


def _create_rabbit_user(ctx: TaskContext) -> None:
    node = ctx.rabbit_node
    password = ctx.target.secrets.value("rabbitmq_password")
    if RABBIT_USER in ctx.cluster.read(RabbitUsersFact(), node, timeout=60):
        # its password is not the deployment's: change_password would take it in argv
        ctx.cluster.run(node, ["rabbitmqctl", "delete_user", RABBIT_USER], timeout=60,
                        what=f"rabbitmqctl delete_user {RABBIT_USER}")
    ctx.cluster.run(node, ["rabbitmqctl", "add_user", RABBIT_USER], stdin=password + "\n",
                    timeout=60, what=f"rabbitmqctl add_user {RABBIT_USER}")
    ctx.cluster.run(node, ["rabbitmqctl", "set_permissions", "-p", "/", RABBIT_USER,
                           ".*", ".*", ".*"], timeout=60, what="rabbitmqctl set_permissions")


# --- Keystone --------------------------------------------------------------------------

def _keystone_schema_exists(ctx: TaskContext) -> bool:
    if ctx.galera_node is None:
        return False
    rows = ctx.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                     "TABLE_SCHEMA='keystone' AND TABLE_NAME='project';\n",
                     what="look for Keystone's schema")
    return rows == [("1",)]


def _as_keystone(*argv: str) -> list[str]:
    return ["runuser", "-u", "keystone", "--", *argv]


def _keystone_db_sync(ctx: TaskContext) -> None:
    # keystone-manage prints a harmless eventlet traceback at exit: the result counts,
    # so success is judged by the exit status and the schema check afterwards.
    ctx.cluster.run(ctx.galera_node, _as_keystone("keystone-manage", "db_sync"), timeout=300,
                    what="keystone-manage db_sync")


def _key_digests(ctx: TaskContext) -> dict[str, dict[str, dict[str, str]]]:
    values = ctx.cluster.read_all(KeyDigestsFact(KEY_DIRS))
    return {node: value for node, value in values.items() if isinstance(value, dict)}


def _keys_everywhere(ctx: TaskContext) -> bool:
    digests = _key_digests(ctx)
    if len(digests) != len(ctx.cluster.nodes):
        return False
    first = digests[ctx.cluster.nodes[0]]
    return all(first[d] for d in KEY_DIRS) and all(v == first for v in digests.values())


def _make_and_share_keys(ctx: TaskContext) -> None:
    """Keys are made on the first node that has any (or the first node), then copied as
    they are to every other node: tokens issued by one node validate on all."""
    digests = _key_digests(ctx)
    source = next((n for n in ctx.cluster.nodes if digests.get(n, {}).get(KEY_DIRS[0])),
                  ctx.cluster.nodes[0])
    if not digests.get(source, {}).get(KEY_DIRS[0]):
        ctx.cluster.run(source, ["keystone-manage", "fernet_setup",
                                 "--keystone-user", "keystone", "--keystone-group",
                                 "keystone"], timeout=120, what="keystone-manage fernet_setup")
    if not digests.get(source, {}).get(KEY_DIRS[1]):
        ctx.cluster.run(source, ["keystone-manage", "credential_setup",
                                 "--keystone-user", "keystone", "--keystone-group",
                                 "keystone"], timeout=120,
                        what="keystone-manage credential_setup")
    wanted = ctx.cluster.read(KeyDigestsFact(KEY_DIRS), source)
    for directory in KEY_DIRS:
        keys = {name: ctx.cluster.transport.read_file(source, f"{directory}/{name}")
                for name in wanted[directory]}
        for node in ctx.cluster.nodes:
            if node == source:
                continue
            present = digests.get(node, {}).get(directory, {})
            for name, content in keys.items():
                ctx.cluster.put_file(node, f"{directory}/{name}", content, mode=0o600,
                                     owner="keystone", group="keystone")
            stale = [f"{directory}/{name}" for name in present if name not in keys]
            if stale:
                ctx.cluster.run(node, ["rm", "-f", "--", *stale], what="remove stale keys")


def _bootstrapped(ctx: TaskContext) -> bool:
    if ctx.galera_node is None or not _keystone_schema_exists(ctx):
        return False
    rows = ctx.query(f"SELECT COUNT(*) FROM keystone.local_user WHERE name='{ADMIN_USER}';\n",
                     what="look for Keystone's admin user")
    return rows != [("0",)]


def _keystone_bootstrap(ctx: TaskContext) -> None:
    public = ctx.target.loaded.deployment.vips.get("public")
    internal = (ctx.target.loaded.deployment.vips.get("internal_api")
                or ctx.target.loaded.deployment.vips.get("control"))
    public_url = f"http://{url_host((public or internal).address)}:{KEYSTONE_PORT}/v3"
    internal_url = f"http://{url_host(internal.address)}:{KEYSTONE_PORT}/v3"
    script = ('read -r OS_BOOTSTRAP_PASSWORD && export OS_BOOTSTRAP_PASSWORD && '
              'exec keystone-manage bootstrap --bootstrap-username "$1" '
              '--bootstrap-project-name admin --bootstrap-role-name admin '
              '--bootstrap-service-name keystone --bootstrap-region-id "$2" '
              '--bootstrap-public-url "$3" --bootstrap-internal-url "$4" '
              '--bootstrap-admin-url "$4"')
    ctx.cluster.run(ctx.galera_node,
                    _as_keystone("sh", "-c", script, "ngha-bootstrap", ADMIN_USER, REGION,
                                 public_url, internal_url),
                    stdin=ctx.target.secrets.value("admin_password") + "\n", timeout=300,
                    what="keystone-manage bootstrap")
