"""The baseline: the rendered CIB with every node online and the cluster converged
(all resources started, promoted where promotable), as Pacemaker's scheduler would get it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ngha.cib.status import bring_nodes_online
from ngha.errors import ToolFailed
from ngha.simulate.crm import simulate

MAX_TRANSITIONS = 6


@dataclass(frozen=True)
class Instance:
    """A resource instance running on a node in the baseline, with its monitor to fail."""

    primitive: str
    node: str
    monitor_key: str  # operation key of the recurring monitor, e.g. galera_monitor_10000


@dataclass
class Baseline:
    cib_file: Path
    nodes: list[str]
    instances: list[Instance]
    top_level: dict[str, str]  # primitive id -> top-level resource id (clone id or itself)
    vips_following: dict[str, set[str]] = field(default_factory=dict)  # rsc -> VIP ids

    def running(self, primitive: str) -> list[Instance]:
        return [i for i in self.instances if i.primitive == primitive]


def build_baseline(cib_xml: Path, workdir: Path) -> Baseline:
    cib = etree.parse(str(cib_xml))
    start = workdir / "baseline-0.xml"
    _online_with_promotion_scores(cib).write(str(start))
    current = start
    for step in range(1, MAX_TRANSITIONS + 1):
        nxt = workdir / f"baseline-{step}.xml"
        result = simulate(current, ["--quorum", "true"], save_output=nxt)
        current = nxt
        if not result.findall("actions/rsc_action"):
            break
    else:
        raise ToolFailed(f"the simulated cluster did not settle within {MAX_TRANSITIONS} "
                         "transitions", file=cib_xml)
    return _describe(current)


def _online_with_promotion_scores(cib: etree._ElementTree) -> etree._ElementTree:
    """Every node a member, with promotion scores as the agents would set them (equal where
    every node is promoted, like Galera; the first node preferred otherwise, like Redis)."""
    root = cib.getroot()
    states = bring_nodes_online(root)
    # primitive -> does every node get promoted (promoted-max covers them all)?
    promotable = {c.find("primitive").get("id"):
                  int(_meta(c).get("promoted-max", "1")) >= len(states)
                  for c in root.iter("clone") if _meta(c).get("promotable") == "true"}
    for index, state in enumerate(states):
        node_id = state.get("id")
        attrs = etree.SubElement(etree.SubElement(state, "transient_attributes",
                                                  {"id": node_id}),
                                 "instance_attributes", {"id": f"status-{node_id}"})
        for primitive, all_promoted in promotable.items():
            score = "100" if all_promoted or index == 0 else "10"
            etree.SubElement(attrs, "nvpair", {
                "id": f"status-{node_id}-master-{primitive}",
                "name": f"master-{primitive}", "value": score})
    return cib


def _meta(element: etree._Element) -> dict[str, str]:
    return {n.get("name"): n.get("value") for n in element.findall("meta_attributes/nvpair")}


def _describe(cib_file: Path) -> Baseline:
    root = etree.parse(str(cib_file)).getroot()
    top_level = {}
    for primitive in root.find("configuration/resources").iter("primitive"):
        parent = primitive.getparent()
        top_level[primitive.get("id")] = parent.get("id") if parent.tag == "clone" \
            else primitive.get("id")
    instances = []
    for state in root.iter("node_state"):
        for resource in state.iter("lrm_resource"):
            for op in resource.iter("lrm_rsc_op"):
                if op.get("operation") == "monitor" and op.get("interval", "0") != "0" \
                        and op.get("rc-code") in ("0", "8"):
                    instances.append(Instance(primitive=resource.get("id"),
                                              node=state.get("uname"),
                                              monitor_key=op.get("operation_key")))
    following: dict[str, set[str]] = {}
    for colocation in root.iter("rsc_colocation"):
        rsc = colocation.get("rsc")
        if rsc.startswith("ip-") and colocation.get("score") == "INFINITY":
            following.setdefault(colocation.get("with-rsc"), set()).add(rsc)
    nodes = [n.get("uname") for n in root.iter("node")]
    return Baseline(cib_file=cib_file, nodes=nodes, instances=sorted(
        instances, key=lambda i: (i.primitive, i.node)), top_level=top_level,
        vips_following=following)
