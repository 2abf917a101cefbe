"""The ordering/colocation graph as graphviz, so both layouts can be looked at side by side."""

from __future__ import annotations

from html import escape

from ngha.errors import ToolFailed, ToolMissing
from ngha.profiles.desired import Clone, Colocation, DesiredState, Order, Primitive
from ngha.transport.process import run_process

STYLE = {  # fill colour by what the resource is
    "vip": "#fde68a", "core": "#93c5fd", "ap": "#fca5a5", "systemd": "#e5e7eb",
    "pseudo": "#ddd6fe", "stonith": "#d1d5db",
}


def _kind(resource: Primitive | Clone, core: set[str]) -> str:
    primitive = resource.primitive if isinstance(resource, Clone) else resource
    if primitive.agent.endswith("IPaddr2"):
        return "vip"
    if primitive.agent.startswith("stonith:"):
        return "stonith"
    if primitive.service in core:
        return "core"
    if primitive.service and not isinstance(resource, Clone):
        return "ap"
    if primitive.service and primitive.agent.startswith(("systemd:", "ocf:neutron")):
        return "systemd"
    return "pseudo"


def render_dot(desired: DesiredState, core: set[str]) -> str:
    lines = [f'digraph "{desired.cluster.name}-{desired.profile}" {{',
             "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=8];',
             f'  label="{desired.profile}: {len(desired.cluster.resources)} resources, '
             f'{len(desired.cluster.constraints)} constraints\\n'
             'solid arrow: order (dashed: Optional); dotted: colocation INFINITY";',
             "  labelloc=t;"]
    for resource in desired.cluster.resources:
        lines.append(f'  "{resource.id}" [fillcolor="{STYLE[_kind(resource, core)]}"];')
    for c in desired.cluster.constraints:
        if isinstance(c, Order):
            label = "" if (c.first_action, c.then_action) == ("start", "start") else \
                f'label="{c.first_action}"'
            style = "style=dashed" if c.kind == "Optional" else ""
            attrs = ", ".join(a for a in (label, style) if a)
            lines.append(f'  "{c.first}" -> "{c.then}"' + (f" [{attrs}]" if attrs else "") + ";")
        elif isinstance(c, Colocation):
            lines.append(f'  "{c.with_rsc}" -> "{c.rsc}" [style=dotted, color="#dc2626", '
                         'arrowhead=none, constraint=false];')
    systemd = [s.unit for s in desired.services if s.manager == "systemd"]
    if systemd:
        # One box listing the units, four to a row: they have no constraints to draw.
        rows = ["<TR>" + "".join(f"<TD>{escape(unit)}</TD>" for unit in systemd[i:i + 4])
                + "</TR>"
                for i in range(0, len(systemd), 4)]
        lines.append(f'  "systemd-units" [shape=plain, fillcolor="{STYLE["systemd"]}", label=<'
                     '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" BGCOLOR="#f3f4f6">'
                     f'<TR><TD COLSPAN="4"><B>systemd on every controller: {len(systemd)} '
                     'units, no constraints</B></TD></TR>' + "".join(rows) + "</TABLE>>];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot_source: str) -> str:
    ToolMissing.check("dot", "graphviz", "graph.svg cannot be drawn")
    result = run_process(["dot", "-Tsvg"], stdin=dot_source.encode(), timeout=120)
    out, err = result.text()
    if not result.ok:
        raise ToolFailed(f"graphviz dot could not draw the graph: {err.strip()[:300]}")
    return out
