"""Nodes with an address per network, VIPs on their networks, and what corosync is given."""

import pytest

from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.render.corosync import render_corosync
from tests.conftest import EXAMPLES, REFERENCE
from tests.unit.test_bad_input import GOOD, PER_NETWORK, apply

INPUTS = REFERENCE.parent.parent / "tests" / "golden" / "inputs"


def vips(path, profile="nextgen"):
    state = build_desired_state(load_deployment(path, profile=profile))
    return {r.id: r.instance_attributes for r in state.cluster.resources
            if getattr(r, "agent", "").endswith("IPaddr2")}


def test_node_addresses_per_network_and_primary():
    node = load_deployment(REFERENCE).deployment.nodes[1]
    assert node.per_network and node.address == "192.0.2.11"  # control: the cluster address
    assert node.address_on("internal_api") == "172.16.2.11"
    assert node.prefix_on("public") == 24 and node.address_on("redis") is None
    simple = load_deployment(EXAMPLES / "lab-3ctl.yaml").deployment.nodes[0]
    assert not simple.per_network
    assert simple.address_on("public") == simple.address == "10.213.0.11"
    assert simple.prefix_on("public") is None


def test_primary_address_is_the_first_without_control(write_yaml):
    text = apply(PER_NETWORK).replace("control: 192.0.2.1", "storage: 192.0.2.1")
    text = text.replace("  control: 192.0.2.100\n", "  storage: 192.0.2.100\n")
    deployment = load_deployment(write_yaml(text)).deployment
    assert deployment.nodes[0].address == "192.0.2.10"  # storage, written first


def test_each_vip_gets_its_network_prefix():
    attributes = vips(REFERENCE)
    assert attributes["ip-198.51.100.100"] == {"ip": "198.51.100.100", "cidr_netmask": "24"}
    assert attributes["ip-172.16.2.101"]["cidr_netmask"] == "24"  # redis, on internal_api
    assert all("nic" not in a for a in attributes.values())


def test_defaults_explicit_netmask_and_nic():
    v6 = vips(INPUTS / "ipv6-3ctl.yaml")
    assert v6["ip-fd00..100"] == {"ip": "fd00::100", "cidr_netmask": "64"}  # IPv6 default
    assert v6["ip-fd00..103"] == {"ip": "fd00::103", "cidr_netmask": "112", "nic": "vlan30"}
    v4 = vips(EXAMPLES / "lab-3ctl.yaml")
    assert v4["ip-10.213.0.100"] == {"ip": "10.213.0.100", "cidr_netmask": "32"}  # IPv4 default
    fenced = vips(INPUTS / "fencing-3ctl.yaml")
    assert fenced["ip-198.51.100.100"] == {"ip": "198.51.100.100", "cidr_netmask": "24",
                                           "nic": "br-ex"}


def test_explicit_netmask_wins_over_the_network_prefix(write_yaml):
    text = apply(PER_NETWORK).replace("control: 192.0.2.100",
                                      "control: {address: 192.0.2.100, netmask: 32}")
    assert vips(write_yaml(text))["ip-192.0.2.100"]["cidr_netmask"] == "32"


def test_vip_may_name_its_network(write_yaml):
    text = apply(PER_NETWORK).replace(
        "  control: 192.0.2.100\n",
        "  control: 192.0.2.100\n  public: {address: 172.16.2.200, network: internal_api}\n")
    assert vips(write_yaml(text))["ip-172.16.2.200"]["cidr_netmask"] == "24"


def test_reference_public_vip_is_on_a_network_every_node_is_on():
    deployment = load_deployment(REFERENCE).deployment
    for name, vip in deployment.vip_list:
        network = deployment.vip_network(name)
        subnet = deployment.network_subnet(network)
        assert subnet is not None and vip.ip in subnet, name
        assert all(node.address_on(network) for node in deployment.nodes)


@pytest.mark.parametrize("transport,nodes,expected", [
    ("udpu", "ipv6", "ip_version: ipv6"),
    ("udp", "ipv6", "ip_version: ipv6"),
    ("knet", "ipv6", None),
    ("udpu", "ipv4", None),
])
def test_corosync_ip_version(write_yaml, transport, nodes, expected):
    text = (INPUTS / "ipv6-3ctl.yaml").read_text() if nodes == "ipv6" else GOOD
    text = text.replace("corosync: {transport: knet,", f"corosync: {{transport: {transport},")
    if "corosync:" not in text:
        text = f"corosync: {{transport: {transport}}}\n" + text
    conf = render_corosync(load_deployment(write_yaml(text)).deployment)
    assert f"transport: {transport}" in conf
    if expected:
        assert expected in conf
    else:
        assert "ip_version" not in conf


@pytest.mark.parametrize("corosync,crypto_lines", [
    ("{transport: knet}", "crypto_cipher: aes256"),
    ("{transport: knet, crypto: false}", "crypto_cipher: none"),
    ("{transport: udpu}", None),  # udpu cannot encrypt: off unless asked (then refused)
])
def test_corosync_crypto_follows_the_transport(write_yaml, corosync, crypto_lines):
    conf = render_corosync(load_deployment(write_yaml(f"corosync: {corosync}\n" + GOOD))
                           .deployment)
    if crypto_lines:
        assert crypto_lines in conf
    else:
        assert "crypto" not in conf
