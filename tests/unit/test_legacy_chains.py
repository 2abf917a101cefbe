"""Legacy chains with holes: each deployed service stays ordered after its nearest deployed
predecessor in the catalog's chain, colocated only where every bridged link was."""

from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.profiles.desired import Colocation, Order
from tests.conftest import REFERENCE

# A smaller service set whose chains have holes: nova-novncproxy and nova-api, the neutron
# agents between server and l3, ceilometer-collector/-api (so no delay resource), the heat
# APIs and ceilometer-notification, cinder-scheduler and mongod are not deployed.
HOLEY = """\
cluster: holes
profile: legacy
nodes:
  - {name: controller-0, address: 192.0.2.10}
  - {name: controller-1, address: 192.0.2.11}
  - {name: controller-2, address: 192.0.2.12}
vips:
  control: 192.0.2.100
  internal_api: 192.0.2.101
services: [keystone, memcached, nova-consoleauth, nova-scheduler, nova-conductor,
           neutron-server, neutron-l3-agent, ceilometer-central, aodh-evaluator,
           aodh-listener, heat-engine, cinder-api, cinder-volume]
"""


def clone(name):
    return f"{name}-clone"


# (first, first action, then, colocated)
EXPECTED = {
    (clone("haproxy"), "start", clone("openstack-core"), False),
    (clone("rabbitmq"), "start", clone("openstack-core"), False),
    (clone("memcached"), "start", clone("openstack-core"), False),
    ("galera-master", "promote", clone("openstack-core"), False),
    *{(clone("openstack-core"), "start", clone(x), False) for x in (
        "httpd", "openstack-cinder-api", "neutron-server", "openstack-nova-consoleauth",
        "openstack-ceilometer-central")},
    ("redis-master", "promote", clone("openstack-ceilometer-central"), False),
    ("redis-master", "promote", clone("openstack-aodh-evaluator"), False),
    (clone("openstack-nova-scheduler"), "start", clone("openstack-nova-conductor"), True),
    (clone("openstack-aodh-evaluator"), "start", clone("openstack-aodh-listener"), True),
    # bridged: over nova-novncproxy and nova-api, all colocated links
    (clone("openstack-nova-consoleauth"), "start", clone("openstack-nova-scheduler"), True),
    # bridged: over the dhcp and openvswitch agents; ovs-agent -> server is not colocated
    (clone("neutron-server"), "start", clone("neutron-l3-agent"), False),
    # bridged: over delay, ceilometer-api and -collector; collector -> central is not colocated
    (clone("openstack-ceilometer-central"), "start", clone("openstack-aodh-evaluator"), False),
    # bridged: over the heat APIs and ceilometer-notification, back to openstack-core
    (clone("openstack-core"), "start", clone("openstack-heat-engine"), False),
    # bridged: over cinder-scheduler, both links colocated
    (clone("openstack-cinder-api"), "start", "openstack-cinder-volume", True),
}


def edges(state):
    constraints = state.cluster.constraints
    colocated = {(c.with_rsc, c.rsc) for c in constraints if isinstance(c, Colocation)}
    return {(o.first, o.first_action, o.then, (o.first, o.then) in colocated)
            for o in constraints if isinstance(o, Order) and not o.first.startswith("ip-")}


def test_holes_are_bridged_to_the_nearest_deployed_predecessor(write_yaml):
    state = build_desired_state(load_deployment(write_yaml(HOLEY)))
    assert edges(state) == EXPECTED
    ids = {r.id for r in state.cluster.resources}
    assert "delay-clone" not in ids and "openstack-nova-api-clone" not in ids
    # every colocation belongs to an order edge: bridging adds no stray colocation
    colocations = [c for c in state.cluster.constraints if isinstance(c, Colocation)
                   and not c.rsc.startswith("ip-")]
    assert len(colocations) == sum(1 for edge in EXPECTED if edge[3])


def test_every_deployed_service_is_ordered_behind_openstack_core(write_yaml):
    """Following order edges from openstack-core reaches every non-core service."""
    state = build_desired_state(load_deployment(write_yaml(HOLEY)))
    after: dict[str, set[str]] = {}
    for first, _, then, _ in edges(state):
        after.setdefault(first, set()).add(then)
    reached, todo = set(), [clone("openstack-core")]
    while todo:
        for then in after.get(todo.pop(), ()):
            if then not in reached:
                reached.add(then)
                todo.append(then)
    services = {r.id for r in state.cluster.resources if r.id.startswith(
        ("openstack-", "neutron-", "httpd"))} - {clone("openstack-core")}
    assert services <= reached


def test_reference_counts_are_unchanged_by_bridging():
    state = build_desired_state(load_deployment(REFERENCE, profile="legacy"))
    assert len(state.cluster.resources) == 47 and len(state.cluster.constraints) == 74
