"""Building the wanted CIB from the live one: only what ngha owns is replaced."""

from pathlib import Path

import pytest
from lxml import etree

from ngha.cib.merge import OwnershipConflict, merge, owned_ids, owned_profile
from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from tests.conftest import EXAMPLES

LIVE = Path(__file__).parent / "recorded" / "cibadmin-query.xml"


def live_root() -> etree._Element:
    return etree.parse(str(LIVE), etree.XMLParser(remove_blank_text=True)).getroot()


def desired(profile: str = "nextgen"):
    return build_desired_state(load_deployment(EXAMPLES / "lab-3ctl.yaml", profile=profile))


def ids(root, section: str) -> list[str]:
    return [e.get("id") for e in root.find(f"configuration/{section}")]


def test_first_merge_adds_everything_and_keeps_what_others_made():
    live = live_root()
    others = ids(live, "resources")  # resources made by hand on the recorded lab
    want = desired()
    merged, changes = merge(live, want.cluster, "nextgen")
    assert set(changes.resources_added) == {r.id for r in want.cluster.resources}
    assert not changes.resources_removed and not changes.resources_changed
    assert ids(merged, "resources")[:len(others)] == others  # untouched, same order
    assert owned_ids(merged) == [r.id for r in want.cluster.resources] + \
        [c.id for c in want.cluster.constraints]
    assert owned_profile(merged) == "nextgen"
    assert merged.find("status") is not None  # the status section comes along


def test_second_merge_is_a_no_op_and_keeps_operator_switches():
    first, _ = merge(live_root(), desired().cluster, "nextgen")
    # an operator disables haproxy-clone with pcs: that survives the next merge
    clone = first.find("configuration/resources/clone[@id='haproxy-clone']")
    meta = etree.SubElement(clone, "meta_attributes", {"id": "haproxy-clone-meta_attributes"})
    etree.SubElement(meta, "nvpair", {"id": "haproxy-clone-meta_attributes-target-role",
                                      "name": "target-role", "value": "Stopped"})
    again, changes = merge(first, desired().cluster, "nextgen")
    assert changes.empty, changes
    assert etree.tostring(again, method="c14n") == etree.tostring(first, method="c14n")


def test_an_empty_attribute_block_left_by_pcs_is_no_change():
    """`pcs resource restart` sets target-role and takes it away again, leaving an empty
    <meta_attributes>: the resource means the same (the matrix's restore had refused)."""
    first, _ = merge(live_root(), desired().cluster, "nextgen")
    primitive = first.find("configuration/resources/clone[@id='haproxy-clone']/primitive")
    meta = etree.Element("meta_attributes", {"id": f"{primitive.get('id')}-meta_attributes"})
    primitive.append(meta)
    again, changes = merge(first, desired().cluster, "nextgen")
    assert changes.empty, changes
    # a reference to another block is not empty: it changes what the resource means
    meta.set("id-ref", "somebody-elses-meta")
    _, changes = merge(first, desired().cluster, "nextgen")
    assert not changes.empty


def test_switching_profile_removes_only_what_ngha_made():
    legacy, _ = merge(live_root(), desired("legacy").cluster, "legacy")
    nextgen, changes = merge(legacy, desired("nextgen").cluster, "nextgen")
    assert "openstack-core-clone" in changes.resources_removed
    assert "keystone-clone" in changes.resources_removed
    assert "stateful-clone" in ids(nextgen, "resources")  # made by hand: stays
    assert not changes.resources_added  # the core resources are the same in both


def test_an_operators_different_resource_under_ngha_id_is_refused():
    live = live_root()
    resources = live.find("configuration/resources")
    etree.SubElement(resources, "primitive", {"id": "haproxy", "class": "ocf",
                                              "provider": "heartbeat", "type": "Dummy"})
    with pytest.raises(OwnershipConflict, match="haproxy"):
        merge(live, desired().cluster, "nextgen")
