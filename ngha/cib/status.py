"""A status section saying every configured node is an online member with quorum: what
the offline tools (crm_verify, crm_simulate) need to judge a CIB as a healthy cluster
would run it. A rendered CIB has none, so to Pacemaker every node is unseen ("unclean")."""

from __future__ import annotations

from lxml import etree


def bring_nodes_online(root: etree._Element) -> list[etree._Element]:
    """Add a member node_state per configured node (replacing any status); return them in
    node order so callers can add transient attributes."""
    root.set("have-quorum", "1")
    status = root.find("status")
    if status is None:
        status = etree.SubElement(root, "status")
    for old in list(status):
        status.remove(old)
    return [etree.SubElement(status, "node_state", {
        "id": node.get("id"), "uname": node.get("uname"), "in_ccm": "true",
        "crmd": "online", "join": "member", "expected": "member"})
        for node in root.find("configuration/nodes").iter("node")]
