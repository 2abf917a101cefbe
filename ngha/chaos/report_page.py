"""The page's fixed parts (style, legend, the optional script) and the two ways it holds
the runs' JSON: compact in a script element for programs, pretty-printed for people."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ngha.chaos.report_timeline import (FAIL_COLOUR, FLAPPING_COLOUR, NO_SAMPLES_COLOUR,
                                        OK_COLOUR)
from ngha.errors import NghaError

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;color:#1a1a1a;background:#fff;max-width:1400px;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .3rem}
h2{font-size:1.2rem;margin:2.2rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid #ccc}
h3{font-size:.95rem;margin:.4rem 0 .2rem}
h3 small,td small,th small{color:#555;font-weight:normal}
code,pre{font-family:ui-monospace,"SF Mono",Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:.85em}
table{border-collapse:collapse;margin:.8rem 0}
th,td{border:1px solid #d4d4d4;padding:.25rem .55rem;text-align:left;vertical-align:top}
thead th{background:#f3f3f3}
td ul{margin:.2rem 0;padding-left:1.1rem}
.ok{color:#1d7a33;font-weight:600}
.bad{color:#b3161b;font-weight:600}
tr.fail>td:nth-last-child(6){background:#fdecec}
li.bad{background:#fdecec;font-weight:normal;padding:0 .2rem}
.profiles{display:grid;grid-template-columns:repeat(var(--n),minmax(0,680px));gap:1.5rem}
svg.timeline{display:block;max-width:100%;height:auto}
ol.events{font-size:.8rem;color:#333;margin:.1rem 0 .6rem;padding-left:1.8rem}
ol.events .t{display:inline-block;min-width:4.2em;color:#555}
.legend i{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin:0 .3em 0 .9em}
details{margin:.6rem 0}
summary{cursor:pointer;color:#1f4f99}
details pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:36rem;overflow:auto;
background:#f6f6f6;padding:.6rem;border:1px solid #e2e2e2}
footer{margin-top:2.5rem;color:#555;font-size:.85rem}
table.matrix td,table.matrix th{text-align:center;white-space:nowrap}
table.matrix tbody th{text-align:left}
table.matrix td a{color:inherit;text-decoration:none;display:block}
td.pass{background:#dff3e3}td.fail{background:#f9d2d2;font-weight:600}td.none{color:#999}
p.facts{margin:.1rem 0;font-size:.85rem;color:#333}
.note{color:#555;font-style:italic}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@media print{body{max-width:none;margin:0;font-size:11px}
section.scenario{break-before:page}.profile,table{break-inside:avoid}
details pre{max-height:none;overflow:visible}summary{color:inherit}}
"""

# An enhancement only (the page is complete without it): every <details> opens for
# printing, and the embedded runs can be saved as a JSON file.
SCRIPT = """(function(){
addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(
function(d){d.open=true})});
var data=document.getElementById('ngha-results'),note=document.getElementById('raw-note');
if(!data||!note)return;var runs=JSON.parse(data.textContent);
var a=document.createElement('a');a.id='ngha-download';a.download='ngha-chaos-results.json';
a.href=URL.createObjectURL(new Blob([data.textContent],{type:'application/json'}));
a.textContent='Save the '+runs.length+' embedded results as JSON';
note.appendChild(document.createTextNode(' '));note.appendChild(a)})();"""


def legend() -> str:
    return ('<p class="legend">Timelines: '
            f'<i style="background:{OK_COLOUR}"></i>requests succeeded'
            f'<i style="background:{FAIL_COLOUR}"></i>requests failed'
            f'<i style="background:{FLAPPING_COLOUR}"></i>some failed (flapping)'
            f'<i style="background:{NO_SAMPLES_COLOUR}"></i>no samples; '
            "numbered lines are the run's events (solid: the injected fault). Runs of one "
            "scenario share one time scale.</p>")


def event_list(events: list[dict]) -> str:
    """A run's events, numbered in time order, under its timeline ('' without any)."""
    if not events:
        return ""
    return ('<ol class="events">' + "".join(
        f'<li><span class="t">{e["t"]:.1f} s</span> {escape(e["label"])}</li>'
        for e in sorted(events, key=lambda e: e["t"])) + "</ol>")


def script_json(runs: list[dict]) -> str:
    """The runs as a JSON script element. `<`, `>` and `&` become \\u escapes (still the
    same JSON), so no string can close the element (`</script>`) or open a comment."""
    text = _dumps(runs, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return f'<script type="application/json" id="ngha-results">{text}</script>'


def pretty_json(value: Any, indent: str = "") -> str:
    """Indented JSON where a short object of plain values (an event) or a list of plain
    values (a segment) takes one line, instead of one line per number."""
    inner = indent + "  "
    flat = _dumps(value, separators=(", ", ": ")) if _plain(value) else None
    if isinstance(value, dict) and value and (flat is None or len(flat) > 100):
        return "{\n" + ",\n".join(f"{inner}{_dumps(k)}: {pretty_json(v, inner)}"
                                  for k, v in value.items()) + f"\n{indent}}}"
    if isinstance(value, list) and value and flat is None:
        return "[\n" + ",\n".join(inner + pretty_json(v, inner) for v in value) + f"\n{indent}]"
    return flat if flat is not None else _dumps(value)


def _plain(value: Any) -> bool:
    """No object or list inside."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return not any(isinstance(v, (dict, list)) for v in items)


def _dumps(value: Any, **kwargs) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, **kwargs)
    except (TypeError, ValueError) as exc:
        raise NghaError(f"the results hold something JSON cannot: {exc}",
                        fix="give render_report what `ngha chaos run --json` prints")
