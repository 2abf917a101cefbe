"""The OpenStack services a deployment with an `openstack:` section has ngha configure,
rendered from the catalog's data (openstack.yaml: per project; services.yaml: how each
unit starts), never from per-service code.

Per project, one file: <config>.d/40-ngha.conf, the project's settings, the deployment's
own (`openstack.settings`) after them. Per unit, /etc/default/<name>, which Debian's init
scripts read after building their arguments: it makes the unit read that directory
*after* the main file (a daemon started with --config-file reads the default directory
first, so the package's own values would win), and binds a uwsgi API to the node's own
address (its default binds every address, the VIP's port included) with `need-app`, so
an application that fails to load exits and systemd starts it again, instead of uwsgi
answering 500 forever.
"""

from __future__ import annotations

import re

from ngha.catalog import Project, load_projects
from ngha.catalog.catalog import Launch
from ngha.model.resolve import ResolvedService
from ngha.render.connections import database_url, keystone_url, transport_url
from ngha.render.context import NodeContext, url_host
from ngha.render.nodefiles import NodeDirectory, NodeFile, secret
from ngha.render.oslo import render_fragment

SETTINGS_NAME = "40-ngha.conf"
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)(?::([a-z0-9_]+))?\}")


def openstack_files(ctx: NodeContext) -> list[NodeFile | NodeDirectory]:
    services = ctx.loaded.configured_services
    files: list[NodeFile | NodeDirectory] = []
    for project in ctx.loaded.configured_projects:
        # a Pacemaker-owned one (cinder-volume) is not restarted by apply: the plan says
        # to restart it with `ngha restart` when its files changed
        units = tuple(s.unit for s in services if s.spec.project == project.name)
        files.append(NodeFile(f"{project.config_dir}/{SETTINGS_NAME}",
                              render_fragment(project_settings(ctx, project),
                                              title="OpenStack settings"),
                              mode=0o640, group=project.user, restarts=units))
        if project.name == "glance":
            files.append(NodeDirectory(ctx.deployment.openstack.glance_store, mode=0o750,
                                       owner=project.user, group=project.user))
    projects = load_projects().projects
    for service in services:
        project = projects.get(service.spec.project)
        if project is not None and ctx.deployment.distro == "debian":
            files.append(_defaults_file(ctx, service, project))
    return files + wrapper_files(services)


def project_settings(ctx: NodeContext, project: Project) -> dict[str, dict[str, str]]:
    catalog = load_projects()
    sections: dict[str, dict[str, str]] = {}
    for section, options in project.settings.items():
        sections[section] = dict(options)
    if project.authtoken:
        sections["keystone_authtoken"] = dict(catalog.keystone_authtoken)
    for section, options in ctx.deployment.openstack.settings.get(project.name, {}).items():
        sections.setdefault(section, {}).update(options)
    if project.name == "cinder":
        _shared_backend_host(ctx, sections)
    return {section: {option: expand(ctx, project, value) for option, value in options.items()}
            for section, options in sections.items()}


def _shared_backend_host(ctx: NodeContext, sections: dict[str, dict[str, str]]) -> None:
    """Every node names each volume backend the same (`backend_host`): volumes belong to
    the backend, not to the node that created them, so whichever node Pacemaker starts
    cinder-volume on manages every volume."""
    enabled = sections.get("DEFAULT", {}).get("enabled_backends", "")
    for backend in filter(None, (b.strip() for b in enabled.split(","))):
        sections.setdefault(backend, {}).setdefault("backend_host", ctx.deployment.cluster)


def expand(ctx: NodeContext, project: Project, value: str) -> str:
    openstack = ctx.deployment.openstack

    def one(match: re.Match) -> str:
        name, argument = match.group(1), match.group(2)
        if name == "database" and argument:
            return database_url(ctx, project.user, argument,
                                password=f"{project.name}_database_password")
        values = {
            "address": ctx.address,
            "transport_url": transport_url(ctx) if "rabbitmq" in _deployed(ctx) else "",
            "password": secret(f"{project.name}_service_password"),
            "auth_url": keystone_url(ctx),
            "public_auth_url": keystone_url(ctx, public=True),
            "internal_vip": url_host(ctx.vip("internal_api", "control") or ctx.address),
            "region": openstack.region,
            "user": project.user,
            "glance_store": openstack.glance_store,
            "workers": str(ctx.tuning.openstack_workers),
        }
        if name not in values:
            raise ValueError(f"unknown placeholder ${{{name}}} in project {project.name}")
        return values[name]

    return PLACEHOLDER.sub(one, value)


def _deployed(ctx: NodeContext) -> set[str]:
    return {s.name for s in ctx.loaded.services}


WRAPPER = """\
# Managed by ngha: {unit}'s application ({wsgi_file}), then every SQLAlchemy mapper
# configured at once. Its code reads a relationship that only exists once the mappers
# are configured, which happens at the first query: until then those requests fail.
import runpy

application = runpy.run_path({wsgi_file!r})["application"]

from sqlalchemy import orm  # noqa: E402 - after the application imported its models

orm.configure_mappers()
"""


def wrapper_path(service: ResolvedService) -> str:
    return f"/etc/ngha/wsgi/{service.unit}.py"


def wrapper_files(services: list[ResolvedService]) -> list[NodeFile]:
    return [NodeFile(wrapper_path(s), WRAPPER.format(unit=s.unit,
                                                     wsgi_file=s.spec.launch.wsgi_file),
                     restarts=(s.unit,))
            for s in services if s.spec.launch.wsgi_file and s.spec.launch.configure_mappers]


def uwsgi_workers(ctx: NodeContext, launch: Launch) -> tuple[int, int]:
    """(processes, threads) of a uwsgi API: the deployment's tuning, or, for an
    application that must run fewer threads (launch.threads), as many requests at once
    in more processes. A single-threaded single process would stop answering even its
    health check while one request waits (a cast while RabbitMQ is away)."""
    processes = ctx.tuning.openstack_api_processes
    threads = ctx.tuning.openstack_api_threads
    if launch.threads is None or launch.threads >= threads:
        return processes, threads
    return -(-processes * threads // launch.threads), launch.threads


def _defaults_file(ctx: NodeContext, service: ResolvedService, project: Project) -> NodeFile:
    launch = service.spec.launch
    name = launch.defaults or service.unit
    lines = ["# Managed by ngha: this unit reads ngha's settings after its main config file"]
    if launch.uwsgi:
        api = service.spec.api
        port = api.port if api else 0
        lines[0] += ",\n# and listens on this node's own address only"
        processes, threads = uwsgi_workers(ctx, launch)
        lines.append(f'DAEMON_ARGS="--ini {launch.uwsgi} --http-socket '
                     f'{url_host(ctx.address)}:{port} --processes {processes} --threads '
                     f'{threads} --need-app"')
        if launch.wsgi_file and launch.configure_mappers:
            lines[-1] = lines[-1][:-1] + f' --wsgi-file {wrapper_path(service)}"'
        if launch.pyargv:
            lines.append(f'PYARGV="$PYARGV --config-dir={project.config_dir}"')
    else:
        lines.append(f'DAEMON_ARGS="$DAEMON_ARGS --config-dir={project.config_dir}"')
    return NodeFile(f"/etc/default/{name}", "\n".join(lines) + "\n", restarts=(service.unit,))
