"""Plan and the apply steps against a recording of a real lab cluster (replay.py): what
ngha decides, and the commands it would run, in seconds and without a lab. Each test
changes the recorded cluster the way an operator or a fault would."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from ngha.apply import steps
from ngha.live import pacemaker
from ngha.plan.cib import plan_cib
from ngha.plan.nodes import PENDING
from ngha.plan.plan import make_plan
from ngha.render.haproxy import SECRETS_FILE
from ngha.targets import Target

from replay import Recording, replayed

KEYSTONE_RETRY = "/etc/keystone/keystone.conf.d/50-ngha-retry.conf"


@pytest.fixture
def nextgen(tmp_path):
    recording = Recording.load("lab-nextgen")
    return recording, Target.load(recording.deployment_file(tmp_path), "nextgen")


def digests_with(path: str, change):
    """An edit of the file-digest listing: change(fields) for the line of `path`."""
    def edit(node: str, stdout: str) -> str:
        lines = []
        for line in stdout.splitlines():
            fields = line.split("\t")
            lines.append("\t".join(change(fields)) if fields[0] == path else line)
        return "\n".join(lines) + "\n"
    return edit


def test_the_recorded_cluster_needs_nothing(nextgen):
    recording, target = nextgen
    cluster, transport = replayed(recording)
    plan = make_plan(cluster, target)
    assert not plan.pending, plan.as_dict()
    assert plan.view.quorum and all(t.done and t.ready for t in plan.tasks)
    assert plan.gate is None and plan.patch.empty
    assert transport.changes == [] and transport.files == []  # a plan changes nothing
    data = plan.as_dict()
    assert set(data) == {"profile", "cluster", "pending", "cib", "files", "units",
                         "daemon_reload", "sysctl", "manifests", "tasks", "notes",
                         "unreachable"}


def test_a_secret_whose_mode_drifted_is_written_again_with_its_own(nextgen):
    recording, target = nextgen
    recording.edit("sh", digests_with(SECRETS_FILE, lambda f: [f[0], f[1], "644 root:root"]),
                   node="ctl-1", argv_has="ngha-file-digests")
    cluster, transport = replayed(recording)
    plan = make_plan(cluster, target)
    assert [(f.node, f.path, f.why) for f in plan.files] == [("ctl-1", SECRETS_FILE, "mode")]
    assert plan.units == [] and plan.nodes.owed == {}  # a mode is no reason to restart
    steps.write_node_files(cluster, target, lambda _: None, plan.nodes)
    (put,) = transport.files
    assert (put.node, put.path, put.mode, put.owner) == ("ctl-1", SECRETS_FILE, 0o600,
                                                         "root:root")
    assert b"recorded-redis-password" in put.content  # the real file, secret and all
    assert transport.changes == []


def test_a_changed_file_owes_a_restart_written_down_before_the_file(nextgen):
    recording, target = nextgen
    recording.edit("sh", digests_with(KEYSTONE_RETRY, lambda f: [f[0], "0" * 64, f[2]]),
                   node="ctl-2", argv_has="ngha-file-digests")
    cluster, transport = replayed(recording)
    plan = make_plan(cluster, target)
    assert [(u.node, u.unit, u.action) for u in plan.units] == [
        ("ctl-2", "keystone.service", "restart")]
    assert plan.nodes.owed == {"ctl-2": [("keystone.service", "restart")]}
    steps.write_node_files(cluster, target, lambda _: None, plan.nodes)
    assert [(p.node, p.path) for p in transport.files] == [("ctl-2", PENDING),
                                                          ("ctl-2", KEYSTONE_RETRY)]
    assert transport.files[0].content == b"keystone.service\trestart\n"


def test_restarts_owed_by_a_killed_apply_are_in_the_plan(nextgen):
    recording, target = nextgen
    recording.edit("sh", lambda node, out: "ngha-probe.service\trestart\n",
                   node="ctl-0", argv_has=PENDING)
    cluster, _ = replayed(recording)
    plan = make_plan(cluster, target)
    assert plan.pending and plan.files == []
    assert [(u.node, u.unit, u.action) for u in plan.units] == [
        ("ctl-0", "ngha-probe.service", "restart")]


def test_a_file_ngha_no_longer_wants_is_removed_and_nothing_else(nextgen):
    recording, target = nextgen
    recording.edit("sh", lambda node, out: out + "/etc/ngha-old.conf\n", node="ctl-0",
                   argv_has="/var/lib/ngha/managed-files")
    cluster, transport = replayed(recording)
    plan = make_plan(cluster, target)
    assert [(f.node, f.path, f.why) for f in plan.files] == [
        ("ctl-0", "/etc/ngha-old.conf", "stale: remove")]
    assert plan.manifests == ["ctl-0"]
    steps.write_node_files(cluster, target, lambda _: None, plan.nodes)
    assert transport.commands() == ["rm -f -- /etc/ngha-old.conf"]
    (manifest,) = transport.files
    assert manifest.node == "ctl-0" and b"/etc/ngha-old.conf" not in manifest.content
    assert manifest.content.decode().splitlines() == [f.path for f in target.node("ctl-0").files]


def with_meta(resource: str, name: str, value: str):
    """An edit of the CIB: an operator's meta attribute on one of ngha's resources."""
    def edit(node: str, stdout: str) -> str:
        root = etree.fromstring(stdout.encode())
        element = root.find(f"configuration/resources//*[@id='{resource}']")
        meta = element.find("meta_attributes")
        if meta is None:
            meta = etree.SubElement(element, "meta_attributes", id=f"{resource}-meta_attributes")
        etree.SubElement(meta, "nvpair", id=f"{resource}-meta_attributes-{name}", name=name,
                         value=value)
        return etree.tostring(root).decode()
    return edit


@pytest.mark.parametrize("resource, name, value", [
    ("galera-master", "is-managed", "false"), ("haproxy-clone", "maintenance", "true"),
    ("ngha-probe-worker", "target-role", "Stopped")])
def test_an_operators_runtime_switch_survives(nextgen, resource, name, value):
    recording, target = nextgen
    recording.edit("cibadmin", with_meta(resource, name, value))
    cluster, _ = replayed(recording)
    plan = make_plan(cluster, target)
    assert plan.patch.empty and not plan.changes.resources_changed, plan.as_dict()["cib"]
    kept = plan.cib.change.candidate.find(
        f"configuration/resources//*[@id='{resource}']/meta_attributes/nvpair[@name='{name}']")
    assert kept is not None and kept.get("value") == value


def test_the_cascade_gate_refuses_on_the_recorded_legacy_cluster(tmp_path):
    """Pacemaker's scheduler, offline, on the recorded CIB and its live status: Galera on
    two nodes restarts it, and in the legacy layout everything ordered after it."""
    recording = Recording.load("lab-legacy")
    cluster, _ = replayed(recording)
    path = recording.deployment_file(tmp_path)
    text = path.read_text()
    roles = "roles: [haproxy, rabbitmq, redis, galera]"
    text = re.sub(r"\{name: (ctl-[01]), address: ([0-9.]+)\}",
                  rf"{{name: \1, address: \2, {roles}}}", text)
    text = re.sub(r"\{name: (ctl-2), address: ([0-9.]+)\}",
                  r"{name: \1, address: \2, roles: [haproxy, rabbitmq, redis]}", text)
    path.write_text(text)
    plan = plan_cib(pacemaker.read_cib(cluster), Target.load(path, "legacy"))
    assert "galera-master" in plan.changes.resources_changed
    assert plan.gate is not None and not plan.gate.passed
    hit = {a.resource for a in plan.gate.collateral}
    assert {"keystone-clone", "ngha-probe-clone"} <= hit
    assert "galera-master" not in hit  # the change itself is not collateral
    # and the same deployment unchanged: nothing to change, nothing to judge
    same = plan_cib(pacemaker.read_cib(cluster), Target.load(recording.deployment_file(
        tmp_path / "again" if (tmp_path / "again").mkdir() is None else tmp_path), "legacy"))
    assert same.patch.empty and same.gate is None


def test_the_steps_on_a_converged_cluster_change_nothing(nextgen):
    recording, target = nextgen
    cluster, transport = replayed(recording)
    steps.wait_for_core(cluster, target, lambda _: None)
    steps.run_tasks(cluster, target, lambda _: None)
    steps.converge_services(cluster, target, lambda _: None)
    steps.patch_cib(cluster, target, lambda _: None, force=False)
    assert transport.changes == [] and transport.files == []


def test_an_operators_change_to_an_owned_resource_is_put_back_in_one_patch(nextgen):
    recording, target = nextgen
    recording.edit("cibadmin", lambda node, out: out.replace(
        'id="ngha-probe-worker-monitor-interval-60s" name="monitor" interval="60s"',
        'id="ngha-probe-worker-monitor-interval-60s" name="monitor" interval="61s"'))
    cluster, transport = replayed(recording)
    messages = []
    steps.patch_cib(cluster, target, messages.append, force=False)
    (patch,) = transport.changes
    assert patch.argv == ["cibadmin", "--patch", "--xml-pipe"] and patch.node == "ctl-0"
    diff = etree.fromstring(patch.stdin)
    read = pacemaker.read_cib(cluster).version.epoch
    assert diff.find("version/source").get("epoch") == str(read)  # against the one read
    assert b'interval="60s"' in patch.stdin
    assert "1 changed" in messages[0]


def test_restarts_owed_are_made_one_node_at_a_time_then_crossed_off(nextgen):
    recording, target = nextgen
    for node in ("ctl-0", "ctl-2"):
        recording.edit("sh", lambda n, out: "ngha-probe.service\trestart\n", node=node,
                       argv_has=PENDING)
    cluster, transport = replayed(recording)
    steps.converge_services(cluster, target, lambda _: None)
    assert transport.commands() == [
        "systemctl restart ngha-probe.service", f"rm -f -- {PENDING}",
        "systemctl restart ngha-probe.service", f"rm -f -- {PENDING}"]
    assert [c.node for c in transport.changes] == ["ctl-0", "ctl-0", "ctl-2", "ctl-2"]
    # ctl-0's probe answered on its own address before ctl-2's was touched
    order = [(what, node, name) for what, node, name in transport.log
             if what == "change" or name == "ngha-http-status"]
    assert order[:3] == [("change", "ctl-0", "systemctl restart ngha-probe.service"),
                         ("read", "ctl-0", "ngha-http-status"),
                         ("change", "ctl-0", f"rm -f -- {PENDING}")]


def test_haproxys_config_changed_owes_a_reload_not_a_restart(nextgen):
    """HAProxy runs under Pacemaker: its new configuration is loaded in place (a reload
    keeps its connections), the one change systemd may make to a unit Pacemaker owns."""
    recording, target = nextgen
    recording.edit("sh", digests_with("/etc/haproxy/haproxy.cfg",
                                      lambda f: [f[0], "0" * 64, f[2]]),
                   node="ctl-1", argv_has="ngha-file-digests")
    cluster, transport = replayed(recording)
    plan = make_plan(cluster, target)
    assert [(u.node, u.unit, u.action) for u in plan.units] == [
        ("ctl-1", "haproxy.service", "reload")]
    assert plan.nodes.owed == {"ctl-1": [("haproxy.service", "reload")]}
    steps.write_node_files(cluster, target, lambda _: None, plan.nodes)
    assert transport.files[0].content == b"haproxy.service\treload\n"
