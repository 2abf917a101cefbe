"""What every one-off task is made of: the context it runs in (the cluster, the target,
the cluster's status), the task itself (a cheap check that reads the real state, and a
run), and the database task every service needs."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Callable

from ngha.errors import NghaError
from ngha.facts import ClusterView, SqlFact
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError
from ngha.targets import Target


# ngha's own bookkeeping on Galera: which one-off task ran to its end, for which inputs.
# What a task makes (a table, a row) may exist after a run killed half-way (a schema
# migration stopped between two steps), and a user's password may have changed since:
# a task is done when its result exists *and* its marker says it ran to the end with
# these inputs (a digest: passwords are never stored).
MARKERS = "ngha.done_tasks"
CREATE_MARKERS = (
    "CREATE DATABASE IF NOT EXISTS `ngha`;\n"
    f"CREATE TABLE IF NOT EXISTS {MARKERS} (name VARCHAR(190) PRIMARY KEY, "
    "digest CHAR(64) NOT NULL, at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);\n")


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass
class TaskContext:
    cluster: LiveCluster
    target: Target
    view: ClusterView
    _markers: dict[str, str] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def marked(self, name: str, inputs: str) -> bool:
        """The task ran to its end with these inputs (read once per context)."""
        with self._lock:
            if self._markers is None:
                self._markers = self._read_markers()
        return self._markers.get(name) == inputs

    def mark(self, name: str, inputs: str) -> None:
        self.execute(CREATE_MARKERS + f"INSERT INTO {MARKERS} (name, digest) VALUES "
                     f"('{name}', '{inputs}') ON DUPLICATE KEY UPDATE digest = "
                     f"VALUES(digest), at = CURRENT_TIMESTAMP;\n", what=f"mark {name} done")

    def _read_markers(self) -> dict[str, str]:
        if self.galera_node is None:
            return {}
        try:
            rows = self.query(f"SELECT name, digest FROM {MARKERS};\n",
                              what="read which one-off tasks ran")
        except NghaError:  # no bookkeeping yet (or Galera busy): nothing counts as done
            return {}
        return {row[0]: row[1] for row in rows if len(row) == 2}

    @property
    def galera_node(self) -> str | None:
        nodes = self.view.promoted_on(self.target.desired_ids.get("galera", "galera-master"))
        return nodes[0] if nodes else None

    @property
    def rabbit_node(self) -> str | None:
        nodes = self.view.running_on(self.target.desired_ids.get("rabbitmq", "rabbitmq-clone"))
        return nodes[0] if nodes else None

    def query(self, statements: str, what: str) -> list[tuple[str, ...]]:
        """A read: the rows, from a promoted Galera member."""
        return self.cluster.read(SqlFact(statements, what), self._sql_node(), timeout=60)

    def execute(self, statements: str, what: str) -> None:
        """A change (the statements may hold a password: stdin only, never logged)."""
        self.cluster.run(self._sql_node(), ["mysql", "--batch", "--skip-column-names"],
                         stdin=statements, timeout=60, what=what)

    def _sql_node(self) -> str:
        node = self.galera_node
        if node is None:
            raise ClusterError("Galera is promoted nowhere: cannot run SQL")
        return node


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    needs: str  # "galera" or "rabbitmq": the core service that must be up first
    check: Callable[[TaskContext], bool]
    run: Callable[[TaskContext], None]
    # the API it calls (e.g. "keystone"): it runs after the services have started, once
    # HAProxy routes that API through the VIP
    needs_api: str | None = None

    @property
    def late(self) -> bool:
        return self.needs_api is not None

    def ready(self, ctx: TaskContext) -> bool:
        """Its core service runs, so it can run (and be checked) now."""
        return (ctx.galera_node if self.needs == "galera" else ctx.rabbit_node) is not None


def marked_task(name: str, description: str, check: Callable[[TaskContext], bool],
                run: Callable[[TaskContext], None], inputs: Callable[[TaskContext], str],
                needs_api: str | None = None) -> Task:
    """A task on Galera that is done when `check` holds and its marker says it ran to its
    end with the same `inputs` (a digest); marked after each complete run."""
    def done(ctx: TaskContext) -> bool:
        return check(ctx) and ctx.marked(name, inputs(ctx))

    def run_and_mark(ctx: TaskContext) -> None:
        run(ctx)
        ctx.mark(name, inputs(ctx))
    return Task(name, description, "galera", done, run_and_mark, needs_api=needs_api)


# --- databases -------------------------------------------------------------------------

def database_exists(database: str, user: str) -> Callable[[TaskContext], bool]:
    def check(ctx: TaskContext) -> bool:
        if ctx.galera_node is None:
            return False
        rows = ctx.query(f"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE "
                         f"SCHEMA_NAME='{database}';\n"
                         f"SELECT COUNT(*) FROM mysql.user WHERE User='{user}' AND Host='%';\n",
                         what=f"look for database {database}")
        return rows == [("1",), ("1",)]
    return check


def create_database(database: str, user: str, password_name: str = "database_password"
                    ) -> Callable[[TaskContext], None]:
    def run(ctx: TaskContext) -> None:
        password = ctx.target.secrets.value(password_name)
        ctx.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`;\n"
                    f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY '{password}';\n"
                    f"ALTER USER '{user}'@'%' IDENTIFIED BY '{password}';\n"
                    f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{user}'@'%';\n",
                    what=f"create database {database}")
    return run
