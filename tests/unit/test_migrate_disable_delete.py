"""The original disable-delete procedure removes only the legacy layout's own constraints,
by id, in one pcs call: an operator's constraint stays (a stand-in cluster records the
commands; the lab test runs it for real)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ngha.cib.build import constraint_element
from ngha.facts.cib import CibVersion, LiveCib
from ngha.migrate.run import _disable_delete
from ngha.migrate.steps import Migration
from ngha.plan.target import Target

LAB = Path(__file__).parents[2] / "examples" / "lab-3ctl.yaml"
OPERATORS = '<rsc_location id="location-haproxy-clone-ctl-0-0" rsc="haproxy-clone" ' \
            'node="ctl-0" score="0"/>'


class RecordingCluster:
    nodes = ("ctl-0", "ctl-1", "ctl-2")

    def __init__(self, constraints: list[str]):
        cib = etree.fromstring("<cib admin_epoch='0' epoch='5' num_updates='1'>"
                               "<configuration><constraints/></configuration></cib>")
        for xml in constraints:
            cib.find("configuration/constraints").append(etree.fromstring(xml))
        self.cib = LiveCib(etree.tostring(cib), CibVersion(0, 5, 1), "ctl-0")
        self.commands: list[list[str]] = []

    def read_any(self, fact):
        return self.cib

    def run_any(self, argv, **_):
        self.commands.append(list(argv))


def test_only_the_legacy_constraints_go():
    legacy, nextgen = Target.load(LAB, "legacy"), Target.load(LAB, "nextgen")
    live = [etree.tostring(constraint_element(c)).decode()
            for c in legacy.desired.cluster.constraints] + [OPERATORS]
    cluster = RecordingCluster(live)
    m = Migration(cluster=cluster, source=legacy, destination=nextgen, progress=lambda _: None)
    steps = dict(_disable_delete(m))
    steps["remove the constraints"]()
    deletes = [c for c in cluster.commands if c[:3] == ["pcs", "constraint", "delete"]]
    assert len(deletes) == 1
    doomed = set(deletes[0][3:])
    kept = {c.id for c in nextgen.desired.cluster.constraints}
    assert "location-haproxy-clone-ctl-0-0" not in doomed
    assert not doomed & kept  # next-gen's own (the VIP pairs) stay
    assert doomed == {c.id for c in legacy.desired.cluster.constraints} - kept
    # and in maintenance mode, turned off again afterwards
    modes = [c[-1] for c in cluster.commands if "maintenance-mode" in c]
    assert modes == ["true", "false"]
