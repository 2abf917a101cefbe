"""Fact parsers on outputs recorded from a real 3-node lab (tests/unit/recorded/)."""

from pathlib import Path

import pytest

from ngha.facts import FactUnreadable
from ngha.facts.cib import parse_cib
from ngha.facts.crm_mon import parse_crm_mon
from ngha.facts.files import FileDigestsFact, parse_digests
from ngha.facts.units import UnitsFact, parse_units

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


def test_crm_mon_membership_roles_and_failures():
    view = parse_crm_mon(recorded("crm_mon-mixed.xml"), "ctl-0")
    assert view.dc == "ctl-2" and view.quorum and not view.maintenance_mode
    assert view.online == {"ctl-0", "ctl-1", "ctl-2"} and not view.offline
    assert view.roles_on("stateful-clone") == {"ctl-0": "Promoted", "ctl-1": "Unpromoted",
                                               "ctl-2": "Unpromoted"}
    assert view.roles_on("dummy") == {n: "Started" for n in ("ctl-0", "ctl-1", "ctl-2")}
    dummy = view.instances_of("dummy-clone")
    assert len(dummy) == 3 and not any(i.managed for i in dummy)  # unmanaged by hand
    (stopped,) = view.instances_of("stopped")
    assert stopped.target_role == "Stopped" and not stopped.active
    failed = {(f.resource, f.node, f.task) for f in view.failed_actions}
    assert ("broken", "ctl-1", "start") in failed and ("cron", "ctl-2", "start") in failed
    cron = next(f for f in view.failed_actions if f.resource == "cron")
    assert cron.exit_status == "not installed" and "cron not found" in cron.exit_reason
    assert view.fail_counts[("ctl-0", "broken")] == 1000000
    monitor = [op for op in view.history["ctl-0"]["stateful"] if op.task == "monitor"]
    assert monitor[0].rc == 8 and monitor[0].interval_ms == 10000


def test_crm_mon_node_offline_and_maintenance():
    view = parse_crm_mon(recorded("crm_mon-node-offline-maintenance.xml"), "ctl-0")
    assert view.offline == {"ctl-2"} and view.quorum and view.maintenance_mode
    assert view.dc == "ctl-0"


def test_crm_mon_when_pacemaker_is_down_is_one_clear_error():
    with pytest.raises(FactUnreadable, match=r"ctl-0: crm_mon: Not connected"):
        parse_crm_mon(recorded("crm_mon-pacemaker-stopped.xml"), "ctl-0")
    with pytest.raises(FactUnreadable, match="no readable XML"):
        parse_crm_mon("crm_mon: command not found", "ctl-0")


def test_cib_version_and_configuration():
    cib = parse_cib(recorded("cibadmin-query.xml"), "ctl-0")
    assert (cib.version.admin_epoch, cib.version.epoch, cib.version.num_updates) == (0, 18, 104)
    assert cib.version.configuration == (0, 18)
    tree = cib.tree()
    assert tree.find("configuration/resources/clone[@id='stateful-clone']") is not None
    tree.find("configuration/resources").clear()  # a copy: the recorded bytes stay intact
    assert cib.tree().find("configuration/resources/clone") is not None
    with pytest.raises(FactUnreadable):
        parse_cib("<pacemaker-result/>", "ctl-0")


def test_systemctl_show_blocks():
    units = parse_units(recorded("systemctl-show.txt"))
    ssh = units["ssh.service"]
    assert ssh.running and ssh.main_pid == 312 and ssh.enabled and ssh.has_pacemaker_dropin
    assert units["haproxy.service"].unit_file_state == "disabled"
    assert not units["haproxy.service"].running and units["haproxy.service"].exists
    assert not units["nonexistent.service"].exists
    assert units["corosync.service"].drop_ins == () and units["corosync.service"].restarts == 0


def test_units_fact_names_services():
    argv = UnitsFact(["keystone", "ngha-probe.socket"]).argv()
    assert argv[-2:] == ["keystone.service", "ngha-probe.socket"]
    assert argv[:2] == ["systemctl", "show"]


def test_file_digests():
    text = ("/etc/a\t" + "ab" * 32 + "\t640 root:redis\n"
            "/etc/missing\t-\t-\n")
    states = parse_digests(text)
    assert states["/etc/a"].mode == 0o640 and states["/etc/a"].owner == "root:redis"
    assert not states["/etc/missing"].exists and states["/etc/missing"].sha256 is None
    with pytest.raises(FactUnreadable):
        parse_digests("garbage")
    # paths are parameters of a fixed script, never part of its text
    argv = FileDigestsFact(["/etc/x; rm -rf /"]).argv()
    assert argv[-1] == "/etc/x; rm -rf /" and "rm -rf" not in argv[2]


def test_file_digests_run_locally(tmp_path):
    from ngha.facts import read_fact
    from ngha.transport.local import LocalTransport

    (tmp_path / "f").write_text("hello\n")
    (tmp_path / "f").chmod(0o600)
    states = read_fact(LocalTransport(), "here", FileDigestsFact([str(tmp_path / "f"),
                                                                  str(tmp_path / "no")]))
    import hashlib
    assert states[str(tmp_path / "f")].sha256 == hashlib.sha256(b"hello\n").hexdigest()
    assert states[str(tmp_path / "f")].mode == 0o600
    assert not states[str(tmp_path / "no")].exists
