"""The OpenStack control plane as data: the catalog's projects render into every node's
files, the tasks come out in order, bad input is refused with the field named, and each
project gets passwords of its own."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from ngha.catalog import load_catalog, load_projects
from ngha.cli import cli
from ngha.lab.packages import parse_upgrades
from ngha.model.load import load_deployment
from ngha.model.secrets import Secrets
from ngha.plan.openstack_tasks import project_tasks, wanted_endpoints
from ngha.plan.task import TaskContext
from ngha.profiles import build_desired_state
from ngha.render.context import NodeContext
from ngha.render.openstack import PLACEHOLDER, openstack_files, project_settings
from ngha.render.services import desired_node_files
from ngha.targets import Target
from tests.conftest import EXAMPLES

LAB = EXAMPLES / "lab-3ctl.yaml"


def node_context(path=LAB, profile="nextgen"):
    loaded = load_deployment(path, profile=profile)
    desired = build_desired_state(loaded)
    return NodeContext(loaded, desired, desired.nodes[0])


def test_every_service_with_a_project_can_be_installed_and_configured():
    catalog, projects = load_catalog(), load_projects().projects
    with_project = {name: s for name, s in catalog.services.items() if s.project}
    assert {s.project for s in with_project.values()} == set(projects)
    for name, service in with_project.items():
        assert service.packages.get("debian"), name
        if service.api is not None:
            assert service.launch.uwsgi or projects[service.project].settings.get(
                "DEFAULT", {}).get("bind_host"), f"{name} would bind every address"


def test_every_placeholder_is_known_and_expanded():
    ctx = node_context()
    for project in load_projects().projects.values():
        settings = project_settings(ctx, project)
        for section, options in settings.items():
            for option, value in options.items():
                assert not PLACEHOLDER.search(value), (project.name, section, option, value)


def test_settings_files_bind_the_node_and_hold_secrets_as_placeholders_only():
    files = {f.path: f for f in openstack_files(node_context()) if hasattr(f, "content")}
    nova = files["/etc/nova/nova.conf.d/40-ngha.conf"]
    assert (nova.mode, nova.owner, nova.group) == (0o640, "root", "nova")
    assert "my_ip = 10.213.0.11" in nova.content
    assert "connection = mysql+pymysql://nova:@@ngha-secret:nova_database_password|url@@" \
        "@10.213.0.102/nova_api" in nova.content
    assert "password = @@ngha-secret:nova_service_password@@" in nova.content
    assert "region_name = RegionOne" in nova.content and "regionOne" not in nova.content
    assert set(nova.restarts) == {"nova-api", "nova-conductor", "nova-scheduler"}
    api = files["/etc/default/nova-api"].content
    # eventlet-patched at import (nova-api, neutron-api): one native thread per process
    assert '--http-socket 10.213.0.11:8774 --processes 2 --threads 1 --need-app"' in api
    assert "--threads 2" in files["/etc/default/placement-api"].content  # the tuning's
    conductor = files["/etc/default/nova-conductor"].content
    assert 'DAEMON_ARGS="$DAEMON_ARGS --config-dir=/etc/nova/nova.conf.d"' in conductor
    neutron = files["/etc/default/neutron-server"].content  # neutron-api's init script name
    assert "--wsgi-file /etc/ngha/wsgi/neutron-api.py" in neutron
    # eventlet-patched at import: one native thread per process, whatever the tuning says
    assert "--processes 2 --threads 1 --need-app" in neutron  # 1 x 2 requests at once
    assert 'PYARGV="$PYARGV --config-dir=/etc/neutron/neutron.conf.d"' in neutron
    wrapper = files["/etc/ngha/wsgi/neutron-api.py"].content
    compile(wrapper, "wrapper", "exec")  # valid Python
    assert "configure_mappers()" in wrapper and "'/usr/bin/neutron-api'" in wrapper
    # cinder-volume is Pacemaker's: the plan tells to restart it (apply does not)
    assert files["/etc/default/cinder-volume"].restarts == ("cinder-volume",)
    cinder = files["/etc/cinder/cinder.conf.d/40-ngha.conf"]
    assert set(cinder.restarts) == {"cinder-api", "cinder-scheduler", "cinder-volume"}


def test_the_volume_backend_is_shared_by_every_node_unless_the_deployment_says():
    ctx = node_context()
    cinder = project_settings(ctx, load_projects().projects["cinder"])
    assert cinder["fake"]["backend_host"] == "ngha-lab"
    assert cinder["fake"]["volume_driver"].endswith("FakeLoggingVolumeDriver")


def test_a_deployment_without_openstack_configures_nothing_but_retries_in_every_db_group():
    desired = build_desired_state(load_deployment(EXAMPLES / "reference-3ctl.yaml"))
    retry = desired.nodes[0].oslo["/etc/nova/nova.conf"]
    assert retry["api_database"]["max_retries"] == "-1"
    assert retry["database"]["max_retries"] == "-1"
    files = desired_node_files(load_deployment(EXAMPLES / "reference-3ctl.yaml"), desired)
    dirs = tuple(p.config_dir for p in load_projects().projects.values())
    assert not [f for f in files[0].files if f.path.startswith(dirs + ("/etc/default/",))
                and not f.path.endswith("50-ngha-retry.conf")]


def test_tasks_come_in_order_databases_then_schemas_then_registrations():
    target = Target.load(LAB)
    tasks = project_tasks(target)
    names = [t.name for t in tasks]
    assert names.index("database-nova_cell0") < names.index("nova-schema-1")
    assert [n for n in names if n.startswith("nova-schema")] == [
        "nova-schema-1", "nova-schema-2", "nova-schema-3", "nova-schema-4"]
    late = [t for t in tasks if t.late]
    assert [t.name for t in late] == ["keystone-registrations"] == names[-1:]
    assert late[0].description.endswith("glance, placement, nova, neutron, cinder, heat")
    assert late[0].needs_api == "keystone"  # apply waits for its routing first


def test_endpoints_public_on_the_public_vip_internal_and_admin_on_internal_api():
    target = Target.load(LAB)
    cinder = wanted_endpoints(target, load_projects().projects["cinder"])
    assert cinder == {("volumev3", "public", "http://10.213.0.101:8776/v3/%(project_id)s"),
                      ("volumev3", "internal", "http://10.213.0.102:8776/v3/%(project_id)s"),
                      ("volumev3", "admin", "http://10.213.0.102:8776/v3/%(project_id)s")}


@pytest.fixture
def lab_with_secrets(tmp_path):
    """The lab's deployment with its secret files in tmp_path."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name in ("database_password", "rabbitmq_password", "redis_password",
                 "admin_password", "service_password"):
        (secrets / name).write_text(f"{name}-value\n")
    deployment = tmp_path / "lab.yaml"
    deployment.write_text(LAB.read_text().replace("/var/lib/ngha/lab/ngha-lab/secrets",
                                                  str(secrets)))
    return deployment, secrets


class FakeView:
    def promoted_on(self, resource):
        return ["ctl-0"]

    def running_on(self, resource):
        return ["ctl-0"]


class FakeContext(TaskContext):
    def __init__(self, target, rows, markers=None):
        super().__init__(cluster=None, target=target, view=FakeView())
        self.rows = rows
        self._markers = markers if markers is not None else {}

    def query(self, statements, what):
        if "information_schema" in statements:
            return [("1",)]
        return self.rows


def test_a_registration_is_done_only_with_the_user_the_roles_and_exactly_the_endpoints(
        lab_with_secrets):
    deployment, secrets = lab_with_secrets
    target = Target.load(deployment)
    task = next(t for t in project_tasks(target) if t.late)
    projects = load_projects().projects.values()
    endpoints = sorted(set().union(*(wanted_endpoints(target, p) for p in projects)))
    users = [("user", p.user, "") for p in projects]
    roles = [("role", "heat_stack_owner", ""), ("role", "heat_stack_user", "")]
    whole = users + roles + endpoints
    # what a complete run marks: a digest of what it was asked (the passwords' too)
    inputs = task_inputs(task, FakeContext(target, whole))
    assert task.check(FakeContext(target, whole, {task.name: inputs}))
    assert not task.check(FakeContext(target, whole))  # never ran to its end
    assert not task.check(FakeContext(target, users[1:] + roles + endpoints,
                                      {task.name: inputs}))
    assert not task.check(FakeContext(target, users + roles[:1] + endpoints,
                                      {task.name: inputs}))
    assert not task.check(FakeContext(target, users + roles + endpoints[:-1],
                                      {task.name: inputs}))
    moved = [(t, i, u.replace("10.213.0.102", "10.0.0.1")) for t, i, u in endpoints]
    assert not task.check(FakeContext(target, users + roles + moved, {task.name: inputs}))
    (secrets / "service_password").write_text("rotated\n")  # due again after a rotation
    assert not task.check(FakeContext(Target.load(deployment), whole, {task.name: inputs}))


def task_inputs(task, ctx) -> str:
    """The digest the task's marker holds when it ran with what ctx's target says."""
    seen = {}

    class Spy(FakeContext):
        def marked(self, name, inputs):
            seen["inputs"] = inputs
            return True
    spy = Spy(ctx.target, ctx.rows)
    task.check(spy)
    return seen["inputs"]


def test_schema_steps_are_done_only_when_their_row_exists_and_they_ran_to_the_end():
    target = Target.load(LAB)
    cell1 = next(t for t in project_tasks(target) if t.name == "nova-schema-3")
    inputs = task_inputs(cell1, FakeContext(target, [("1",)]))
    assert cell1.check(FakeContext(target, [("1",)], {cell1.name: inputs}))
    assert not cell1.check(FakeContext(target, [("0",)], {cell1.name: inputs}))
    assert not cell1.check(FakeContext(target, [("1",)]))  # a run killed half-way


def test_each_project_gets_its_own_passwords_from_one_secret(tmp_path):
    base = tmp_path / "service"
    base.write_text("one-secret-for-all\n")
    db = tmp_path / "db"
    db.write_text("database-secret\n")
    deployment = load_deployment(LAB).deployment.model_copy(update={"secrets": {
        **load_deployment(LAB).deployment.secrets,
        "service_password": load_deployment(LAB).deployment.secrets["database_password"]
        .model_copy(update={"file": str(base)}),
        "database_password": load_deployment(LAB).deployment.secrets["database_password"]
        .model_copy(update={"file": str(db)})}})
    secrets = Secrets(deployment)
    nova, heat = secrets.value("nova_service_password"), secrets.value("heat_service_password")
    assert nova != heat and len(nova) == 64 and re.fullmatch(r"[0-9A-F]+", nova)
    assert "one-secret" not in nova
    assert secrets.value("nova_database_password") not in (nova, "database-secret")
    assert Secrets(deployment).value("nova_service_password") == nova  # the same every time
    assert secrets.has("glance_database_password")


def test_an_upgrade_of_the_hosts_systemd_is_named_before_installing():
    simulation = """\
Inst libsystemd0 [252.38-1~deb12u1] (252.39-1~deb12u2 Debian:12.12/stable [amd64])
Inst systemd [252.38-1~deb12u1] (252.39-1~deb12u2 Debian:12.12/stable [amd64])
Inst udev [252.38-1~deb12u1] (252.39-1~deb12u2 Debian:12.12/stable [amd64])
Inst nova-api (2:26.2.2-1~deb12u5 Debian:12.12/stable [all])
Conf systemd (252.39-1~deb12u2 Debian:12.12/stable [amd64])
"""
    assert parse_upgrades(simulation) == ["systemd", "udev"]
    assert parse_upgrades("Inst systemd (252.39 Debian [amd64])\n") == []  # a new install


@pytest.mark.parametrize("edit,field,fragment", [
    (("      DEFAULT: {enabled_backends: fake}\n", ""),
     "openstack.settings.cinder.DEFAULT.enabled_backends", "without a storage backend"),
    (("      fake: {volume_driver: cinder.tests.fake_driver.FakeLoggingVolumeDriver,\n"
      "             volume_backend_name: fake}", "      fake: {volume_backend_name: fake}"),
     "openstack.settings.cinder.fake", "has no volume_driver"),
    (("distro: debian", "distro: rdo"), "services[4]", "no rdo packages for glance-api"),
    (("    cinder:\n", "    swift:\n      DEFAULT: {x: y}\n    cinder:\n"),
     "openstack.settings.swift", "no listed service uses"),
    (("services: [keystone, ", "services: ["), "services", "Keystone, which is not listed"),
    (("  service_password: {file: /var/lib/ngha/lab/ngha-lab/secrets/service_password}\n",
      ""), "secrets", "need the secret 'service_password'"),
])
def test_what_a_service_needs_is_refused_before_anything_with_the_field(tmp_path, edit,
                                                                        field, fragment):
    old, new = edit
    text = LAB.read_text()
    assert old in text, old
    deployment = tmp_path / "d.yaml"
    deployment.write_text(text.replace(old, new))
    result = CliRunner().invoke(cli, ["validate", str(deployment)])
    assert result.exit_code == 2, result.output
    assert f": {field}: " in result.output and fragment in result.output, result.output
    assert "Traceback" not in result.output


SITE = """\
services:
  site-api:
    description: a site's own OpenStack API
    units: {rdo: site-api, debian: site-api}
    database: true
    config_files: [/etc/site/site.conf]
    api: {name: site_api, port: 9876, check: /}
    project: site
    packages: {debian: [site-api]}
    launch: {uwsgi: /etc/site/site-uwsgi.ini}
projects:
  site:
    user: site
    config: /etc/site/site.conf
    databases: [site]
    keystone:
      services: [{name: site, type: site-type, port: 9876, path: "/v1/%(project_id)s"}]
    authtoken: true
    settings:
      database: {connection: "${database:site}"}
    sync:
      - {command: [site-manage, db, sync], done: {table: site.things}}
"""


def test_a_site_adds_a_project_the_way_the_catalog_does(tmp_path, monkeypatch):
    extra = tmp_path / "site.yaml"
    extra.write_text(SITE)
    monkeypatch.setenv("NGHA_EXTRA_CATALOG", str(extra))
    deployment = tmp_path / "d.yaml"
    deployment.write_text(LAB.read_text().replace("heat-api, heat-engine]",
                                                  "heat-api, heat-engine, site-api]"))
    ctx = node_context(deployment)
    files = {f.path: f for f in openstack_files(ctx) if hasattr(f, "content")}
    assert "connection = mysql+pymysql://site:" in files["/etc/site/site.conf.d/40-ngha.conf"].content
    assert "--http-socket 10.213.0.11:9876" in files["/etc/default/site-api"].content
    names = [t.name for t in project_tasks(Target.load(deployment))]
    assert "database-site" in names and "site-schema-1" in names


def test_a_site_project_with_an_unsafe_name_is_refused_with_its_line(tmp_path):
    extra = tmp_path / "site.yaml"
    extra.write_text(SITE.replace("databases: [site]", "databases: ['site; DROP']"))
    result = CliRunner().invoke(cli, ["validate", str(LAB)],
                                env={"NGHA_EXTRA_CATALOG": str(extra)})
    assert result.exit_code == 2, result.output
    assert f"{extra}:15: projects.site.databases[0]: not a name" in result.output
