"""Lab fencing without root: the agent's options and metadata, the daemon's answers to a
fake lab, and the two talking over a real socket on localhost."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
import time

import pytest
from lxml import etree

from ngha.errors import OperationFailed
from ngha.lab import fence_agent as agent
from ngha.lab.addressing import parse_subnet, plan_addresses
from ngha.lab.deployment import lab_fencing
from ngha.lab.fenced import answer, converse, min_off_seconds
from ngha.lab.fencing import agent_source
from ngha.lab.lifecycle import new_state
from ngha.lab.report import format_report
from ngha.model.deployment import SECRET_PARAMETER

KEY = bytes(range(32))
NONCE = "00ff"


class FakeLab:
    """The daemon's view of a lab: three nodes, power switched in memory."""

    lab = "lab-a"

    def __init__(self, fail_on: bool = False):
        self.power = {"ctl-0": True, "ctl-1": True, "ctl-2": True}
        self.calls: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def nodes(self):
        return sorted(self.power)

    def peers(self):
        return {"10.0.0.11", "10.0.0.12", "10.0.0.13", "127.0.0.1"}

    def is_on(self, name):
        return self.power[name]

    def off(self, name):
        self.calls.append(("off", name))
        self.power[name] = False

    def on(self, name):
        self.calls.append(("on", name))
        if self.fail_on:
            raise OperationFailed("node ctl-1 did not start: boot script failed")
        self.power[name] = True

    def on_later(self, name):
        self.calls.append(("on_later", name))


def request(action: str, plug: str, key: bytes = KEY, nonce: str = NONCE) -> str:
    return f"{action} {plug} {agent.request_mac(key, nonce, action, plug)}"


# --- the daemon's answers -----------------------------------------------------------

def test_reboot_powers_off_then_on():
    lab = FakeLab()
    assert answer(request("reboot", "ctl-1"), NONCE, "10.0.0.11", KEY, lab) == "ok on"
    # fenced once off: the power-on is accepted, not waited for
    assert lab.calls == [("off", "ctl-1"), ("on_later", "ctl-1")]


def test_status_off_and_on():
    lab = FakeLab()
    assert answer(request("off", "ctl-2"), NONCE, "10.0.0.11", KEY, lab) == "ok off"
    assert answer(request("status", "ctl-2"), NONCE, "10.0.0.11", KEY, lab) == "ok off"
    assert answer(request("on", "lab-a/ctl-2"), NONCE, "10.0.0.11", KEY, lab) == "ok on"
    assert lab.power["ctl-2"]
    assert answer(request("list", "-"), NONCE, "10.0.0.12", KEY, lab) == "ok ctl-0 ctl-1 ctl-2"


@pytest.mark.parametrize("line, peer, reason", [
    (request("reboot", "ctl-1", key=b"x" * 32), "10.0.0.11", "authentication failed"),
    (request("reboot", "ctl-1", nonce="an-older-challenge"), "10.0.0.11",
     "authentication failed"),  # a recorded request cannot be replayed
    (request("reboot", "ctl-1"), "10.0.0.200", "10.0.0.200 is not a node of lab lab-a"),
    (request("reboot", "lab-b/ctl-1"), "10.0.0.11", "lab-b/ctl-1 is not a node of lab lab-a"),
    (request("reboot", "ctl-7"), "10.0.0.11", "lab lab-a has no node 'ctl-7'"),
    (request("status", "-"), "10.0.0.11", "has no node '-'"),
    (request("destroy", "ctl-1"), "10.0.0.11", "unknown action 'destroy'"),
    ("reboot ctl-1", "10.0.0.11", "malformed request"),
    ("reboot ctl-1 \u00e9\u00e9", "10.0.0.11", "authentication failed"),
    ("", "10.0.0.11", "malformed request"),
])
def test_refusals_change_nothing(line, peer, reason):
    lab = FakeLab()
    reply = answer(line, NONCE, peer, KEY, lab)
    assert reply.startswith("refused ") and reason in reply
    assert lab.calls == [] and all(lab.power.values())


def test_a_failed_power_on_is_reported():
    lab = FakeLab(fail_on=True)
    on = answer(request("on", "ctl-1"), NONCE, "10.0.0.11", KEY, lab)
    assert on == "failed node ctl-1 did not start: boot script failed"


def test_an_off_after_a_reboot_cancels_its_power_on(monkeypatch):
    from ngha.lab import fenced

    logged, booted = [], []
    monkeypatch.setattr(fenced, "log", logged.append)
    monkeypatch.setattr(fenced.lifecycle, "crash", lambda lab, name: None)
    monkeypatch.setattr(fenced.lifecycle, "boot", lambda lab, name, wait: booted.append(name))
    power = fenced.LabPower("lab-a", min_off=0.2)
    power.off("ctl-1")
    power.on_later("ctl-1")  # the reboot
    power.off("ctl-1")  # then an explicit off, before the power-on
    deadline = time.monotonic() + 5
    while not logged and time.monotonic() < deadline:
        time.sleep(0.01)
    assert booted == [] and logged == ["ctl-1: powered off again since the reboot: it stays off"]


def test_a_reboot_powers_on_later_after_the_minimum_off_time(monkeypatch):
    """The power-on of a reboot runs in the background, no sooner than min_off after the
    node went off; if it fails, the daemon logs it and the node stays off (fenced)."""
    from ngha.lab import fenced

    logged, booted = [], threading.Event()
    monkeypatch.setattr(fenced, "log", logged.append)
    monkeypatch.setattr(fenced.lifecycle, "crash", lambda lab, name: None)

    def boot(lab, name, wait):
        booted.set()
        raise OperationFailed(f"node {name} did not start: boot script failed")

    monkeypatch.setattr(fenced.lifecycle, "boot", boot)
    power = fenced.LabPower("lab-a", min_off=0.3)
    started = time.monotonic()
    power.off("ctl-1")
    power.on_later("ctl-1")
    assert not booted.is_set()  # returned at once
    assert booted.wait(5) and time.monotonic() - started >= 0.3
    deadline = time.monotonic() + 5
    while not logged and time.monotonic() < deadline:
        time.sleep(0.01)
    assert logged == ["ctl-1: power-on after reboot failed: node ctl-1 did not start: "
                      "boot script failed"]


def test_an_unreadable_lab_is_a_failure_not_a_dead_thread():
    lab = FakeLab()
    lab.peers = lambda: (_ for _ in ()).throw(OperationFailed("lab lab-a is not up"))
    assert answer(request("status", "ctl-1"), NONCE, "10.0.0.11", KEY, lab) == \
        "failed lab lab-a is not up"


def test_min_off_time_covers_corosync_noticing_the_loss():
    assert min_off_seconds(3000) == pytest.approx(8.6)  # token + consensus + 2 s
    assert min_off_seconds(100000) == 40.0  # within Pacemaker's 60 s fencing timeout


# --- the agent's options ----------------------------------------------------------------

def test_stdin_options_as_pacemaker_passes_them():
    warnings = []
    options = agent.parse_stdin(
        "action=reboot\nnodename=ctl-2\nport=ctl-2\nip=10.0.0.201\nipport=7410\n"
        'plug="ctl-2"\nverbose=yes\npcmk_weird=1\n# comment\n\n', warnings.append)
    assert options == {"action": "reboot", "plug": "ctl-2", "ip": "10.0.0.201",
                       "ipport": "7410", "verbose": "1"}
    assert warnings == ["Parse error: Ignoring unknown option 'pcmk_weird'"]
    assert agent.parse_stdin("ipaddr=10.0.0.9\nkey-file=/k\n") == {"ip": "10.0.0.9",
                                                                  "key_file": "/k"}


def test_plug_and_port_naming_different_nodes_is_refused():
    with pytest.raises(agent.AgentError, match="different nodes"):
        agent.parse_stdin("plug=ctl-1\nport=ctl-2\n")


def test_command_line_options():
    options = agent.parse_argv(["-o", "status", "-n", "ctl-1", "-a", "10.0.0.201",
                                "--ipport=7411", "-k", "/tmp/k", "--power-timeout", "9", "-v"])
    request = agent.checked(options)
    assert (request.action, request.plug, request.ip, request.port) == \
        ("status", "ctl-1", "10.0.0.201", 7411)
    assert request.key_file == "/tmp/k" and request.power_timeout == 9.0
    assert agent.checked({"ip": "10.0.0.201", "plug": "x"}).action == "reboot"
    with pytest.raises(agent.AgentError, match="option -x not recognized"):
        agent.parse_argv(["-x"])


@pytest.mark.parametrize("options, message", [
    ({"ip": "a", "plug": "n", "action": "explode"}, "Unrecognised action 'explode'"),
    ({"plug": "n", "action": "off"}, "IP address"),
    ({"ip": "a", "action": "off"}, "needs the node"),
    ({"ip": "a", "plug": "n", "ipport": "70000"}, "TCP port"),
    ({"ip": "a", "plug": "n", "delay": "-3"}, "delay must be a number of seconds"),
])
def test_bad_options(options, message):
    with pytest.raises(agent.AgentError, match=message):
        agent.checked(options)


def test_key_file_errors_never_quote_the_key(tmp_path):
    bad = tmp_path / "key"
    bad.write_text("not-a-key-but-maybe-a-password\n")
    with pytest.raises(agent.AgentError) as exc:
        agent.read_key(str(bad))
    assert "password" not in str(exc.value)
    with pytest.raises(agent.AgentError, match="cannot read the key file"):
        agent.read_key(str(tmp_path / "missing"))


def test_metadata_is_fence_agents_xml_listing_the_actions():
    root = etree.fromstring(agent.metadata().encode())
    assert root.tag == "resource-agent" and root.get("name") == "fence_ngha_lab"
    actions = [a.get("name") for a in root.findall("actions/action")]
    assert set(actions) == {"on", "off", "reboot", "status", "monitor", "list", "metadata",
                            "validate-all"}
    params = {p.get("name"): p for p in root.findall("parameters/parameter")}
    assert params["ip"].get("required") == "1"
    assert params["ip"].get("obsoletes") == "ipaddr" and params["ipaddr"].get("deprecated") == "1"
    assert params["plug"].get("obsoletes") == "port"
    assert params["ipport"].find("content").get("default") == str(agent.DEFAULT_PORT)
    assert params["action"].find("getopt").get("mixed") == "-o, --action=[action]"


def test_the_installed_agent_runs_standalone(tmp_path):
    """What the nodes get is this module's text, run by a plain python3 without ngha."""
    script = tmp_path / "fence_ngha_lab"
    script.write_text(agent_source())
    script.chmod(0o755)
    assert agent_source().startswith("#!/usr/bin/python3\n")
    assert "import ngha" not in agent_source() and "from ngha" not in agent_source()
    meta = subprocess.run([sys.executable, "-I", str(script)], input="action=metadata\n",
                          capture_output=True, text=True, cwd=tmp_path)
    assert meta.returncode == 0 and "<resource-agent" in meta.stdout
    bad = subprocess.run([sys.executable, "-I", str(script), "-o", "off"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 1 and "ERROR: Failed: You have to set the IP" in bad.stderr


# --- agent and daemon over a socket -------------------------------------------------

@pytest.fixture
def daemon():
    """One daemon connection handler per accepted connection, on 127.0.0.1."""
    lab = FakeLab()
    listener = socket.create_server(("127.0.0.1", 0))
    log: list[str] = []

    def loop():
        while True:
            try:
                conn, (peer, _) = listener.accept()
            except OSError:
                return
            with conn:
                converse(conn, peer, KEY, lab, log.append)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield lab, listener.getsockname()[1], log
    listener.close()


def run_agent(port: int, key_file, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    options = agent.parse_argv(["-a", "127.0.0.1", "-u", str(port), "-k", str(key_file),
                                *args])
    try:
        return agent.run(options, out=out), out.getvalue()
    except agent.AgentError as exc:
        return 1, str(exc)


def test_agent_and_daemon_end_to_end(daemon, tmp_path):
    lab, port, log = daemon
    key_file = tmp_path / "key"
    key_file.write_text(KEY.hex() + "\n")
    assert run_agent(port, key_file, "-o", "status", "-n", "ctl-1") == (0, "Status: ON\n")
    assert run_agent(port, key_file, "-o", "off", "-n", "ctl-1") == (0, "Success: Powered OFF\n")
    assert run_agent(port, key_file, "-o", "status", "-n", "ctl-1") == (2, "Status: OFF\n")
    assert run_agent(port, key_file, "-o", "reboot", "-n", "ctl-1") == (0, "Success: Rebooted\n")
    assert run_agent(port, key_file, "-o", "monitor") == (0, "")
    assert run_agent(port, key_file, "-o", "list")[1] == "ctl-0,\nctl-1,\nctl-2,\n"
    wrong = tmp_path / "wrong"
    wrong.write_text("ab" * 32)
    code, message = run_agent(port, wrong, "-o", "off", "-n", "ctl-2")
    assert code == 1 and "refused: authentication failed" in message
    assert lab.power["ctl-2"]
    assert log[:2] == ["127.0.0.1: status ctl-1 (received)", "127.0.0.1: status ctl-1 -> ok on"]
    assert KEY.hex() not in "".join(log)  # the MAC and the key stay out of the log


def test_agent_reports_an_unreachable_daemon(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY.hex())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    code, message = run_agent(free, key_file, "-o", "status", "-n", "ctl-1")
    assert code == 1 and f"fence daemon at 127.0.0.1:{free}" in message


# --- the lab's deployment -----------------------------------------------------------

def test_lab_deployment_declares_one_device_per_node_without_credentials():
    plan = plan_addresses(parse_subnet("10.213.5.0/24"), ["ctl-0", "ctl-1"])
    devices = lab_fencing(new_state("x", plan, 3000))["devices"]
    assert [d["node"] for d in devices] == ["ctl-0", "ctl-1"]
    assert devices[1] == {"node": "ctl-1", "agent": "fence_ngha_lab",
                          "parameters": {"ip": "10.213.5.201", "ipport": 7410, "plug": "ctl-1"}}
    assert not any(SECRET_PARAMETER.search(k) for d in devices for k in d["parameters"])


def test_lab_status_says_when_fencing_would_fail():
    report = {"name": "x", "subnet": "10.213.5.0/24", "token_ms": 3000, "complete": True,
              "nodes": [], "cluster": {}, "client": {"address": "10.213.5.200", "netns": "n"},
              "deployment_file": "d",
              "fence_daemon": {"address": "10.213.5.201", "port": 7410, "log": "/l/fenced.log",
                               "listening": {"main": True, "cut": False}}}
    assert "daemon listening on port 7410 (main)" in format_report(report)
    report["fence_daemon"]["listening"]["main"] = False
    assert "daemon NOT RUNNING: fencing fails (see /l/fenced.log)" in format_report(report)


def test_log_lines_written_at_once_from_many_threads_stay_whole(capfd):
    """Two requests answered at the same moment ran their log lines together (print
    writes text and newline apart), and a reader counting answers waited forever."""
    import threading

    from ngha.lab import fenced

    threads = [threading.Thread(target=lambda i=i: [fenced.log(f"req{i} -> ok")
                                                   for _ in range(200)]) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 1600
    assert all(line.count(" -> ") == 1 for line in lines)
