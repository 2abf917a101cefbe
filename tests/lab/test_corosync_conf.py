"""corosync.conf rendering, shared by deployments and the lab (no root needed)."""

import pytest

from ngha.render.corosync import CorosyncSettings, render_corosync_conf

NODES = [("ctl-0", "10.213.0.11"), ("ctl-1", "10.213.0.12"), ("ctl-2", "10.213.0.13")]


def lab_conf(nodes=NODES, token_ms=3000):
    return render_corosync_conf(CorosyncSettings("ngha-lab", nodes, token_ms=token_ms,
                                                 crypto=False, blackbox=False))


def test_nodelist_transport_and_token():
    conf = lab_conf()
    assert "transport: knet" in conf and "token: 3000" in conf
    assert "crypto_cipher: none" in conf and "blackbox: off" in conf
    for i, (name, address) in enumerate(NODES, start=1):
        assert f"ring0_addr: {address}\n        name: {name}\n        nodeid: {i}" in conf
    assert "two_node" not in conf


def test_token_is_a_setting():
    assert "token: 10000" in lab_conf(token_ms=10000)
    with pytest.raises(ValueError):
        lab_conf(token_ms=0)


def test_two_nodes_get_two_node_quorum():
    assert "two_node: 1" in lab_conf(NODES[:2])


def test_production_default_has_crypto_and_flight_recorder():
    conf = render_corosync_conf(CorosyncSettings("c", NODES))
    assert "crypto_cipher: aes256" in conf and "blackbox" not in conf
