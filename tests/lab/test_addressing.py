"""Subnet validation and the address plan (no root needed)."""

import ipaddress

import pytest

from ngha.lab.addressing import (default_subnet, parse_routes, parse_subnet, plan_addresses,
                                 validate_subnet)
from ngha.lab.errors import LabError, SubnetError

ROUTES_JSON = """[
 {"dst":"default","gateway":"192.0.2.1","dev":"eth0"},
 {"dst":"192.0.2.0/24","dev":"eth0","protocol":"kernel","scope":"link"},
 {"type":"local","dst":"127.0.0.0/8","dev":"lo","table":"local"},
 {"type":"local","dst":"192.0.2.2","dev":"eth0","table":"local"},
 {"dst":"10.213.0.0/24","dev":"docker0"}
]"""


def net(text):
    return ipaddress.IPv4Network(text)


def test_parse_routes_skips_default_and_makes_host_routes_32():
    routes = parse_routes(ROUTES_JSON)
    assert net("192.0.2.2/32") in routes and net("127.0.0.0/8") in routes
    assert all(r.prefixlen > 0 for r in routes)


def test_default_subnet_avoids_host_routes():
    assert default_subnet(parse_routes(ROUTES_JSON)) == net("10.213.1.0/24")
    assert default_subnet([]) == net("10.213.0.0/24")


@pytest.mark.parametrize("text, message", [
    ("10.1.2.5/24", "did you mean 10.1.2.0/24"),
    ("nonsense", "bad subnet"),
    ("fd00::/64", "IPv4 only"),
])
def test_parse_subnet_errors(text, message):
    with pytest.raises(SubnetError, match=message):
        parse_subnet(text)


@pytest.mark.parametrize("text, message", [
    ("10.213.0.0/24", "overlaps host route 10.213.0.0/24"),
    ("10.0.0.0/8", "overlaps host route"),
    ("8.8.8.0/24", "not private"),
    ("10.9.9.0/25", "too small"),
])
def test_validate_subnet_refuses(text, message):
    with pytest.raises(SubnetError, match=message):
        validate_subnet(net(text), parse_routes(ROUTES_JSON))


def test_validate_subnet_accepts_free_private_subnet():
    assert validate_subnet(net("172.20.5.0/24"), parse_routes(ROUTES_JSON)) == net("172.20.5.0/24")


def test_plan_addresses_layout():
    plan = plan_addresses(net("10.213.7.0/24"), ["ctl-0", "ctl-1", "ctl-2"])
    assert [str(a) for _, a in plan.nodes] == ["10.213.7.11", "10.213.7.12", "10.213.7.13"]
    assert str(plan.client) == "10.213.7.200"
    assert dict((k, str(v)) for k, v in plan.vips)["control"] == "10.213.7.100"
    used = {a for _, a in plan.nodes} | {plan.client}
    assert not used & {a for _, a in plan.vips}


def test_plan_addresses_node_count():
    with pytest.raises(LabError, match="1 to 16 nodes"):
        plan_addresses(net("10.213.7.0/24"), [])
