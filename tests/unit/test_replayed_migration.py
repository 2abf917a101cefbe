"""The migration between the layouts against recordings of a real lab cluster: the plan
is the list of steps that run, the preflight refuses what it must, and each step issues
exactly the commands it says (the lab test runs them for real, under probe load)."""

from __future__ import annotations

import pytest
from lxml import etree

from ngha.migrate.preflight import PreflightRefused, preflight
from ngha.migrate.run import plan_steps
from ngha.migrate.steps import MARKER, Migration
from ngha.targets import Target

from replay import Recording, replayed

NODES = ("ctl-0", "ctl-1", "ctl-2")


def migration(tmp_path, source: str, destination: str):
    recording = Recording.load(f"lab-{source}")
    path = recording.deployment_file(tmp_path)
    return recording, Target.load(path, source), Target.load(path, destination)


def build(recording, source, destination):
    cluster, transport = replayed(recording)
    return Migration(cluster, source, destination, lambda _: None), transport


def with_properties(**values: str):
    """An edit of the CIB: cluster properties set (as `pcs property set` would)."""
    def edit(node: str, stdout: str) -> str:
        root = etree.fromstring(stdout.encode())
        nvset = root.find("configuration/crm_config/cluster_property_set"
                          "[@id='cib-bootstrap-options']")
        for name, value in values.items():
            name = name.replace("_", "-")
            etree.SubElement(nvset, "nvpair", id=f"cib-bootstrap-options-{name}", name=name,
                             value=value)
        return etree.tostring(root).decode()
    return edit


@pytest.mark.parametrize("source, destination, names", [
    ("legacy", "nextgen", ["write files", "hold Pacemaker", "patch the CIB",
                           "hand the units to systemd", "release Pacemaker",
                           "forget the removed resources", "restore the orphan policy"]),
    ("nextgen", "legacy", ["write files", "hold Pacemaker", "patch the CIB",
                           "wait for Pacemaker's probes", "release Pacemaker",
                           "restore the orphan policy"])])
def test_the_plan_is_the_list_that_runs(tmp_path, source, destination, names):
    recording, src, dst = migration(tmp_path, source, destination)
    m, transport = build(recording, src, dst)
    described = plan_steps(m)
    assert [d["step"] for d in described] == [s.name for s in m.steps()] == names
    assert transport.changes == [] and transport.files == []  # describing changes nothing
    files = described[0]
    assert set(files["nodes"]) == set(NODES)
    if destination == "nextgen":
        # the services leaving Pacemaker get their drop-ins and retry settings
        assert any("keystone.service.d" in item for item in files["nodes"]["ctl-0"])
        assert "keystone" in described[3]["nodes"]["ctl-1"]
        assert "keystone" in described[5]["what"]  # its history is forgotten
    else:
        assert "disable keystone.service" in files["nodes"]["ctl-2"]
        assert "openstack-core-clone" in described[2]["what"]
        assert "unmanaged until Pacemaker has started" in described[4]["what"]


def test_preflight_passes_on_the_healthy_recorded_cluster(tmp_path):
    recording, src, dst = migration(tmp_path, "legacy", "nextgen")
    m, transport = build(recording, src, dst)
    preflight(m, resuming=False)
    assert transport.changes == []


def refused_untouched(tmp_path, crm_mon_edit, match: str) -> None:
    """The preflight of legacy -> next-gen on the recorded cluster with crm_mon's output
    edited: refused with `match`, no command that changes anything issued."""
    recording, src, dst = migration(tmp_path, "legacy", "nextgen")
    recording.edit("crm_mon", crm_mon_edit)
    m, transport = build(recording, src, dst)
    with pytest.raises(PreflightRefused, match=match):
        preflight(m, resuming=False)
    assert transport.changes == []


def test_preflight_refuses_maintenance_mode_and_touches_nothing(tmp_path):
    refused_untouched(tmp_path, lambda node, out: out.replace('maintenance-mode="false"',
                                                              'maintenance-mode="true"'),
                      "maintenance mode is on")


def test_preflight_refuses_a_node_offline_and_touches_nothing(tmp_path):
    refused_untouched(tmp_path, lambda node, out: out.replace(
        '<node name="ctl-2" id="3" online="true"', '<node name="ctl-2" id="3" online="false"'),
        "the cluster is not whole: ctl-2 offline")


def test_preflight_refuses_failed_actions_and_touches_nothing(tmp_path):
    def failed(node: str, out: str) -> str:
        root = etree.fromstring(out.encode())
        failures = root.find("failures")
        if failures is None:
            failures = etree.SubElement(root, "failures")
        etree.SubElement(failures, "failure", op_key="memcached_monitor_60000", node="ctl-1",
                         exitstatus="not running", exitreason="", exitcode="7", call="42",
                         status="complete", last_rc_change="2026-12-07 10:00:00 +00:00",
                         queued="0", exec="0", interval="60000", task="monitor")
        return etree.tostring(root).decode()
    refused_untouched(tmp_path, failed, r"1 failed actions \(e.g. memcached monitor on ctl-1\)")


def test_preflight_refuses_an_unmanaged_resource(tmp_path):
    recording, src, dst = migration(tmp_path, "legacy", "nextgen")
    recording.edit("crm_mon", lambda node, out: out.replace(
        '<resource id="memcached" resource_agent="systemd:memcached" role="Started" '
        'active="true" orphaned="false" blocked="false" managed="true"',
        '<resource id="memcached" resource_agent="systemd:memcached" role="Started" '
        'active="true" orphaned="false" blocked="false" managed="false"'))
    m, _ = build(recording, src, dst)
    with pytest.raises(PreflightRefused, match="memcached-clone is unmanaged"):
        preflight(m, resuming=False)


def test_hold_records_what_it_changes_and_restore_puts_it_back(tmp_path):
    recording, src, dst = migration(tmp_path, "legacy", "nextgen")
    m, transport = build(recording, src, dst)
    m.hold_pacemaker()
    assert transport.commands("crm_attribute") == [
        f"crm_attribute --type crm_config --name {MARKER} --update to-nextgen "
        "stop-orphan-resources=unset",
        "crm_attribute --type crm_config --name stop-orphan-resources --update false",
        "crm_attribute --type crm_config --name maintenance-mode --update true"]
    # the marker as hold left it, read back: restore deletes what was unset before
    recording.edit("cibadmin", with_properties(**{
        "ngha-migration": "to-nextgen stop-orphan-resources=unset",
        "stop-orphan-resources": "false"}))
    m, transport = build(recording, src, dst)
    m.restore_orphan_policy()
    assert transport.commands("crm_attribute") == [
        "crm_attribute --type crm_config --name stop-orphan-resources --delete",
        f"crm_attribute --type crm_config --name {MARKER} --delete"]


def test_restore_puts_back_an_operators_own_value(tmp_path):
    recording, src, dst = migration(tmp_path, "legacy", "nextgen")
    recording.edit("cibadmin", with_properties(**{
        "ngha-migration": "to-nextgen stop-orphan-resources=true",
        "stop-orphan-resources": "false"}))
    m, transport = build(recording, src, dst)
    m.restore_orphan_policy()
    assert transport.commands("crm_attribute")[0] == \
        "crm_attribute --type crm_config --name stop-orphan-resources --update true"


def test_units_are_handed_to_systemd_without_a_start(tmp_path):
    recording, src, dst = migration(tmp_path, "legacy", "nextgen")
    m, transport = build(recording, src, dst)
    m.hand_over_units()
    commands = transport.commands()
    assert len([c for c in commands if c.startswith("rm -f -- /run/systemd/system/")]) == 3
    assert all("/50-pacemaker.conf" in word for c in commands if c.startswith("rm ")
               for word in c.split()[3:])
    enables = [c for c in commands if c.startswith("systemctl enable")]
    assert len(enables) == 3 and all("--now" not in c for c in enables)
    assert "keystone.service" in enables[0] and "ngha-probe.service" in enables[0]
    assert not any(c.startswith(("systemctl start", "systemctl restart", "pcs", "crm_"))
                   for c in commands)
