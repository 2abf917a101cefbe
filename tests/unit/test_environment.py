"""Environment files: ngha's own format, TripleO's resource_registry, and their errors."""

import pytest

from ngha.errors import NghaError
from ngha.model.load import load_deployment
from tests.conftest import REFERENCE


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
  OS::TripleO::Services::SaharaApi: OS::Heat::None
  OS::TripleO::Services::SaharaEngine: OS::Heat::None
  OS::TripleO::Services::Pacemaker: ../puppet/services/pacemaker.yaml
  OS::TripleO::Network::External: ../network/external.yaml
""", "tripleo.yaml")
    result = managers(REFERENCE, env)
    assert result["galera"] == "pacemaker" and result["keystone"] == "systemd"
    assert "sahara-api" not in result and "sahara-engine" not in result


@pytest.mark.parametrize("text,line,fragment", [
    ("pacemaker_services: [haproxy, nova]\n", 1, "unknown service 'nova'"),
    ("pacemaker_services:\n  - haproxy\n  - galera-cluster\n", 3, "unknown service"),
    ("pacemaker: [haproxy]\n", 1, "unknown key 'pacemaker'"),
    ("resource_registry:\n  OS::TripleO::Services::Frobnicator: x/pacemaker/f.yaml\n", 2,
     "'Frobnicator' is not in the ngha catalog"),
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
