"""Single events the scheduler is asked about, and how each is injected."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ngha.errors import NghaError
from ngha.simulate.baseline import Baseline

KINDS = ("monitor-fail", "node-fail", "disable", "restart", "standby")
# OCF_ERR_GENERIC: the monitor found the service broken.
MONITOR_FAILURE_RC = 1


@dataclass(frozen=True)
class Event:
    kind: str
    target: str  # resource (primitive or top-level id) or node
    node: str | None = None  # for monitor-fail

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.target}" + (f"@{self.node}" if self.node else "")


def parse_event(text: str, baseline: Baseline) -> Event:
    """monitor-fail:RSC@NODE, node-fail:NODE, disable:RSC, restart:RSC, standby:NODE."""
    kind, _, rest = text.partition(":")
    if kind not in KINDS or not rest:
        raise NghaError(f"unknown event {text!r}", field="--event",
                        fix="use monitor-fail:RSC@NODE, node-fail:NODE, disable:RSC, "
                            "restart:RSC or standby:NODE")
    if kind in ("node-fail", "standby"):
        _check_node(rest, baseline, text)
        return Event(kind, rest)
    target, _, node = rest.partition("@")
    primitive = _primitive(target, baseline, text)
    if kind == "monitor-fail":
        if not node:
            raise NghaError(f"{text!r} needs a node", field="--event",
                            fix=f"write monitor-fail:{target}@NODE")
        _check_node(node, baseline, text)
        if not any(i.node == node for i in baseline.running(primitive)):
            raise NghaError(f"{primitive} does not run on {node} in the baseline",
                            field="--event", fix="pick a node where it runs")
        return Event(kind, primitive, node)
    return Event(kind, baseline.top_level[primitive])


def all_events(baseline: Baseline) -> list[Event]:
    events = [Event("monitor-fail", i.primitive, i.node) for i in baseline.instances]
    events += [Event("node-fail", n) for n in baseline.nodes]
    events += [Event("standby", n) for n in baseline.nodes]
    tops = sorted(set(baseline.top_level.values()))
    events += [Event("disable", t) for t in tops]
    events += [Event("restart", t) for t in tops]
    return events


def injection(event: Event, baseline: Baseline, workdir: Path) -> tuple[Path, list[str]]:
    """The CIB file and extra crm_simulate arguments that make this event happen."""
    if event.kind == "monitor-fail":
        key = next(i.monitor_key for i in baseline.running(event.target) if i.node == event.node)
        return baseline.cib_file, ["--op-inject", f"{key}@{event.node}={MONITOR_FAILURE_RC}"]
    if event.kind == "node-fail":
        return baseline.cib_file, ["--node-fail", event.target]
    cib = etree.parse(str(baseline.cib_file))
    root = cib.getroot()
    if event.kind in ("disable", "restart"):
        resource = root.find(f"configuration/resources//*[@id='{event.target}']")
        _set_nvpair(resource, "meta_attributes", f"{event.target}-meta_attributes",
                    "target-role", "Stopped")
    else:  # standby
        node = root.find(f"configuration/nodes/node[@uname='{event.target}']")
        _set_nvpair(node, "instance_attributes", f"nodes-{node.get('id')}", "standby", "on")
    path = workdir / ("event-" + re.sub(r"[^A-Za-z0-9_.-]", "_", event.name) + ".xml")
    cib.write(str(path))
    return path, []


def _set_nvpair(parent: etree._Element, tag: str, set_id: str, name: str, value: str) -> None:
    nvset = parent.find(tag)
    if nvset is None:
        nvset = etree.Element(tag, {"id": set_id})
        # meta/instance attributes go before <operations> in a primitive
        parent.insert(0 if parent.tag != "clone" else len(parent), nvset)
    for pair in nvset.findall("nvpair"):
        if pair.get("name") == name:
            pair.set("value", value)
            return
    etree.SubElement(nvset, "nvpair", {"id": f"{set_id}-{name}", "name": name, "value": value})


def _primitive(target: str, baseline: Baseline, text: str) -> str:
    if target in baseline.top_level:
        return target
    for primitive, top in baseline.top_level.items():
        if top == target:
            return primitive
    raise NghaError(f"unknown resource {target!r} in event {text!r}", field="--event",
                    fix="use a resource id from the rendered cib.xml (e.g. galera or "
                        "galera-master)")


def _check_node(node: str, baseline: Baseline, text: str) -> None:
    if node not in baseline.nodes:
        raise NghaError(f"unknown node {node!r} in event {text!r}", field="--event",
                        fix=f"use one of {', '.join(baseline.nodes)}")
