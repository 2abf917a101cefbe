"""What every one-off task is made of: the context it runs in (the cluster, the target,
the cluster's status), the task itself (a cheap check that reads the real state, and a
run), and the database task every service needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ngha.facts import ClusterView, SqlFact
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError
from ngha.targets import Target


@dataclass
class TaskContext:
    cluster: LiveCluster
    target: Target
    view: ClusterView

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
    # runs after the services have started (it needs their APIs: Keystone's)
    late: bool = False

    def ready(self, ctx: TaskContext) -> bool:
        """Its core service runs, so it can run (and be checked) now."""
        return (ctx.galera_node if self.needs == "galera" else ctx.rabbit_node) is not None


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
