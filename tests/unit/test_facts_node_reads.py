"""The node reads every command shares, on outputs recorded from a real 3-node lab
(tests/unit/recorded/): corosync's runtime, Galera's wsrep status, HAProxy's servers,
Pacemaker's journal, and the small ones (sysctl, ngha's own files, HTTP codes)."""

from pathlib import Path

import pytest

from ngha.errors import NghaError
from ngha.facts import FactUnreadable, HttpStatusFact, SysctlFact
from ngha.facts.corosync import parse_cmap
from ngha.facts.galera import WsrepStatus, parse_wsrep
from ngha.facts.haproxy import parse_stat
from ngha.facts.journal import operation_results, parse_journal
from ngha.facts.node import MISSING, parse_lines
from ngha.facts.rabbitmq import AmqpLoginFact, parse_users
from ngha.facts.sql import SqlFact, parse_rows
from ngha.health.core import galera_problems, routing_problems

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


def test_corosync_timings_and_members():
    runtime = parse_cmap(recorded("corosync-cmapctl.txt"), "ctl-0")
    # knet scales the configured 3000 ms token with the node count (3 nodes: 3650)
    assert (runtime.token_ms, runtime.consensus_ms) == (3650, 4380)
    assert runtime.failover_budget == pytest.approx(10.03)
    assert [m.nodeid for m in runtime.members] == [1, 2, 3]
    assert all(m.joined for m in runtime.members)
    assert "10.213.0.12" in runtime.members[1].address
    left = recorded("corosync-cmapctl.txt").replace(
        "runtime.members.3.status (str) = joined", "runtime.members.3.status (str) = left")
    assert [m.joined for m in parse_cmap(left, "ctl-0").members] == [True, True, False]
    with pytest.raises(FactUnreadable, match="no totem timings"):
        parse_cmap("Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n", "ctl-1")


def test_wsrep_synced_member_and_what_is_not():
    status = parse_wsrep(recorded("wsrep-status.txt"), "ctl-0")
    assert (status.cluster_size, status.cluster_status, status.local_state) == (3, "Primary", 4)
    assert status.synced and status.local_state_comment == "Synced"
    donor = parse_wsrep("wsrep_cluster_size\t3\nwsrep_cluster_status\tPrimary\n"
                        "wsrep_local_state\t2\nwsrep_local_state_comment\tDonor/Desynced\n"
                        "wsrep_ready\tON\n")
    alone = parse_wsrep("wsrep_cluster_size\t1\nwsrep_cluster_status\tnon-Primary\n"
                        "wsrep_local_state\t4\nwsrep_ready\tOFF\n")
    assert not donor.synced and not alone.synced
    joined = parse_wsrep("wsrep_cluster_size\t3\nwsrep_cluster_status\tPrimary\n"
                         "wsrep_local_state\t3\nwsrep_local_state_comment\tJoined\n"
                         "wsrep_ready\tON\n")
    assert not joined.synced  # joined, still catching up: not yet serving
    problems = galera_problems({"ctl-0": status, "ctl-1": donor, "ctl-2": alone})
    assert [(p.kind, p.node) for p in problems] == [("not-synced", "ctl-1"),
                                                    ("not-synced", "ctl-2")]
    assert "Donor/Desynced" in problems[0].detail
    # a member seeing fewer members than there are is not whole either
    partial = WsrepStatus(2, "Primary", 4, "Synced", True)
    assert galera_problems({"ctl-0": partial, "ctl-1": partial, "ctl-2": status})[0].node \
        == "ctl-0"
    gone = galera_problems({"ctl-0": status, "ctl-1": NghaError("ctl-1: refused")})
    assert gone[0].node == "ctl-1" and "does not answer" in gone[0].detail


def test_haproxy_servers_backups_and_sessions():
    servers = parse_stat(recorded("haproxy-show-stat.csv"), "ctl-0")
    assert set(s for b, s in servers if b == "mysql") == {"ctl-0", "ctl-1", "ctl-2"}
    assert not any(s in ("FRONTEND", "BACKEND") for _, s in servers)
    assert not servers[("mysql", "ctl-0")].backup and servers[("mysql", "ctl-1")].backup
    # Redis: only the master passes HAProxy's role:master check
    assert [s for (b, s), state in servers.items() if b == "redis" and state.up] == ["ctl-1"]
    assert servers[("keystone_public", "ctl-2")].sessions == 0
    assert routing_problems({"ctl-0": servers}, "mysql") == []
    down = {k: v for k, v in servers.items() if k[0] != "mysql"}
    (problem,) = routing_problems({"ctl-0": down}, "mysql")
    assert problem.kind == "not-routed" and problem.node == "ctl-0"
    with pytest.raises(FactUnreadable, match="no table"):
        parse_stat("Unknown command.", "ctl-0")
    # a server failing its checks is still sent requests until it is marked down
    from ngha.facts.haproxy import ServerState
    states = {status: ServerState("mysql", "ctl-0", status, 0, False).up
              for status in ("UP", "UP 1/3", "DOWN", "DOWN 1/2", "MAINT", "no check")}
    assert states == {"UP": True, "UP 1/3": True, "DOWN": False, "DOWN 1/2": False,
                      "MAINT": False, "no check": True}


JOURNAL = """\
-- Boot 5b0d... --
1765075200.100000 ctl-1 pacemaker-controld[812]: notice: Requesting local execution of start operation for ip-control on ctl-1
1765075200.412345 ctl-1 pacemaker-controld[812]: notice: Result of start operation for ip-control on ctl-1: ok
1765075201.000001 ctl-1 pacemaker-controld[812]: notice: Result of monitor operation for haproxy on ctl-1: not running
1765075202.5 ctl-1 pacemaker-controld[812]: notice: Result of stop operation for keystone on ctl-1: ok
"""


def test_journal_lines_and_pacemakers_results():
    lines = parse_journal(JOURNAL)
    assert len(lines) == 4 and lines[1].time == 1765075200.412345
    results = operation_results(lines)
    assert [(r.action, r.resource, r.node, r.ok) for r in results] == [
        ("start", "ip-control", "ctl-1", True), ("monitor", "haproxy", "ctl-1", False),
        ("stop", "keystone", "ctl-1", True)]
    assert results[1].result == "not running"
    # journalctl takes whole seconds: the second the moment falls in is read entirely
    # (each line's own time then says what came after it)
    from ngha.facts.journal import JournalFact
    assert JournalFact("pacemaker", 1765075200.7).argv()[-1] == "@1765075200"
    assert [line.time for line in JournalFact("pacemaker", 1765075201.0).parse(
        JOURNAL, "ctl-1")] == [1765075201.000001, 1765075202.5]


def test_small_reads():
    assert parse_lines(f"{MISSING}\n") is None
    assert parse_lines("/etc/a\n/etc/b\n") == ("/etc/a", "/etc/b")
    assert parse_lines("") == ()
    assert SysctlFact(["net.ipv4.ip_nonlocal_bind"]).parse(
        "net.ipv4.ip_nonlocal_bind = 1\n", "ctl-0") == {"net.ipv4.ip_nonlocal_bind": "1"}
    http = HttpStatusFact(["http://a/", "http://b/"])
    assert http.parse("200\n000\n", "ctl-0") == {"http://a/": 200, "http://b/": 0}
    with pytest.raises(FactUnreadable):
        http.parse("200\n", "ctl-0")
    assert parse_rows("1\tx\n2\ty\n") == [("1", "x"), ("2", "y")]
    assert parse_users("guest\t[administrator]\nopenstack\t[]\n") == {"guest", "openstack"}


def test_secrets_travel_on_stdin_only():
    login = AmqpLoginFact("10.213.0.11:5672", "openstack", "pa55-word")
    assert "pa55-word" not in " ".join(login.argv())
    assert login.stdin() == b"pa55-word\n"
    assert login.parse("ok\n", "ctl-0") == "ok"
    assert login.parse("", "ctl-0").startswith("unreachable")
    query = SqlFact("SELECT 1")
    assert query.stdin() == b"SELECT 1\n" and "SELECT" not in " ".join(query.argv())


def test_a_batch_reads_several_facts_with_one_command():
    import subprocess
    from ngha.facts.batch import Batch
    from ngha.facts.node import FileLinesFact
    batch = Batch(SysctlFact(["kernel.ostype"]), FileLinesFact("/no/such/file"),
                  HttpStatusFact([]))
    assert batch.argv()[:2] == ["sh", "-c"] and batch.argv() == Batch(*batch.facts).argv()
    out = subprocess.run(batch.argv(), capture_output=True, text=True).stdout
    sysctl, lines, http = batch.parse(out, "here")
    assert sysctl == {"kernel.ostype": "Linux"} and lines is None and http == {}
    broken = Batch(SysctlFact(["no.such.key"]))  # sysctl exits 1: not an answer
    out = subprocess.run(broken.argv(), capture_output=True, text=True).stdout
    with pytest.raises(FactUnreadable, match="sysctl.* exited 1"):
        broken.parse(out, "here")
    with pytest.raises(ValueError):
        Batch(SqlFact("SELECT 1"))
