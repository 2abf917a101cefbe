"""Property test of the whole render: hypothesis builds VALID deployments from the schema
(nodes, VIPs on their networks, services from the catalog, optional fencing and roles),
renders them, and checks what must hold for every one: the real tools accept the output,
no secret value lands in any file, fencing is enabled wherever it is configured, and each
VIP gets the prefix its network (or the default) says.

corosync -t is not run here: it needs a network namespace holding a node's address, so it
runs with the lab tests (tests/tools/test_real_checkers.py); corosync.conf is checked for
shape instead.
"""

import ipaddress
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from ruamel.yaml import YAML

from ngha.catalog import load_catalog
from ngha.cib.verify import crm_verify
from ngha.model.load import load_deployment
from ngha.render.artifacts import render_all
from tests.conftest import SECRET, require_tool
from tests.golden.test_golden import assert_stonith_enabled

pytestmark = pytest.mark.tools

# NGHA_FUZZ_SCALE=10 runs ten times as many examples (a deeper run by hand).
SCALE = int(os.environ.get("NGHA_FUZZ_SCALE", "1"))
NETWORKS = ("control", "public", "internal_api", "storage", "storage_mgmt")
SUBNETS = {
    4: {"control": "192.0.2.0/24", "public": "198.51.100.0/24", "internal_api": "172.16.2.0/24",
        "storage": "172.16.1.0/24", "storage_mgmt": "172.16.3.0/24"},
    6: {"control": "fd00:0:0:1::/64", "public": "2001:db8:0:1::/64",
        "internal_api": "fd00:0:0:2::/64", "storage": "fd00:0:0:3::/64",
        "storage_mgmt": "fd00:0:0:4::/64"},
}
CATALOG = load_catalog()
SERVICES = sorted(name for name, svc in CATALOG.services.items() if not svc.core)
ROLES = ("haproxy", "galera", "rabbitmq", "redis", "cinder-volume")


def host(subnet: str, number: int) -> str:
    return str(ipaddress.ip_network(subnet).network_address + number)


@st.composite
def deployments(draw):
    """(deployment as plain data, {vip resource address: expected cidr_netmask})."""
    family = draw(st.sampled_from([4, 6]))
    subnets = SUBNETS[family]
    count = draw(st.integers(1, 4))
    form = draw(st.sampled_from(["simple", "prefixed", "per-network"]))
    if form == "per-network":
        on = draw(st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=5, unique=True))
        if "control" not in on and "internal_api" not in on:
            on.append(draw(st.sampled_from(["control", "internal_api"])))
    else:
        on = ["control"]
    prefix = ipaddress.ip_network(subnets["control"]).prefixlen
    nodes = []
    for i in range(count):
        node = {"name": f"ctl-{i}"}
        if form == "per-network":
            node["addresses"] = {net: f"{host(subnets[net], 10 + i)}/{prefix}" for net in on}
        else:
            node["address"] = host(subnets["control"], 10 + i) + (
                f"/{prefix}" if form == "prefixed" else "")
        nodes.append(node)
    # VIP names: a network the nodes are on (every name, in the simple forms), plus redis
    names = list(NETWORKS) if form != "per-network" else list(on)
    if form != "per-network" or "internal_api" in on:
        names.append("redis")
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    if "control" not in chosen and "internal_api" not in chosen:
        chosen.append("control" if "control" in names else "internal_api")
    vips, expected = {}, {}
    for j, name in enumerate(chosen):
        network = "internal_api" if name == "redis" else name
        subnet = subnets["control"] if form != "per-network" else subnets[network]
        vip = {"address": host(subnet, 100 + j)}
        explicit = draw(st.sampled_from([None, prefix, 32 if family == 4 else 128]))
        if explicit is not None:
            vip["netmask"] = explicit
        if draw(st.booleans()):
            vip["nic"] = draw(st.sampled_from(["eth0", "br-ex", "vlan20", "bond0.30"]))
        vips[name] = vip
        default = 32 if family == 4 else 64
        expected[vip["address"]] = explicit or (prefix if form != "simple" else default)
    transport = draw(st.sampled_from(["knet", "udpu", "udp"]))
    corosync = {"transport": transport, "token": draw(st.integers(1000, 20000))}
    crypto = draw(st.sampled_from([None, False, True] if transport == "knet" else [None, False]))
    if crypto is not None:
        corosync["crypto"] = crypto
    data = {
        "cluster": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,12}", fullmatch=True)),
        "profile": draw(st.sampled_from(["nextgen", "legacy"])),
        "distro": draw(st.sampled_from(["rdo", "debian"])),
        "corosync": corosync,
        "nodes": nodes,
        "vips": vips,
        "services": draw(st.lists(st.sampled_from(SERVICES), unique=True, max_size=12)),
        "secrets": {"database_password": {"file": "SECRET_FILE"},
                    "rabbitmq_password": {"env": "NGHA_RABBITMQ_PASSWORD"},
                    "redis_password": {"env": "NGHA_REDIS_PASSWORD"}},
    }
    if draw(st.booleans()):
        for node in nodes:
            node["roles"] = draw(st.lists(st.sampled_from(ROLES), unique=True))
    if draw(st.booleans()):
        data["fencing"] = {"devices": [
            {"node": node["name"], "agent": "fence_ipmilan",
             "parameters": {"ip": f"192.0.2.{50 + i}", "username": "admin", "lanplus": True,
                            "password_script": "/etc/ngha/ipmi-pass"}}
            for i, node in enumerate(nodes)]}
    return data, expected


def files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*") if p.is_file()}


@settings(max_examples=30 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(deployments())
def test_every_valid_deployment_renders_what_the_real_tools_accept(example):
    require_tool("crm_verify")
    require_tool("haproxy")
    data, expected_prefix = example
    with tempfile.TemporaryDirectory() as tmp:
        secret_file = Path(tmp) / "database_password"
        secret_file.write_text(SECRET + "\n")
        data["secrets"]["database_password"]["file"] = str(secret_file)
        path = Path(tmp) / "deployment.yaml"
        with path.open("w") as stream:
            YAML(typ="safe").dump(data, stream)
        environ = {"NGHA_RABBITMQ_PASSWORD": SECRET, "NGHA_REDIS_PASSWORD": SECRET}
        os.environ.update(environ)
        try:
            loaded = load_deployment(path)  # valid by construction: no NghaError
            out = Path(tmp) / "out"
            render_all(loaded, out, with_svg=False)
        finally:
            for name in environ:
                os.environ.pop(name, None)
        rendered = files(out)

        # no secret value in any file ngha writes
        assert not [name for name, text in rendered.items() if SECRET in text]
        # the only warning a valid deployment can get: two nodes without fencing
        assert all("2-node cluster without fencing" in w.message for w in loaded.warnings)
        assert bool(loaded.warnings) == (len(data["nodes"]) == 2 and "fencing" not in data)

        verify = crm_verify(out / "cib.xml")
        assert verify.ok, verify.output
        cib = etree.parse(str(out / "cib.xml"))
        if "fencing" in data:
            assert_stonith_enabled(out / "cib.xml")
        else:
            assert cib.xpath("//nvpair[@name='stonith-enabled']/@value") == ["false"]
        netmasks = {p.xpath("instance_attributes/nvpair[@name='ip']/@value")[0]:
                    int(p.xpath("instance_attributes/nvpair[@name='cidr_netmask']/@value")[0])
                    for p in cib.xpath("//primitive[@type='IPaddr2']")}
        assert netmasks == {str(ipaddress.ip_address(a)): n for a, n in expected_prefix.items()}

        first = f"nodes/{data['nodes'][0]['name']}"
        proc = subprocess.run(["haproxy", "-c", "-f", str(out / first / "etc/haproxy/haproxy.cfg")],
                              capture_output=True, text=True,
                              env={**os.environ, "REDIS_PASSWORD": "checker-placeholder"})
        assert proc.returncode == 0, proc.stdout + proc.stderr

        corosync = rendered[f"{first}/etc/corosync/corosync.conf"]
        assert corosync.count("ring0_addr:") == len(data["nodes"])
        transport = data["corosync"]["transport"]
        ipv6 = ":" in loaded.deployment.nodes[0].address
        assert ("ip_version: ipv6" in corosync) == (ipv6 and transport != "knet")
        assert ("crypto_cipher" in corosync) == (transport == "knet")
        assert ("two_node: 1" in corosync) == (len(data["nodes"]) == 2)
