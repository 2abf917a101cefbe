"""The original disable-delete procedure removes only the legacy layout's own constraints,
by id, in one pcs call: an operator's constraint stays (a stand-in cluster records the
commands; the lab test runs it for real)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ngha.cib.build import constraint_element
from ngha.migrate.run import _disable_delete
from ngha.migrate.steps import Migration
from ngha.targets import Target

from replay import scripted

LAB = Path(__file__).parents[2] / "examples" / "lab-3ctl.yaml"
OPERATORS = '<rsc_location id="location-haproxy-clone-ctl-0-0" rsc="haproxy-clone" ' \
            'node="ctl-0" score="0"/>'


def cluster_with(constraints: list[str]):
    """A cluster whose CIB holds these constraints; what ngha runs on it is recorded."""
    cib = etree.fromstring("<cib admin_epoch='0' epoch='5' num_updates='1'>"
                           "<configuration><constraints/></configuration></cib>")
    for xml in constraints:
        cib.find("configuration/constraints").append(etree.fromstring(xml))
    text = etree.tostring(cib).decode()
    return scripted(["ctl-0", "ctl-1", "ctl-2"],
                    lambda node, argv: (0, text) if argv[:2] == ["cibadmin", "--query"]
                    else None)


def test_only_the_legacy_constraints_go():
    legacy, nextgen = Target.load(LAB, "legacy"), Target.load(LAB, "nextgen")
    live = [etree.tostring(constraint_element(c)).decode()
            for c in legacy.desired.cluster.constraints] + [OPERATORS]
    cluster, transport = cluster_with(live)
    m = Migration(cluster=cluster, source=legacy, destination=nextgen, progress=lambda _: None)
    steps = {step.name: step for step in _disable_delete(m)}
    steps["remove the constraints"].run()
    commands = transport.commands()
    deletes = [c for c in commands if c[:3] == ["pcs", "constraint", "delete"]]
    assert len(deletes) == 1
    doomed = set(deletes[0][3:])
    kept = {c.id for c in nextgen.desired.cluster.constraints}
    assert "location-haproxy-clone-ctl-0-0" not in doomed
    assert not doomed & kept  # next-gen's own (the VIP pairs) stay
    assert doomed == {c.id for c in legacy.desired.cluster.constraints} - kept
    # and in maintenance mode, turned off again afterwards
    modes = [c[-1] for c in commands if "maintenance-mode" in c]
    assert modes == ["true", "false"]
