"""Environment files: ngha's own format, TripleO's resource_registry, and their errors."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.errors import NghaError
from ngha.model.load import load_deployment
from tests.conftest import REFERENCE, SECRET, SECRET_ENV

# The pacemaker environment of TripleO's Newton cycle, as it stood before the next-generation
# HA work (tripleo-heat-templates, environments/puppet-pacemaker.yaml, July 2016): it maps
# configuration-only services (NeutronCorePlugin and its vendor variants), services ngha does
# not place (GnocchiApi, Horizon, Core) and one key with the wrong case (OS::Tripleo::).
NEWTON_PUPPET_PACEMAKER = """\
# An environment which enables configuration of an
# Overcloud controller with Pacemaker.
resource_registry:
  OS::TripleO::ControllerConfig: ../puppet/controller-config-pacemaker.yaml
  OS::TripleO::Tasks::ControllerPrePuppet: ../extraconfig/tasks/pre_puppet_pacemaker.yaml
  OS::TripleO::Tasks::ControllerPostPuppet: ../extraconfig/tasks/post_puppet_pacemaker.yaml

  # custom pacemaker services
  OS::TripleO::Services::CinderApi: ../puppet/services/pacemaker/cinder-api.yaml
  OS::TripleO::Services::CinderScheduler: ../puppet/services/pacemaker/cinder-scheduler.yaml
  OS::TripleO::Services::CinderVolume: ../puppet/services/pacemaker/cinder-volume.yaml
  OS::TripleO::Services::Core: ../puppet/services/pacemaker/core.yaml
  OS::TripleO::Services::Keystone: ../puppet/services/pacemaker/keystone.yaml
  OS::TripleO::Services::GlanceApi: ../puppet/services/pacemaker/glance-api.yaml
  OS::TripleO::Services::GlanceRegistry: ../puppet/services/pacemaker/glance-registry.yaml
  OS::TripleO::Services::NeutronServer: ../puppet/services/pacemaker/neutron-server.yaml
  OS::TripleO::Services::NeutronCorePlugin: ../puppet/services/pacemaker/neutron-plugin-ml2.yaml
  # Neutron Core Plugin Vendors (these typically override NeutronCorePlugin)
  OS::TripleO::Services::NeutronCorePluginPlumgrid: ../puppet/services/pacemaker/neutron-plugin-plumgrid.yaml
  OS::TripleO::Services::NeutronCorePluginNuage: ../puppet/services/pacemaker/neutron-plugin-nuage.yaml
  OS::TripleO::Services::NeutronOvsAgent: ../puppet/services/pacemaker/neutron-ovs-agent.yaml
  OS::TripleO::Services::RabbitMQ: ../puppet/services/pacemaker/rabbitmq.yaml
  OS::TripleO::Services::HAproxy: ../puppet/services/pacemaker/haproxy.yaml
  OS::TripleO::Services::Memcached: ../puppet/services/pacemaker/memcached.yaml
  OS::TripleO::Services::Pacemaker: ../puppet/services/pacemaker.yaml
  OS::TripleO::Services::Redis: ../puppet/services/pacemaker/database/redis.yaml
  OS::TripleO::Services::NovaApi: ../puppet/services/pacemaker/nova-api.yaml
  OS::TripleO::Services::GnocchiApi: ../puppet/services/pacemaker/gnocchi-api.yaml
  OS::TripleO::Services::MySQL: ../puppet/services/pacemaker/database/mysql.yaml
  OS::TripleO::Services::Horizon: ../puppet/services/pacemaker/horizon.yaml
  # Services that are disabled by default (use relevant environment files):
  OS::Tripleo::Services::ManilaShare: OS::Heat::None
"""
IGNORED = {"OS::TripleO::Services::Core": 12,
           "OS::TripleO::Services::NeutronCorePlugin": 17,
           "OS::TripleO::Services::NeutronCorePluginPlumgrid": 19,
           "OS::TripleO::Services::NeutronCorePluginNuage": 20,
           "OS::TripleO::Services::GnocchiApi": 28,
           "OS::TripleO::Services::Horizon": 30,
           "OS::Tripleo::Services::ManilaShare": 32}


def managers(path, environment):
    loaded = load_deployment(path, environment)
    return {s.name: s.manager for s in loaded.services}


def test_native_environment_moves_memcached_to_pacemaker(write_yaml):
    env = write_yaml("pacemaker_services: [haproxy, galera, rabbitmq, redis, memcached]\n",
                     "env.yaml")
    result = managers(REFERENCE, env)
    assert result["memcached"] == "pacemaker"
    assert result["nova-api"] == "systemd"
    # cinder-volume is active/passive: Pacemaker's even when the environment omits it
    assert result["cinder-volume"] == "pacemaker"


def test_tripleo_environment(write_yaml):
    env = write_yaml("""\
resource_registry:
  OS::TripleO::Services::HAproxy: ../puppet/services/pacemaker/haproxy.yaml
  OS::TripleO::Services::MySQL: ../puppet/services/pacemaker/database/mysql.yaml
  OS::TripleO::Services::RabbitMQ: ../puppet/services/pacemaker/rabbitmq.yaml
  OS::TripleO::Services::Redis: ../puppet/services/pacemaker/database/redis.yaml
  OS::TripleO::Services::CinderVolume: ../puppet/services/pacemaker/cinder-volume.yaml
  OS::TripleO::Services::Keystone: ../puppet/services/keystone.yaml
  OS::TripleO::Services::ManilaShare: OS::Heat::None
  OS::TripleO::Services::CinderBackup: OS::Heat::None
  OS::TripleO::Services::Pacemaker: ../puppet/services/pacemaker.yaml
  OS::TripleO::Network::External: ../network/external.yaml
""", "tripleo.yaml")
    result = managers(REFERENCE, env)
    assert result["galera"] == "pacemaker" and result["keystone"] == "systemd"
    assert "manila-share" not in result and "cinder-backup" not in result


@pytest.mark.parametrize("text,line,fragment", [
    ("pacemaker_services: [haproxy, nova]\n", 1, "unknown service"),
    ("pacemaker_services:\n  - haproxy\n  - galera-cluster\n", 3, "unknown service"),
    ("pacemaker: [haproxy]\n", 1, "unknown key 'pacemaker'"),
    ("resource_registry:\n  OS::TripleO::Services::Keystnoe: x/pacemaker/f.yaml\n", 2,
     "'Keystnoe' is not in the ngha catalog"),
    ("resource_registry:\n  OS::TripleO::Services::HAProxy: x/pacemaker/f.yaml\n", 2,
     "'HAProxy' is not in the ngha catalog"),
    ("pacemaker_services: 3\n", 1, "must be a list"),
])
def test_bad_environment(write_yaml, text, line, fragment):
    env = write_yaml(text, "env.yaml")
    with pytest.raises(NghaError) as info:
        load_deployment(REFERENCE, env)
    assert fragment in info.value.message
    assert info.value.line == line
    assert str(info.value.file).endswith("env.yaml")
    assert info.value.fix


@pytest.mark.parametrize("text,fragment,line", [
    ("pacemaker_services: [haproxy, rabbitmq, redis]\n", "core service 'galera' is not owned", 1),
    ("pacemaker_services: []\n", "core service 'haproxy' is not owned", 1),
    ("resource_registry:\n  OS::TripleO::Services::MySQL: OS::Heat::None\n",
     "'galera' is marked as not deployed", 2),
])
def test_core_services_must_stay_with_pacemaker(write_yaml, text, fragment, line):
    env = write_yaml(text, "env.yaml")
    with pytest.raises(NghaError) as info:
        load_deployment(REFERENCE, env)
    assert fragment in info.value.message and info.value.line == line


def test_newton_puppet_pacemaker_entries_without_a_unit_are_ignored(write_yaml):
    env = write_yaml(NEWTON_PUPPET_PACEMAKER, "puppet-pacemaker.yaml")
    loaded = load_deployment(REFERENCE, env, profile="legacy")
    reported = {w.message.split(" ")[0]: w for w in loaded.warnings}
    assert set(reported) == set(IGNORED)
    for key, line in IGNORED.items():
        assert reported[key].line == line and str(reported[key].file) == str(env)
        assert "ignored" in reported[key].message
    assert "case-sensitive" in reported["OS::Tripleo::Services::ManilaShare"].message
    managers = {s.name: s.manager for s in loaded.services}
    assert managers["keystone"] == managers["nova-api"] == "pacemaker"
    assert managers["heat-api"] == "systemd"  # not in this environment


def test_cli_prints_one_warning_line_per_ignored_entry(write_yaml):
    env = write_yaml(NEWTON_PUPPET_PACEMAKER, "puppet-pacemaker.yaml")
    result = CliRunner().invoke(cli, ["validate", str(REFERENCE), "-e", str(env)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == len(IGNORED)
    assert f"warning: {env}:17: OS::TripleO::Services::NeutronCorePlugin ignored:" in result.stderr
    assert "valid" in result.stdout
    strict = CliRunner().invoke(cli, ["validate", str(REFERENCE), "-e", str(env), "--strict"])
    assert strict.exit_code == 2 and "7 warnings and --strict" in strict.output


def test_key_in_the_wrong_case_is_ignored_with_the_right_spelling(write_yaml):
    env = write_yaml("pacemaker_services: all\n", "env.yaml")  # placeholder, replaced below
    env.write_text("resource_registry:\n"
                   "  OS::TripleO::Services::HAproxy: p/pacemaker/haproxy.yaml\n"
                   "  OS::TripleO::Services::MySQL: p/pacemaker/mysql.yaml\n"
                   "  OS::TripleO::Services::RabbitMQ: p/pacemaker/rabbitmq.yaml\n"
                   "  OS::TripleO::Services::Redis: p/pacemaker/redis.yaml\n"
                   "  os::tripleo::services::Keystone: p/pacemaker/keystone.yaml\n")
    loaded = load_deployment(REFERENCE, env)
    (warning,) = loaded.warnings
    assert warning.line == 6 and "Heat resource types are case-sensitive" in warning.message
    assert "OS::TripleO::Services::Keystone" in warning.fix
    assert {s.name: s.manager for s in loaded.services}["keystone"] == "systemd"


def test_listed_service_marked_heat_none_names_both_files(write_yaml):
    env = write_yaml("resource_registry:\n"
                     "  OS::TripleO::Services::HAproxy: p/pacemaker/haproxy.yaml\n"
                     "  OS::TripleO::Services::MySQL: p/pacemaker/mysql.yaml\n"
                     "  OS::TripleO::Services::RabbitMQ: p/pacemaker/rabbitmq.yaml\n"
                     "  OS::TripleO::Services::Redis: p/pacemaker/redis.yaml\n"
                     "  OS::TripleO::Services::SaharaApi: OS::Heat::None\n", "env.yaml")
    with pytest.raises(NghaError) as info:
        load_deployment(REFERENCE, env)
    error = info.value
    line = REFERENCE.read_text().splitlines().index("  - sahara-api") + 1
    assert str(error.file) == str(REFERENCE) and error.line == line
    assert f"{env}:6" in error.message and "OS::Heat::None" in error.message
    assert error.field and error.field.startswith("services[")


@pytest.mark.parametrize("text", [
    f"pacemaker_services: [haproxy, {SECRET}]\n",
    f"pacemaker_services: {SECRET}\n",
    f"resource_registry:\n  OS::TripleO::Services::Keystone: {SECRET}\n  x: *{SECRET}\n",
    f"resource_registry:\n  OS::TripleO::Services::MySQL: OS::Heat::None\n  y: {SECRET}\n",
    f"resource_registry: {SECRET}\n",
    f"pacemaker_services: [haproxy]\npacemaker_services: [{SECRET}]\n",
])
def test_environment_errors_never_echo_a_value(tmp_path, text):
    """Keys are names and may be shown (they are the field); values never are."""
    env = tmp_path / "env.yaml"
    env.write_text(text)
    result = CliRunner().invoke(cli, ["render", str(REFERENCE), "-e", str(env), "-o",
                                      str(tmp_path / "out")], env=SECRET_ENV)
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    assert not Path(tmp_path / "out").exists()
