"""The report's tables: the summary of every scenario and profile at the top, and per
scenario the comparison of profiles (min / median / max when a scenario ran repeatedly)."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from html import escape
from typing import Callable

NEVER = math.inf  # a null duration: the path (or the cluster) never came back
PROFILE_NAMES = {"legacy": "legacy", "nextgen": "next-gen"}


PROFILE_ORDER = ("legacy", "nextgen")  # legacy on the left: the baseline


def profile_name(profile: str) -> str:
    return PROFILE_NAMES.get(profile, profile)


def worst_outage(run: dict) -> tuple[float, str | None]:
    """The longest outage of any path in a run, and that path."""
    outages = run.get("outage_seconds") or {}
    if not outages:
        return 0.0, None
    path = max(outages, key=lambda p: _duration(outages[p]))
    return _duration(outages[path]), path


def badness(run: dict) -> tuple:
    """Orders runs from best to worst: failed, then lost writes, longest outage, slowest
    recovery, most collateral restarts."""
    return (not run["passed"], run.get("lost_writes", 0), worst_outage(run)[0],
            _duration(run.get("recovered_seconds")), run.get("collateral_restarts", 0))


def summary_rows(scenario: str, title: str, anchor: str, by_profile: dict[str, list[dict]]) -> str:
    """The summary table's rows for one scenario: one per profile, worst of its runs."""
    rows = []
    for i, (profile, runs) in enumerate(by_profile.items()):
        failed = sum(not r["passed"] for r in runs)
        outage, path = max((worst_outage(r) for r in runs), key=lambda o: o[0])
        cells = []
        if i == 0:
            cells.append(f'<th scope="row" rowspan="{len(by_profile)}"><a href="#{anchor}">'
                         f'{escape(title)}</a><br><code>{escape(scenario)}</code></th>')
        cells += [escape(profile_name(profile)), str(len(runs)), _verdict(failed, len(runs)),
                  _seconds(outage) + (f" <small>{escape(path)}</small>" if path else ""),
                  _worst(runs, "recovered_seconds", _seconds),
                  _worst(runs, "collateral_restarts", _count),
                  _worst(runs, "lost_writes", _count),
                  str(max(len(r.get("failed_actions", [])) for r in runs))]
        cls = "fail" if failed else "pass"
        rows.append(f'<tr class="{cls}">' + "".join(
            c if c.startswith("<th") else f"<td>{c}</td>" for c in cells) + "</tr>")
    return "".join(rows)


SUMMARY_HEAD = ("<thead><tr><th>scenario</th><th>profile</th><th>runs</th><th>result</th>"
                "<th>worst outage</th><th>recovered</th><th>collateral restarts</th>"
                "<th>lost writes</th><th>failed actions</th></tr></thead>")


def comparison_table(by_profile: dict[str, list[dict]]) -> str:
    """Profiles side by side (legacy first); a cell over repeated runs reads
    min / median / max."""
    profiles = list(by_profile)
    head = "".join(f"<th>{escape(profile_name(p))}<br><small>{len(by_profile[p])} "
                   f"run{'s' if len(by_profile[p]) > 1 else ''}</small></th>" for p in profiles)
    rows = [_row("result", by_profile, lambda runs: _verdict(
        sum(not r["passed"] for r in runs), len(runs)))]
    rows.append(_row("mode", by_profile, lambda runs: ", ".join(sorted(
        {"quick" if r.get("quick") else "full" for r in runs if "quick" in r})) or "—"))
    for path in _keys(by_profile, "outage_seconds"):
        rows.append(_row(f"outage: {path}", by_profile, lambda runs, p=path: _spread(
            [r["outage_seconds"][p] for r in runs if p in r.get("outage_seconds", {})])))
    for key, label in (("recovered_seconds", "recovered (fault → healthy)"),
                       ("duration_seconds", "run length")):
        rows.append(_row(label, by_profile, lambda runs, k=key: _spread(
            [r[k] for r in runs if k in r])))
    rows.append(_row("collateral restarts", by_profile, _collateral))
    for key in ("lost_writes", "acknowledged_writes"):
        rows.append(_row(key.replace("_", " "), by_profile, lambda runs, k=key: _spread(
            [r[k] for r in runs if k in r], unit="")))
    rows.append(_row("failed actions", by_profile, lambda runs: _tally(
        runs, "failed_actions", _failed_action)))
    if any("galera" in r for runs in by_profile.values() for r in runs):
        # each run has one galera object: tallied like a list of one
        rows.append(_row("galera", by_profile, lambda runs: _tally(
            [{"galera": [r["galera"]]} for r in runs if "galera" in r], "galera", _pairs)))
    rows.append(_row("assertions that did not hold", by_profile, _failures, cls="failures"))
    return (f'<table class="compare"><thead><tr><th></th>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _row(label: str, by_profile: dict[str, list[dict]], cell: Callable[[list[dict]], str],
         cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<tr{klass}><th scope="row">{escape(label)}</th>'
            + "".join(f"<td>{cell(runs)}</td>" for runs in by_profile.values()) + "</tr>")


def _keys(by_profile: dict[str, list[dict]], field: str) -> list[str]:
    """Every key of a per-path field across the runs, in first-seen order."""
    seen: dict[str, None] = {}
    for runs in by_profile.values():
        for run in runs:
            seen.update(dict.fromkeys(run.get(field) or {}))
    return list(seen)


def _duration(value) -> float:
    return NEVER if value is None else float(value)


def _seconds(value: float) -> str:
    if value == NEVER:
        return '<span class="bad">never</span>'
    return "0 s" if value == 0 else f"{value:.1f} s"


def _spread(values: list, unit: str = "s") -> str:
    """One value, or min / median / max of several (null counts as never)."""
    if not values:
        return "—"
    keys = sorted(_duration(v) for v in values)
    fmt = _seconds if unit == "s" else _count
    if keys[0] == keys[-1]:
        return fmt(keys[0])
    median = statistics.median(keys)
    return (f'<span title="min / median / max of {len(keys)} runs">{fmt(keys[0])} / '
            f'{fmt(median)} / {fmt(keys[-1])}</span>')


def _count(value: float) -> str:
    return f"{value:g}"


def _worst(runs: list[dict], key: str, fmt: Callable[[float], str]) -> str:
    present = [_duration(r[key]) for r in runs if key in r]
    return fmt(max(present)) if present else "—"


def _verdict(failed: int, total: int) -> str:
    if not failed:
        return '<span class="ok">passed</span>' if total == 1 else \
            f'<span class="ok">passed {total} of {total}</span>'
    return ('<span class="bad">FAILED</span>' if total == 1
            else f'<span class="bad">FAILED {failed} of {total}</span>')


def _tally(runs: list[dict], key: str, text: Callable, item_class: str = "") -> str:
    """Distinct entries over the runs, each once, with how many runs had it."""
    counts = Counter(text(item) for run in runs for item in run.get(key, []))
    if not counts:
        return "none"
    many = len(runs) > 1
    li = f'<li class="{item_class}">' if item_class else "<li>"
    return "<ul>" + "".join(
        f"{li}{escape(t)}" + (f" <small>×{n}</small>" if many else "") + "</li>"
        for t, n in counts.items()) + "</ul>"


def _collateral(runs: list[dict]) -> str:
    count = _spread([r["collateral_restarts"] for r in runs if "collateral_restarts" in r],
                    unit="")
    listed = _tally(runs, "collateral", lambda c: (
        f"{c.get('service', '?')} on {c.get('node', '?')}"
        + (f" ({c['how']})" if c.get("how") else "")))
    return count if listed == "none" else f"{count}{listed}"


def _failed_action(action: dict) -> str:
    known = ("resource", "task", "node", "status")
    text = " ".join(str(action[k]) for k in known[:2] if k in action)
    if "node" in action:
        text += f" on {action['node']}"
    if "status" in action:
        text += f": {action['status']}"
    rest = _pairs({k: v for k, v in action.items() if k not in known})
    return " ".join(t for t in (text, rest) if t)


def _pairs(obj: dict) -> str:
    # true/false/null as the JSON says them, not as Python does
    return ", ".join(f"{k} {json.dumps(v) if v is None or isinstance(v, bool) else v}"
                     for k, v in obj.items())


def _failures(runs: list[dict]) -> str:
    return _tally(runs, "failures", str, item_class="bad")
