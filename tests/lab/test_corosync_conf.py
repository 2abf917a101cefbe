"""corosync.conf rendering (no root needed)."""

import re

import pytest

from ngha.lab.corosync import render_corosync_conf

NODES = [("ctl-0", "10.213.0.11"), ("ctl-1", "10.213.0.12"), ("ctl-2", "10.213.0.13")]


def test_nodelist_transport_and_token():
    conf = render_corosync_conf("ngha-lab", NODES, token_ms=3000)
    assert "transport: knet" in conf and "token: 3000" in conf
    assert "cluster_name: ngha-lab" in conf
    found = re.findall(r"ring0_addr: (\S+)\s+name: (\S+)\s+nodeid: (\d+)", conf)
    assert found == [("10.213.0.11", "ctl-0", "1"), ("10.213.0.12", "ctl-1", "2"),
                     ("10.213.0.13", "ctl-2", "3")]
    assert "two_node" not in conf
    assert conf.count("{") == conf.count("}")


def test_token_is_a_setting():
    assert "token: 10000" in render_corosync_conf("c", NODES, token_ms=10000)
    with pytest.raises(ValueError):
        render_corosync_conf("c", NODES, token_ms=0)


def test_two_nodes_get_two_node_quorum():
    assert "two_node: 1" in render_corosync_conf("c", NODES[:2])
