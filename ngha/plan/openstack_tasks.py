"""One-off tasks of the OpenStack projects ngha configures, made from the catalog's data:
per project its databases and user, its schema steps (run once, on one node, as the
project's user), and its Keystone registration (through Keystone's API, so it runs
after the services have started: `late`).

Each check reads the real state from the database: a schema step is done when the table
or row its data names exists; a registration when the user, the roles and exactly the
endpoints wanted are in Keystone's tables.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Callable

from ngha.catalog import Project
from ngha.live.errors import ClusterError
from ngha.plan.task import (Task, TaskContext, create_database, database_exists, digest,
                            marked_task)
from ngha.render.context import url_host
from ngha.targets import Target

DATABASE_PASSWORD = "{project}_database_password"
SERVICE_PASSWORD = "{project}_service_password"
INTERFACES = ("public", "internal", "admin")


def project_tasks(target: Target) -> list[Task]:
    """The tasks, in order: databases, schema steps, then the registrations (late: one
    task, one run of the registration script for every project, since each run costs
    a Python start and a login)."""
    tasks: list[Task] = []
    projects = target.loaded.configured_projects
    for project in projects:
        password = DATABASE_PASSWORD.format(project=project.name)
        for database in project.databases:
            tasks.append(marked_task(
                f"database-{database}", f"database {database!r} and its user "
                f"{project.user!r} on Galera", database_exists(database, project.user),
                create_database(database, project.user, password),
                _password_inputs(database, project.user, password)))
    for project in projects:
        for number, step in enumerate(project.sync, start=1):
            command = " ".join(step.command)
            tasks.append(marked_task(
                f"{project.name}-schema-{number}", f"{project.name}: {command}",
                _schema_done(step.done), _schema_step(project, step.command),
                lambda ctx, command=command: digest(command)))
    registered = [p for p in projects if p.keystone.services]
    if registered:
        tasks.append(marked_task(
            "keystone-registrations", "Keystone: the service users, services and endpoints "
            "of " + ", ".join(p.name for p in registered),
            _registered(registered), _register(registered),
            lambda ctx: digest(json.dumps(_request(ctx.target, registered), sort_keys=True)),
            needs_api="keystone"))
    return tasks


def _password_inputs(database: str, user: str, password: str) -> Callable[[TaskContext], str]:
    """A changed password makes the task due again (it sets the user's password)."""
    return lambda ctx: digest(database, user, ctx.target.secrets.value(password))


# --- schema steps ----------------------------------------------------------------------

def _schema_done(done) -> Callable[[TaskContext], bool]:
    schema, table = (done.table or done.row.table).split(".")
    query = (f"SELECT COUNT(*) FROM information_schema.TABLES WHERE "
             f"TABLE_SCHEMA='{schema}' AND TABLE_NAME='{table}';\n")

    def check(ctx: TaskContext) -> bool:
        if ctx.galera_node is None:
            return False
        if ctx.query(query, what=f"look for {schema}.{table}") != [("1",)]:
            return False
        if done.row is None:
            return True
        rows = ctx.query(f"SELECT COUNT(*) FROM {done.row.table} WHERE {done.row.where};\n",
                         what=f"look for {done.row.where} in {done.row.table}")
        return rows != [("0",)]
    return check


def _schema_step(project: Project, command: tuple[str, ...]) -> Callable[[TaskContext], None]:
    def run(ctx: TaskContext) -> None:
        ctx.cluster.run(ctx.galera_node, ["runuser", "-u", project.user, "--", *command],
                        timeout=900, what=" ".join(command))
    return run


# --- Keystone registration ------------------------------------------------------------------

def wanted_endpoints(target: Target, project: Project) -> set[tuple[str, str, str]]:
    """(service type, interface, url): public on the public VIP, internal and admin on
    the internal one."""
    deployment = target.loaded.deployment
    vips = dict(deployment.vip_list)
    internal = vips.get("internal_api") or vips.get("control")
    public = vips.get("public") or internal
    found = set()
    for service in project.keystone.services:
        for interface in INTERFACES:
            vip = public if interface == "public" else internal
            found.add((service.type, interface,
                       f"http://{url_host(vip.address)}:{service.port}{service.path}"))
    return found


def _registered(projects: list[Project]) -> Callable[[TaskContext], bool]:
    def check(ctx: TaskContext) -> bool:
        if ctx.galera_node is None or not _keystone_ready(ctx):
            return False
        region = ctx.target.loaded.deployment.openstack.region
        users = ", ".join(f"'{p.user}'" for p in projects)
        roles = sorted({r for p in projects for r in p.keystone.roles})
        types = ", ".join(f"'{s.type}'" for p in projects for s in p.keystone.services)
        names = ", ".join(f"'{s.name}'" for p in projects for s in p.keystone.services)
        rows = ctx.query(
            f"SELECT 'user', name, '' FROM keystone.local_user WHERE name IN ({users}) AND "
            f"domain_id='default';\n"
            f"SELECT 'role', name, '' FROM keystone.role WHERE name IN "
            f"({', '.join(repr(r) for r in roles) or repr('')});\n"
            f"SELECT s.type, e.interface, e.url FROM keystone.endpoint e JOIN keystone.service "
            f"s ON s.id = e.service_id WHERE e.region_id='{region}' AND e.enabled=1 AND "
            f"s.type IN ({types}) AND JSON_VALUE(s.extra, '$.name') IN ({names});\n",
            what="look for the services in Keystone")
        found_users = {r[1] for r in rows if r[0] == "user"}
        found_roles = {r[1] for r in rows if r[0] == "role"}
        endpoints = {r for r in rows if r[0] not in ("user", "role")}
        wanted = set().union(*(wanted_endpoints(ctx.target, p) for p in projects))
        return (found_users == {p.user for p in projects} and found_roles == set(roles)
                and endpoints == wanted)
    return check


def _keystone_ready(ctx: TaskContext) -> bool:
    rows = ctx.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                     "TABLE_SCHEMA='keystone' AND TABLE_NAME='endpoint';\n",
                     what="look for Keystone's schema")
    return rows == [("1",)]


def _request(target: Target, projects: list[Project]) -> dict:
    """What the registration script is asked for (without the admin's password)."""
    deployment = target.loaded.deployment
    vips = dict(deployment.vip_list)
    internal = vips.get("internal_api") or vips.get("control")
    urls: dict[str, dict[str, str]] = {}
    for project in projects:
        for kind, interface, url in wanted_endpoints(target, project):
            urls.setdefault(kind, {})[interface] = url
    return {
        "auth_url": f"http://{url_host(internal.address)}:5000",
        "region": deployment.openstack.region,
        "roles": sorted({r for p in projects for r in p.keystone.roles}),
        "users": [{"name": p.user, "password": target.secrets.value(
            SERVICE_PASSWORD.format(project=p.name))} for p in projects],
        "services": [{"name": s.name, "type": s.type, "urls": urls[s.type]}
                     for p in projects for s in p.keystone.services]}


def _register(projects: list[Project]) -> Callable[[TaskContext], None]:
    def run(ctx: TaskContext) -> None:
        request = {**_request(ctx.target, projects),
                   "admin_password": ctx.target.secrets.value("admin_password")}
        source = resources.files("ngha.plan").joinpath("keystone_register.py").read_text()
        node = ctx.galera_node
        if node is None:
            raise ClusterError("Galera is promoted nowhere: cannot register in Keystone")
        ctx.cluster.run(node, ["python3", "-c", source], stdin=json.dumps(request),
                        timeout=300, what="register the OpenStack services in Keystone")
    return run
