"""Every Pacemaker operation ngha performs, as the command it sends (live/pacemaker.py),
and the CIB push's safety (live/configuration.py): a patch made against exactly the
version read, refused when someone changed the configuration meanwhile, brought up to a
status-only change, checked by the real crm_verify before anything is sent."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from ngha.errors import NghaError
from ngha.health.problems import DEGRADED, DOWN, Problem, summary
from ngha.live import pacemaker
from ngha.live.configuration import apply_patch, make_patch, plan_configuration
from ngha.live.errors import StaleCib
from ngha.profiles.desired import Order
from ngha.targets import Target

from replay import Recording, replayed, scripted

NODES = ("ctl-0", "ctl-1", "ctl-2")


def quiet(node, argv):
    return None  # every command is a change: kept, answered 0


@pytest.mark.parametrize("call, argv", [
    (lambda c: pacemaker.cleanup(c), "crm_resource --cleanup"),
    (lambda c: pacemaker.cleanup(c, "ngha-probe"), "crm_resource --cleanup --resource ngha-probe"),
    (lambda c: pacemaker.cleanup(c, "haproxy", "ctl-1"),
     "crm_resource --cleanup --resource haproxy --node ctl-1"),
    (lambda c: pacemaker.refresh(c, "keystone"), "crm_resource --refresh --resource keystone"),
    (lambda c: pacemaker.ban(c, "ip-control", "ctl-2"),
     "crm_resource --ban --resource ip-control --node ctl-2"),
    (lambda c: pacemaker.clear(c, "ip-control"), "crm_resource --clear --resource ip-control"),
    (lambda c: pacemaker.set_meta(c, "keystone-clone", "is-managed", "false"),
     "crm_resource --resource keystone-clone --meta --set-parameter is-managed "
     "--parameter-value false"),
    (lambda c: pacemaker.set_property(c, "maintenance-mode", "true"),
     "crm_attribute --type crm_config --name maintenance-mode --update true"),
    (lambda c: pacemaker.set_property(c, "stop-orphan-resources", None),
     "crm_attribute --type crm_config --name stop-orphan-resources --delete"),
    (lambda c: pacemaker.disable(c, "galera-master"), "pcs resource disable galera-master"),
    (lambda c: pacemaker.enable(c, "galera-master", wait=True),
     "pcs resource enable galera-master --wait=300"),
    (lambda c: pacemaker.restart(c, "haproxy-clone", "ctl-1"),
     "pcs resource restart haproxy-clone ctl-1 --wait=300"),
    (lambda c: pacemaker.delete_resource(c, "keystone-clone"),
     "pcs resource delete keystone-clone --force"),
    (lambda c: pacemaker.delete_constraints(c, ["a", "b"]), "pcs constraint delete a b"),
])
def test_each_operation_sends_its_one_command(call, argv):
    cluster, transport = scripted(NODES, quiet)
    call(cluster)
    assert [" ".join(a) for a in transport.commands()] == [argv]
    assert transport.changes[0].node == "ctl-0"  # any member changes the one CIB


def cib_with_meta(pairs: dict[str, str]) -> str:
    nvpairs = "".join(f'<nvpair id="k-meta_attributes-{n}" name="{n}" value="{v}"/>'
                      for n, v in pairs.items())
    return ("<cib admin_epoch='0' epoch='5' num_updates='1'><configuration><resources>"
            "<clone id='k'><primitive id='p' class='ocf' provider='heartbeat' type='Dummy'/>"
            f"<meta_attributes id='k-meta_attributes'>{nvpairs}</meta_attributes></clone>"
            "</resources></configuration></cib>")


@pytest.mark.parametrize("pairs, block_deleted", [
    ({"is-managed": "false"}, True), ({"is-managed": "false", "interleave": "true"}, False)])
def test_deleting_the_last_meta_attribute_deletes_its_block(pairs, block_deleted):
    cib = cib_with_meta(pairs)
    cluster, transport = scripted(NODES, lambda n, a: (0, cib) if a[:2] == ["cibadmin",
                                                                              "--query"] else None)
    pacemaker.delete_meta(cluster, "k", "is-managed")
    commands = [" ".join(a) for a in transport.commands()]
    assert commands[0] == "crm_resource --resource k --meta --delete-parameter is-managed"
    deleted = [c for c in commands if c.startswith("cibadmin --delete")]
    assert deleted == (["cibadmin --delete --scope resources --xml-text "
                        '<meta_attributes id="k-meta_attributes"/>'] if block_deleted else [])
    cluster, transport = scripted(NODES, lambda n, a: (0, cib_with_meta({})) if a[0] ==
                                  "cibadmin" else None)
    pacemaker.delete_meta(cluster, "k", "is-managed")  # not there: nothing to do
    assert transport.commands() == []


# --- the CIB push ------------------------------------------------------------------------

@pytest.fixture
def nextgen(tmp_path):
    recording = Recording.load("lab-nextgen")
    return recording, Target.load(recording.deployment_file(tmp_path), "nextgen")


def changed_monitor(cib_text: str) -> etree._Element:
    root = etree.fromstring(cib_text.encode())
    op = root.find(".//op[@id='ngha-probe-worker-monitor-interval-60s']")
    op.set("interval", "61s")
    return root


def versions(*answers: tuple[int, int, int]):
    """A cluster whose CIB is read at these (admin_epoch, epoch, num_updates), one read
    after the other."""
    recording = Recording.load("lab-nextgen")
    text = next(a["stdout"] for k, a in recording.answers.items() if '"cibadmin"' in k)
    reads = iter(answers)

    def answer(node, argv):
        if argv[:2] == ["cibadmin", "--query"]:
            admin, epoch, updates = next(reads)
            root = etree.fromstring(text.encode())
            root.set("admin_epoch", str(admin))
            root.set("epoch", str(epoch))
            root.set("num_updates", str(updates))
            return 0, etree.tostring(root).decode()
        return None
    return scripted(NODES, answer)


def test_a_patch_bumps_the_epoch_and_is_made_against_the_version_read():
    cluster, transport = versions((0, 12, 11), (0, 12, 11))
    cib = pacemaker.read_cib(cluster)
    patch = make_patch(cib, changed_monitor(cib.xml.decode()))
    apply_patch(cluster, patch)
    (sent,) = transport.changes
    diff = etree.fromstring(sent.stdin)
    assert (diff.find("version/source").get("epoch"),
            diff.find("version/target").get("epoch")) == ("12", "13")


def test_a_status_update_in_between_brings_the_source_up_to_it():
    cluster, transport = versions((0, 12, 11), (0, 12, 19))
    cib = pacemaker.read_cib(cluster)
    apply_patch(cluster, make_patch(cib, changed_monitor(cib.xml.decode())))
    diff = etree.fromstring(transport.changes[0].stdin)
    assert diff.find("version/source").get("num_updates") == "19"


@pytest.mark.parametrize("then", [(0, 13, 0), (1, 12, 11)])  # an edit; a whole new CIB
def test_a_configuration_changed_since_the_read_is_never_overwritten(then):
    cluster, transport = versions((0, 12, 11), then)
    cib = pacemaker.read_cib(cluster)
    with pytest.raises(StaleCib):
        apply_patch(cluster, make_patch(cib, changed_monitor(cib.xml.decode())))
    assert transport.changes == []


def test_an_invalid_configuration_is_refused_before_anything_is_sent(nextgen):
    recording, target = nextgen
    cluster, transport = replayed(recording)
    broken = dataclasses.replace(target.desired.cluster, constraints=(
        *target.desired.cluster.constraints,
        Order(id="order-nothing", first="no-such-resource", then="haproxy-clone")))
    with pytest.raises(NghaError, match="not valid"):
        plan_configuration(pacemaker.read_cib(cluster), broken, "nextgen")
    assert transport.changes == []


def test_the_sentences_put_the_worst_first():
    problems = [Problem("not-running", "keystone", "ctl-1", "keystone not running", DEGRADED),
                Problem("runs-nowhere", "galera-master", None, "galera-master runs nowhere",
                        DOWN),
                Problem("failed-action", "haproxy", "ctl-2", "x", DEGRADED)]
    assert summary(problems) == ["galera-master runs nowhere",
                                 "keystone not running on ctl-1", "1 failed actions"]


def test_a_new_resource_held_back_is_added_stopped_found_again_and_kept_stopped(tmp_path):
    """cinder-volume, added to a CIB that does not have it yet, starts only once its
    schema exists: added with ngha's own target-role, which a later push keeps and which
    held_resources tells apart from an operator's."""
    from ngha.facts.cib import parse_cib
    from ngha.live.configuration import held_resources
    from tests.conftest import EXAMPLES

    recording = Recording.load("lab-nextgen")
    cluster, _ = replayed(recording)
    recorded = pacemaker.read_cib(cluster).tree()  # a cluster without cinder-volume yet
    for element in recorded.iterfind(".//primitive[@id='cinder-volume']"):
        element.getparent().remove(element)
    live = parse_cib(etree.tostring(recorded).decode(), "ctl-0")
    target = Target.load(EXAMPLES / "lab-3ctl.yaml")
    assert target.held_back == {"cinder-volume"}
    change = plan_configuration(live, target.desired.cluster, "nextgen", hold=target.held_back)
    assert "cinder-volume" in change.changes.resources_added  # crm_verify accepted it
    pair = change.candidate.find(".//primitive[@id='cinder-volume']/meta_attributes/nvpair")
    assert (pair.get("name"), pair.get("value")) == ("target-role", "Stopped")
    after = parse_cib(etree.tostring(change.candidate).decode(), "ctl-0")
    assert held_resources(after) == ["cinder-volume"]
    again = plan_configuration(after, target.desired.cluster, "nextgen")
    assert "cinder-volume" not in again.changes.resources_changed  # still held
    unheld = plan_configuration(live, target.desired.cluster, "nextgen")
    assert held_resources(parse_cib(etree.tostring(unheld.candidate).decode(), "ctl-0")) == []
    # an operator's disable is not ngha's hold
    operator = after.xml.decode().replace('id="cinder-volume-ngha-held"',
                                          'id="cinder-volume-meta_attributes-target-role"')
    assert held_resources(parse_cib(operator, "ctl-0")) == []


def test_held_resources_start_one_project_at_a_time_and_never_before_what_they_need():
    """Legacy: every OpenStack service is held; released project by project (catalog
    order), and no wave holds a resource ordered after a resource of a later wave."""
    from ngha.apply.steps import release_waves
    from ngha.profiles.desired import Order
    from tests.conftest import EXAMPLES

    target = Target.load(EXAMPLES / "lab-3ctl.yaml", profile="legacy")
    held = sorted(target.held_back)
    waves = release_waves(target, held)
    assert sorted(r for w in waves for r in w) == held
    assert waves[0] == ["glance-api-clone"]
    assert set(waves[2]) == {"nova-api-clone", "nova-conductor-clone", "nova-scheduler-clone"}
    position = {r: i for i, w in enumerate(waves) for r in w}
    for c in target.desired.cluster.constraints:
        if isinstance(c, Order) and c.then in position and c.first in position:
            assert position[c.first] <= position[c.then], c
    # an order across projects (glance-api after heat-api) pulls glance's wave into heat's
    waves = release_waves(target, held, orders=(("heat-api-clone", "glance-api-clone"),))
    assert "glance-api-clone" in next(w for w in waves if "heat-api-clone" in w)
    assert sorted(r for w in waves for r in w) == held


def test_services_restarted_into_an_outage_are_not_waited_for():
    """They wait for their backends at start (TimeoutStartSec=infinity): a restart that
    waited would hold the caller until the backends are back."""
    from ngha.live import systemd

    cluster, transport = scripted(NODES, lambda n, a: None)
    systemd.act_everywhere(cluster, "restart", ["nova-conductor"], wait=False)
    systemd.act_everywhere(cluster, "restart", ["nova-api"])
    assert transport.commands("systemctl") == (
        [["systemctl", "restart", "--no-block", "nova-conductor"]] * 3
        + [["systemctl", "restart", "nova-api"]] * 3)


def test_a_released_project_is_waited_for_until_its_api_answers_where_it_runs(tmp_path):
    """Legacy: Pacemaker's "Started" is not loaded: the next project is released only once
    this one's API answers on every node running it (cinder-api on all three; cinder-volume
    and cinder-scheduler have no API of their own to ask)."""
    import json

    from ngha.apply.steps import wait_apis_answering

    recording = Recording.load("lab-legacy")
    target = Target.load(recording.deployment_file(tmp_path), "legacy")
    status = next(v["stdout"] for k, v in recording.answers.items()
                  if json.loads(k)[1][0] == "crm_mon")
    asked: list[tuple[str, tuple[str, ...]]] = []

    def answer(node, argv):
        if argv[0] == "crm_mon":
            return 0, status
        if argv[:2] == ["systemctl", "show"]:
            return 0, "".join(f"Id={u}\nLoadState=loaded\nActiveState=active\n\n"
                              for u in argv[argv.index("--") + 1:])
        urls = tuple(argv[4:])
        asked.append((node, urls))
        loading = node == "ctl-1" and sum(1 for n, _ in asked if n == node) < 3
        return 0, "".join("000\n" if loading else "300\n" for _ in urls)

    cluster, _ = scripted(NODES, answer)
    wait_apis_answering(cluster, target, {"cinder-volume", "cinder-api-clone",
                                          "cinder-scheduler-clone"})
    assert sorted({n for n, _ in asked}) == list(NODES)
    assert all(len(urls) == 1 and ":8776/" in urls[0] for _, urls in asked)
    assert [n for n, _ in asked].count("ctl-1") == 3  # asked until it answered
