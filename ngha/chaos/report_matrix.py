"""The resilience matrix on the report's page: services as rows, faults as columns, the
layouts side by side in each column; every cell coloured by its verdict, showing seconds
after the backend and restarts, and linking to its timeline further down (the cell's own
checks and the fault's events, on one time scale per fault)."""

from __future__ import annotations

import re
from html import escape

from ngha.chaos.report_page import event_list
from ngha.chaos.report_tables import PROFILE_ORDER, profile_name
from ngha.chaos.report_timeline import Segment, extent, merge_samples, timeline_svg


def matrix_section(cells: list[dict]) -> str:
    """The table and, per fault, every service's timelines; '' without cells."""
    if not cells:
        return ""
    faults = _in_order(c["fault"] for c in cells)
    services = _in_order(c["service"] for c in cells)
    profiles = [p for p in PROFILE_ORDER if any(c["profile"] == p for c in cells)]
    profiles += _in_order(c["profile"] for c in cells if c["profile"] not in profiles)
    chosen = _worst_of_each(cells)
    titles = {f: next((c["title"] for c in cells if c["fault"] == f and c.get("title")), f)
              for f in faults}
    head = ("<thead><tr><th rowspan=\"2\">service</th>" + "".join(
        f'<th colspan="{len(profiles)}"><a href="#{anchor(f)}" title="{escape(titles[f])}">'
        f"{escape(f)}</a></th>" for f in faults) + "</tr><tr>" + "".join(
        f"<th><small>{escape(profile_name(p))}</small></th>" for _ in faults for p in profiles)
        + "</tr></thead>")
    body = "".join(
        f"<tr><th>{escape(s)}</th>" + "".join(
            _table_cell(chosen.get((s, f, p))) for f in faults for p in profiles) + "</tr>"
        for s in services)
    passed = sum(c["passed"] for c in chosen.values())
    out = ['<section class="matrix" id="matrix"><h2>Resilience matrix</h2>',
           f"<p>{passed} of {len(chosen)} cells passed. Each cell: seconds from its backend "
           "healthy again to the service answering 5 times in a row, and the restarts seen "
           "(systemd, PID changes, Pacemaker); red: its judge failed (next-gen: any restart, "
           "manual action, or more than 5 s after the backend; legacy: never back by "
           "itself). A cell links to its timeline.</p>",
           f'<table class="matrix">{head}<tbody>{body}</tbody></table></section>']
    out += [_fault_section(f, titles[f], services, profiles, chosen) for f in faults]
    return "\n".join(out)


def _in_order(names) -> list[str]:
    return list(dict.fromkeys(names))


def _worst_of_each(cells: list[dict]) -> dict[tuple[str, str, str], dict]:
    """One cell per service, fault and profile: a failed one wins over a passed repeat."""
    chosen: dict[tuple[str, str, str], dict] = {}
    for cell in cells:
        key = (cell["service"], cell["fault"], cell["profile"])
        if key not in chosen or (chosen[key]["passed"] and not cell["passed"]):
            chosen[key] = cell
    return chosen


def anchor(*parts: str) -> str:
    """The id of a fault's section (fault) or a cell's timeline (fault, service, profile).
    One id per name: every character but letters, digits and '-' is written as its code
    point, and the parts are joined by '.', which no part can then contain."""
    return "m-" + ".".join(re.sub(r"[^A-Za-z0-9-]", lambda m: f"_{ord(m.group()):x}_", p)
                           for p in parts)


def _table_cell(cell: dict | None) -> str:
    if cell is None:
        return '<td class="none">&ndash;</td>'
    verdict = "pass" if cell["passed"] else "fail"
    title = "; ".join(cell.get("failures", [])) or "passed"
    link = anchor(cell["fault"], cell["service"], cell["profile"])
    return (f'<td class="{verdict}"><a href="#{link}" title="{escape(title)}">'
            f"{escape(_after_backend(cell))}<br><small>{escape(_restarts(cell))}</small>"
            "</a></td>")


def _after_backend(cell: dict) -> str:
    if cell.get("manual_action"):
        return "manual"
    if not cell["recovered"]:
        return "never"
    seconds = cell.get("seconds_after_backend")
    return "?" if seconds is None else f"+{seconds:.1f} s"


def _restarts(cell: dict) -> str:
    total = sum(cell.get("restarts", {}).values())
    return f"{total} restart" + ("" if total == 1 else "s")


def _fault_section(fault: str, title: str, services: list[str], profiles: list[str],
                   chosen: dict) -> str:
    cells = [chosen[(s, fault, p)] for s in services for p in profiles
             if (s, fault, p) in chosen]
    segments = {id(c): {path: merge_samples(samples)
                        for path, samples in c.get("probes", {}).items()} for c in cells}
    seconds = max(extent(segments[id(c)], c.get("events", [])) for c in cells)
    out = [f'<section class="matrix-fault" id="{anchor(fault)}"><h2>{escape(title)} '
           f"<code>{escape(fault)}</code> <small>(matrix)</small></h2>"]
    for service in services:
        here = [(p, chosen[(service, fault, p)]) for p in profiles
                if (service, fault, p) in chosen]
        if not here:
            continue
        out.append(f"<h3>{escape(service)}</h3>"
                   f'<div class="profiles" style="--n:{len(profiles)}">' + "".join(
                       _cell_view(cell, segments[id(cell)], seconds) for _, cell in here)
                   + "</div>")
    out.append("</section>")
    return "\n".join(out)


def _cell_view(cell: dict, segments: dict[str, list[Segment]], seconds: float) -> str:
    verdict = ('<span class="ok">passed</span>' if cell["passed"]
               else '<span class="bad">FAILED</span>')
    facts = [f"after its backend: {_after_backend(cell)}",
             f"outage: {_seconds(cell.get('outage_seconds'))}", _restarts(cell),
             f"{cell.get('failed_requests', 0)} failed requests"]
    if cell.get("manual_action"):
        facts.append(f"manual action: {cell['manual_action']}")
    events = sorted(cell.get("events", []), key=lambda e: e["t"])
    caption = f"{cell['service']} during {cell['fault']} on {profile_name(cell['profile'])}"
    return (f'<div class="profile" id="{anchor(cell["fault"], cell["service"], cell["profile"])}">'
            f"<h3>{escape(profile_name(cell['profile']))} {verdict}</h3>"
            f'<p class="facts">{escape(" · ".join(facts))}</p>'
            + ("<ul>" + "".join(f'<li class="bad">{escape(f)}</li>'
                                for f in cell.get("failures", [])) + "</ul>"
               if cell.get("failures") else "")
            + timeline_svg(list(segments), segments, events, seconds, caption)
            + event_list(events) + "</div>")


def _seconds(value) -> str:
    return "never ended" if value is None else f"{value:.1f} s"
