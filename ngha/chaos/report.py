"""`ngha chaos report`: scenario runs (`ngha chaos run --json`) and resilience-matrix cells
(`ngha chaos matrix --json`) as one self-contained HTML page: the matrix (report_matrix.py),
a summary of the scenarios, then per scenario the probe timelines of each profile side by
side, a legacy vs next-gen table, and the runs' JSON. Static HTML and SVG, no
external resource, readable offline and with JavaScript disabled."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Iterable

from ngha.chaos.report_check import check_record, is_cell
from ngha.chaos.report_matrix import matrix_section
from ngha.chaos.report_page import CSS, SCRIPT, event_list, legend, pretty_json, script_json
from ngha.chaos.report_tables import (PROFILE_ORDER, SUMMARY_HEAD, badness, comparison_table,
                                      profile_name, summary_rows)
from ngha.chaos.report_timeline import Segment, extent, merge_samples, timeline_svg
from ngha.errors import NghaError, OperationFailed
from ngha.files import write_atomically

# The order (core services first, the original validation tests, cold start last);
# scenarios it does not name follow in the order the results hold them.
SCENARIO_ORDER = ("galera-restart", "galera-kill-one", "rabbitmq-restart", "rabbitmq-kill-one",
                  "redis-master-kill", "haproxy-kill-vip-holder", "controller-crash",
                  "partition-minority", "service-crash-loop", "ng-a", "ng-b", "ng-c",
                  "cold-start")
RESULTS_FIX = "give the files `ngha chaos run ... --json` or `ngha chaos matrix --json` write"


def load_results(paths: Iterable[str | Path]) -> list[dict]:
    """Every scenario run and matrix cell of every file, in order; a bad file is one NghaError (exit 2)
    naming it and what is wrong."""
    results: list[dict] = []
    for path in map(Path, paths):
        results.extend(_load_file(path))
    return results


def _load_file(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NghaError("not UTF-8 text, so not a results file", file=path, fix=RESULTS_FIX)
    except OSError as exc:
        raise NghaError(f"cannot read: {exc.strerror or exc}", file=path)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise NghaError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=path,
                        line=exc.lineno, fix=RESULTS_FIX)
    except ValueError as exc:
        raise NghaError(str(exc), file=path, fix=RESULTS_FIX)
    if not isinstance(data, list):
        raise NghaError("expected a JSON list of scenario runs or matrix cells", file=path,
                        fix=RESULTS_FIX)
    if not data:
        raise NghaError("holds no scenario runs or matrix cells", file=path, fix=RESULTS_FIX)
    for i, run in enumerate(data):
        try:
            check_record(run, f"[{i}]")
        except NghaError as exc:
            exc.file = path
            raise
    return data


def _no_constant(name: str):
    # Python's json reads NaN and Infinity; the page's JSON.parse would not
    raise ValueError(f"{name} is not a number JSON allows")


@dataclass
class _Run:
    data: dict
    segments: dict[str, list[Segment]]


@dataclass
class _Scenario:
    id: str
    title: str
    anchor: str
    by_profile: dict[str, list[_Run]] = field(default_factory=dict)

    def runs(self, profile: str) -> list[dict]:
        return [r.data for r in self.by_profile[profile]]


def render_report(records: list[dict], sources: list[str]) -> str:
    """The whole page for these scenario runs and matrix cells; `sources` are the file
    names it names."""
    for i, record in enumerate(records):
        check_record(record, f"results[{i}]")
    runs = [_Run(r, {p: merge_samples(s) for p, s in r.get("probes", {}).items()})
            for r in records]
    scenarios = _group([r for r in runs if not is_cell(r.data)])
    body = [f"<header><h1>ngha chaos report</h1><p>{escape(summary_line(records))}"
            + (f" From {', '.join(f'<code>{escape(s)}</code>' for s in sources)}." if sources
               else "") + f"</p>{legend()}</header>",
            matrix_section([r for r in records if is_cell(r)])]
    if scenarios:
        body.append('<table class="summary">' + SUMMARY_HEAD + "<tbody>"
                    + "".join(summary_rows(s.id, s.title, s.anchor,
                                           {p: s.runs(p) for p in s.by_profile})
                              for s in scenarios) + "</tbody></table>")
    body += [_section(s) for s in scenarios]
    body.append('<footer><p id="raw-note">Every run and matrix cell is embedded below as JSON '
                '(<code>script#ngha-results</code>), its probe samples merged into segments '
                '<code>[t_start, t_end, ok, requests]</code>; the per-request samples are in '
                'the results files.</p></footer>')
    body.append(script_json([_compact(r) for r in runs]))
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>ngha chaos report</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + f"<script>{SCRIPT}</script></body></html>\n")


def summary_line(records: list[dict]) -> str:
    runs = [r for r in records if not is_cell(r)]
    cells = [r for r in records if is_cell(r)]
    parts = []
    if runs or not cells:
        scenarios = {r["scenario"] for r in runs}
        parts.append(f"{_plural(len(runs), 'run')} of {_plural(len(scenarios), 'scenario')}"
                     f"{_profiles(runs)}: {_verdicts(runs)}.")
    if cells:
        faults = {c["fault"] for c in cells}
        parts.append(f"{_plural(len(cells), 'matrix cell')} of "
                     f"{_plural(len(faults), 'fault')}{_profiles(cells)}: {_verdicts(cells)}.")
    return " ".join(parts)


def _profiles(records: list[dict]) -> str:
    profiles = _ordered([r["profile"] for r in records], PROFILE_ORDER)
    return f" ({', '.join(profile_name(p) for p in profiles)})" if profiles else ""


def _verdicts(records: list[dict]) -> str:
    failed = sum(not r["passed"] for r in records)
    return f"{len(records) - failed} passed, {failed} failed"


def _group(runs: list[_Run]) -> list[_Scenario]:
    by_id: dict[str, _Scenario] = {}
    anchors: set[str] = set()
    for run in runs:
        sid = run.data["scenario"]
        if sid not in by_id:
            by_id[sid] = _Scenario(sid, run.data.get("title") or sid, _anchor(sid, anchors))
        by_id[sid].by_profile.setdefault(run.data["profile"], []).append(run)
    scenarios = [by_id[s] for s in _ordered(by_id, SCENARIO_ORDER)]
    for s in scenarios:  # each profile's runs by repeat, whichever file they came from
        s.by_profile = {p: sorted(s.by_profile[p], key=lambda r: r.data.get("repeat", 0))
                        for p in _ordered(s.by_profile, PROFILE_ORDER)}
    return scenarios


def _ordered(names: Iterable[str], order: tuple[str, ...]) -> list[str]:
    names = list(dict.fromkeys(names))
    return [n for n in order if n in names] + [n for n in names if n not in order]


def _anchor(scenario: str, taken: set[str]) -> str:
    base = "s-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", scenario).strip("-") or "scenario")
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def _section(s: _Scenario) -> str:
    """Worst run of each profile side by side, every other run folded away, the table,
    and the raw JSON."""
    out = [f'<section class="scenario" id="{s.anchor}"><h2>{escape(s.title)} '
           f'<code>{escape(s.id)}</code></h2>']
    missing = [profile_name(p) for p in PROFILE_ORDER if p not in s.by_profile]
    if missing:
        out.append(f'<p class="note">No {" or ".join(missing)} run of this scenario in '
                   "these results.</p>")
    out += _timelines(s)
    out.append(comparison_table({p: s.runs(p) for p in s.by_profile}))
    raw = [_compact(r) for runs in s.by_profile.values() for r in runs]
    out.append(f'<details class="raw"><summary>raw JSON ({_plural(len(raw), "run")})</summary>'
               f"<pre>{escape(pretty_json(raw))}</pre></details></section>")
    return "\n".join(out)


def _timelines(s: _Scenario) -> list[str]:
    # every timeline of a scenario has the same rows and the same time scale
    paths = list(dict.fromkeys(p for runs in s.by_profile.values() for r in runs
                               for p in r.segments))
    seconds = max(extent(r.segments, r.data.get("events", []))
                  for runs in s.by_profile.values() for r in runs)
    worst = {p: max(runs, key=lambda r: badness(r.data)) for p, runs in s.by_profile.items()}
    grid = f'<div class="profiles" style="--n:{len(s.by_profile)}">'
    out = [grid + "".join(_run_view(s, p, worst[p], paths, seconds) for p in s.by_profile)
           + "</div>"]
    others = sum(len(runs) - 1 for runs in s.by_profile.values())
    if others:
        out.append(f'<details class="repeats"><summary>the other {_plural(others, "run")}'
                   f"</summary>{grid}" + "".join(
                       "<div>" + "".join(_run_view(s, p, r, paths, seconds) for r in runs
                                         if r is not worst[p]) + "</div>"
                       for p, runs in s.by_profile.items()) + "</div></details>")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _run_view(s: _Scenario, profile: str, run: _Run, paths: list[str], seconds: float) -> str:
    runs = s.by_profile[profile]
    data = run.data
    which = f"repeat {data.get('repeat', runs.index(run) + 1)}"
    if len(runs) > 1:
        which += f" of {len(runs)}"
    mode = {True: "quick", False: "full"}.get(data.get("quick"), "")
    verdict = ('<span class="ok">passed</span>' if data["passed"]
               else '<span class="bad">FAILED</span>')
    caption = f"{s.id} on {profile_name(profile)}, {which}"
    events = sorted(data.get("events", []), key=lambda e: e["t"])
    return (f'<div class="profile"><h3>{escape(profile_name(profile))} '
            f'<small>{escape(" · ".join(x for x in (which, mode) if x))}</small> {verdict}</h3>'
            + timeline_svg(paths, run.segments, events, seconds, caption)
            + event_list(events) + "</div>")


def _compact(run: _Run) -> dict:
    """The run as the page embeds it: every field kept, the probe samples replaced by
    their segments (a 20-minute run has ~6000 samples per path)."""
    data = {k: v for k, v in run.data.items() if k != "probes"}
    if "probes" in run.data:
        data["probe_segments"] = {p: [s.as_json() for s in segs]
                                  for p, segs in run.segments.items()}
    return data


def write_report(path: str | Path, text: str, inputs: Iterable[str | Path] = ()) -> int:
    """Write the page atomically (a reader never sees half of it), never over one of the
    results files it was made from; return its size in bytes."""
    path = Path(path)
    if any(path.resolve() == Path(i).resolve() for i in inputs):
        raise NghaError("is one of the results files: the report would replace it",
                        file=path, fix="give another -o")
    if path.is_dir():
        raise NghaError("is a directory", file=path, fix="give a file name, e.g. report.html")
    if not path.parent.is_dir():
        raise NghaError("the directory does not exist", file=path.parent)
    data = text.encode("utf-8")
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise OperationFailed(f"cannot write: {exc.strerror or exc}", file=path)
    return len(data)
