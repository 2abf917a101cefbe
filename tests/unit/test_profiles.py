"""The acceptance counts of the reference deployment and the shape of both layouts."""

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.profiles.desired import Clone, Colocation, Location, Order, Primitive
from tests.conftest import EXAMPLES, REFERENCE

INPUTS = REFERENCE.parent.parent / "tests" / "golden" / "inputs"


def desired(profile, path=REFERENCE, environment=None):
    return build_desired_state(load_deployment(path, environment, profile=profile))


def kinds(state):
    constraints = state.cluster.constraints
    return (len(state.cluster.resources),
            sum(isinstance(c, Order) for c in constraints),
            sum(isinstance(c, Colocation) for c in constraints))


def test_nextgen_reference_counts():
    state = desired("nextgen")
    assert kinds(state) == (11, 6, 6)
    orders = [c for c in state.cluster.constraints if isinstance(c, Order)]
    assert all(o.kind == "Optional" and o.then == "haproxy-clone" for o in orders)
    colocations = [c for c in state.cluster.constraints if isinstance(c, Colocation)]
    assert all(c.with_rsc == "haproxy-clone" and c.score == "INFINITY" for c in colocations)


def test_legacy_reference_counts():
    state = desired("legacy")
    assert kinds(state) == (47, 47, 27)
    assert len(state.cluster.constraints) == 74


def test_nextgen_has_no_constraint_on_core_services():
    ids = {"rabbitmq-clone", "galera-master", "redis-master", "openstack-cinder-volume"}
    for c in desired("nextgen").cluster.constraints:
        named = {c.first, c.then} if isinstance(c, Order) else {c.rsc, c.with_rsc}
        assert not named & ids, c


def test_legacy_galera_promote_orders_openstack_core():
    orders = [c for c in desired("legacy").cluster.constraints if isinstance(c, Order)]
    assert any(o.first == "galera-master" and o.first_action == "promote"
               and o.then == "openstack-core-clone" for o in orders)


def test_core_resources_match_reference():
    by_id = {r.id: r for r in desired("nextgen").cluster.resources}
    galera = by_id["galera-master"]
    assert isinstance(galera, Clone) and galera.promotable
    assert galera.meta["promoted-max"] == "3"
    assert galera.primitive.instance_attributes["wsrep_cluster_address"] == \
        "gcomm://controller-0,controller-1,controller-2"
    promote = [op for op in galera.primitive.operations if op.name == "promote"][0]
    assert promote.timeout == "300s" and ("on-fail", "block") in promote.extra
    rabbit = by_id["rabbitmq-clone"]
    assert rabbit.primitive.instance_attributes["set_policy"] == \
        'ha-all ^(?!amq\\.).* {"ha-mode":"all"}'
    assert rabbit.meta == {"ordered": "true", "interleave": "true"}
    assert by_id["openstack-cinder-volume"].agent == "systemd:openstack-cinder-volume"
    vip = by_id["ip-192.0.2.100"]  # control VIP, on the nodes' control /24
    assert vip.instance_attributes == {"ip": "192.0.2.100", "cidr_netmask": "24"}


def test_nextgen_nodes_enable_systemd_units_and_disable_pacemaker_ones():
    node = desired("nextgen").nodes[0]
    enabled = {p.unit for p in node.enable}
    disabled = {p.unit for p in node.disable}
    assert "openstack-nova-api" in enabled and "httpd" in enabled
    assert {"haproxy", "rabbitmq-server", "mariadb", "redis",
            "openstack-cinder-volume"} == disabled
    assert not enabled & disabled
    oneshot = {p.unit: p.restart_dropin for p in node.enable}
    assert oneshot["neutron-ovs-cleanup"] is False and oneshot["openstack-nova-api"] is True
    assert node.oslo["/etc/nova/nova.conf"]["database"]["max_retries"] == "-1"
    assert int(node.oslo["/etc/nova/nova.conf"]["database"]["db_max_retries"]) >= 10000
    assert "oslo_messaging_rabbit" in node.oslo["/etc/neutron/neutron.conf"]
    assert "/etc/keystone/keystone.conf" in node.oslo


def test_legacy_disables_every_unit():
    node = desired("legacy").nodes[0]
    assert node.enable == () and len(node.disable) == 39


def test_declared_active_passive_service_goes_to_pacemaker(write_yaml):
    text = REFERENCE.read_text().replace("  - heat-engine\n",
                                         "  - {name: heat-engine, mode: active-passive}\n")
    state = desired("nextgen", write_yaml(text))
    by_id = {r.id: r for r in state.cluster.resources}
    assert by_id["openstack-heat-engine"].agent == "systemd:openstack-heat-engine"
    assert len(state.cluster.resources) == 12


def test_debian_flavour_unit_names():
    state = desired("nextgen", EXAMPLES / "lab-3ctl.yaml")
    units = {p.unit for p in state.nodes[0].enable}
    assert units == {"keystone", "memcached", "ngha-probe", "glance-api", "placement-api",
                     "nova-api", "nova-conductor", "nova-scheduler", "neutron-api",
                     "neutron-rpc-server", "cinder-api", "cinder-scheduler", "heat-api",
                     "heat-engine"}
    assert {p.unit for p in state.nodes[0].disable} >= {"redis-server", "mariadb",
                                                        "ngha-probe-worker", "cinder-volume"}


def test_roles_add_node_attributes_and_exclusive_rules():
    state = desired("nextgen", INPUTS / "roles-3ctl.yaml")
    rules = [c for c in state.cluster.constraints if isinstance(c, Location)]
    assert {r.rsc for r in rules} == {"haproxy-clone", "rabbitmq-clone", "galera-master",
                                      "redis-master", "openstack-cinder-volume"}
    assert all(r.resource_discovery == "exclusive" and r.score == "0" for r in rules)
    assert state.cluster.node_attributes["controller-2"] == {
        "haproxy-role": "true", "rabbitmq-role": "true", "redis-role": "true",
        "cinder-volume-role": "true"}
    galera = {r.id: r for r in state.cluster.resources}["galera-master"]
    assert galera.meta["promoted-max"] == "2"
    assert galera.primitive.instance_attributes["wsrep_cluster_address"] == \
        "gcomm://controller-0,controller-1"


def fence_devices(path):
    state = desired("nextgen", path)
    assert state.cluster.properties["stonith-enabled"] == "true"
    return {r.id: r for r in state.cluster.resources
            if isinstance(r, Primitive) and r.agent.startswith("stonith:")}, state


def test_fence_devices_never_run_on_the_node_they_fence():
    devices, state = fence_devices(INPUTS / "fencing-3ctl.yaml")
    assert set(devices) == {"fence-controller-0", "fence-controller-1", "fence-controller-2"}
    for rid, device in devices.items():
        target = device.instance_attributes["pcmk_host_list"]
        scores = [c.score for c in state.cluster.constraints
                  if isinstance(c, Location) and c.rsc == rid and c.node == target]
        assert scores == ["-INFINITY"]
        # three nodes: a split leaves one side without quorum, no race to break
        assert "pcmk_delay_base" not in device.instance_attributes


def test_two_node_fence_race_is_broken_in_favour_of_the_first_node():
    devices, _ = fence_devices(INPUTS / "fencing-2node.yaml")
    # fencing ctl-a waits, so ctl-a's own shot at ctl-b lands first: ctl-a survives
    assert devices["fence-ctl-a"].instance_attributes["pcmk_delay_base"] == "15s"
    assert "pcmk_delay_base" not in devices["fence-ctl-b"].instance_attributes


def test_a_delay_the_file_sets_wins(write_yaml):
    text = (INPUTS / "fencing-2node.yaml").read_text().replace(
        "ip: 192.0.2.60,", "ip: 192.0.2.60, pcmk_delay_max: 5s,")
    devices, _ = fence_devices(write_yaml(text))
    attributes = devices["fence-ctl-a"].instance_attributes
    assert attributes["pcmk_delay_max"] == "5s" and "pcmk_delay_base" not in attributes


def test_two_nodes_without_fencing_warn_and_strict_fails(write_yaml, tmp_path):
    text = (INPUTS / "fencing-2node.yaml").read_text()
    path = write_yaml(text[:text.index("fencing:")])
    loaded = load_deployment(path)
    (warning,) = loaded.warnings
    assert "2-node cluster without fencing for ctl-a, ctl-b" in warning.message
    assert warning.line == 5 and warning.field == "nodes"
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and result.stderr.startswith(f"warning: {path}:5: nodes: ")
    out = tmp_path / "out"
    for command in (["validate", str(path)], ["render", str(path), "-o", str(out)]):
        strict = CliRunner().invoke(cli, [*command, "--strict"])
        assert strict.exit_code == 2, strict.output
        assert "1 warning and --strict: nothing was written" in strict.stderr
    assert not out.exists()


@pytest.mark.parametrize("profile", ["nextgen", "legacy"])
def test_every_constraint_names_existing_resources(profile):
    state = desired(profile)
    ids = {r.id for r in state.cluster.resources}
    for c in state.cluster.constraints:
        named = {c.first, c.then} if isinstance(c, Order) else {c.rsc, c.with_rsc}
        assert named <= ids, c


# REFERENCE.md section 4, written out by hand: (first, first action, then, colocated).
# VIP pairs are checked separately. Ids are the rdo ones (clone ids for clones).
def _c(name):
    return name if name in ("galera-master", "redis-master", "openstack-cinder-volume") \
        else f"{name}-clone"


LEGACY_EDGES = {
    (_c("haproxy"), "start", _c("openstack-core"), False),
    (_c("rabbitmq"), "start", _c("openstack-core"), False),
    (_c("memcached"), "start", _c("openstack-core"), False),
    ("galera-master", "promote", _c("openstack-core"), False),
    *{(_c("openstack-core"), "start", _c(x), False) for x in (
        "httpd", "openstack-cinder-api", "openstack-sahara-api", "openstack-glance-registry",
        "neutron-server", "openstack-nova-consoleauth", "openstack-ceilometer-central",
        "openstack-ceilometer-notification", "openstack-gnocchi-metricd")},
    (_c("openstack-cinder-api"), "start", _c("openstack-cinder-scheduler"), True),
    (_c("openstack-cinder-scheduler"), "start", "openstack-cinder-volume", True),
    (_c("openstack-sahara-api"), "start", _c("openstack-sahara-engine"), False),
    (_c("openstack-glance-registry"), "start", _c("openstack-glance-api"), True),
    (_c("neutron-ovs-cleanup"), "start", _c("neutron-netns-cleanup"), True),
    (_c("neutron-netns-cleanup"), "start", _c("neutron-openvswitch-agent"), True),
    (_c("neutron-server"), "start", _c("neutron-openvswitch-agent"), False),
    (_c("neutron-openvswitch-agent"), "start", _c("neutron-dhcp-agent"), True),
    (_c("neutron-dhcp-agent"), "start", _c("neutron-l3-agent"), True),
    (_c("neutron-l3-agent"), "start", _c("neutron-metadata-agent"), True),
    (_c("openstack-nova-consoleauth"), "start", _c("openstack-nova-novncproxy"), True),
    (_c("openstack-nova-novncproxy"), "start", _c("openstack-nova-api"), True),
    (_c("openstack-nova-api"), "start", _c("openstack-nova-scheduler"), True),
    (_c("openstack-nova-scheduler"), "start", _c("openstack-nova-conductor"), True),
    ("redis-master", "promote", _c("openstack-ceilometer-central"), False),
    ("redis-master", "promote", _c("openstack-aodh-evaluator"), False),
    (_c("openstack-ceilometer-central"), "start", _c("openstack-ceilometer-collector"), False),
    (_c("openstack-ceilometer-collector"), "start", _c("openstack-ceilometer-api"), True),
    (_c("openstack-ceilometer-api"), "start", _c("delay"), True),
    (_c("delay"), "start", _c("openstack-aodh-evaluator"), True),
    (_c("openstack-aodh-evaluator"), "start", _c("openstack-aodh-notifier"), True),
    (_c("openstack-aodh-evaluator"), "start", _c("openstack-aodh-listener"), True),
    (_c("mongod"), "start", _c("openstack-ceilometer-central"), False),
    (_c("openstack-gnocchi-metricd"), "start", _c("openstack-gnocchi-statsd"), True),
    (_c("openstack-ceilometer-notification"), "start", _c("openstack-heat-api"), False),
    (_c("openstack-heat-api"), "start", _c("openstack-heat-api-cfn"), True),
    (_c("openstack-heat-api-cfn"), "start", _c("openstack-heat-api-cloudwatch"), True),
    (_c("openstack-heat-api-cloudwatch"), "start", _c("openstack-heat-engine"), True),
}


def test_legacy_edges_are_exactly_the_reference():
    constraints = desired("legacy").cluster.constraints
    colocated = {(c.with_rsc, c.rsc) for c in constraints if isinstance(c, Colocation)}
    edges = {(o.first, o.first_action, o.then, (o.first, o.then) in colocated)
             for o in constraints if isinstance(o, Order) and not o.first.startswith("ip-")}
    assert edges == LEGACY_EDGES
    assert len(LEGACY_EDGES) == 41  # + 6 VIP orders = 47
    orders = [o for o in constraints if isinstance(o, Order)]
    assert all(o.kind == "Mandatory" for o in orders if not o.first.startswith("ip-"))
    redis = {r.id: r for r in desired("legacy").cluster.resources}["redis-master"]
    assert redis.meta["clone-min"] == "1"  # the 2016 require-all=false, as Pacemaker 2.1 says
