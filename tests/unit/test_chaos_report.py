"""ngha chaos report on synthetic results: segments, side-by-side profiles, repeats,
escaping, size, and bad input files (one message, exit 2)."""

from __future__ import annotations

import json
import random
import re

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from ngha.chaos.report import load_results, render_report
from ngha.chaos.report_timeline import LEFT, MIN_FAIL_PX, PLOT, Segment, merge_samples
from ngha.cli import cli
from ngha.errors import NghaError

PATHS = ("keystone", "db_write", "db_read", "rpc")
STEP = 0.2  # the probes' period


def synthetic_run(scenario: str = "galera-restart", profile: str = "nextgen", *,
                  seconds: float = 95.0, outages: dict | None = None, repeat: int = 1,
                  flapping: tuple[float, float] | None = None, events: list | None = None,
                  **fields) -> dict:
    """A run as `ngha chaos run --json` prints it: every path sampled every 200 ms, each
    request taking 10-80 ms, or 1 s (its timeout) inside the path's outage window;
    `flapping` makes db_read alternate success and failure in that window."""
    if outages is None:
        outages = {"db_write": (10.0, 24.6), "db_read": (10.0, 24.6), "rpc": (10.0, 13.2)}
    rng = random.Random(f"{scenario}/{profile}/{repeat}")
    probes = {}
    for path in PATHS:
        samples = []
        for i in range(int(seconds / STEP)):
            t = round(i * STEP, 3)
            start, end = outages.get(path, (-1.0, -1.0))
            down = start <= t < end
            if flapping and path == "db_read" and flapping[0] <= t < flapping[1]:
                down = i % 2 == 1
            samples.append([t, round(t + (1.0 if down else rng.uniform(0.01, 0.08)), 3),
                            0 if down else 1])
        probes[path] = samples
    first = min((w[0] for w in outages.values()), default=10.0)
    last = max((w[1] for w in outages.values()), default=20.0)
    run = {"scenario": scenario, "title": scenario.replace("-", " ").capitalize(),
           "profile": profile, "repeat": repeat, "quick": seconds < 600, "passed": True,
           "failures": [], "lost_writes": 0, "acknowledged_writes": int(seconds / STEP) - 60,
           "collateral_restarts": 0, "collateral": [],
           "outage_seconds": {p: round(outages[p][1] - outages[p][0], 1) if p in outages else 0.0
                              for p in PATHS},
           "recovered_seconds": round(last - first + 5, 1), "duration_seconds": seconds + 5,
           "events": events if events is not None else [
               {"t": first, "label": "fault: pcs resource disable galera-master"},
               {"t": last - 3, "label": "recovery: pcs resource enable galera-master"},
               {"t": last + 5, "label": "cluster healthy (status exit 0)"}],
           "probes": probes, "failed_actions": [],
           "galera": {"cluster_size": 3, "synced": True}}
    run.update(fields)
    return run


def page(results: list[dict], sources=("results.json",)):
    text = render_report(results, list(sources))
    return text, lxml_html.fromstring(text)


def section(tree, scenario: str):
    return tree.get_element_by_id(f"s-{scenario}")


# --- segments -----------------------------------------------------------------------------

def test_samples_merge_into_segments_of_equal_outcome():
    run = synthetic_run()
    segments = merge_samples(run["probes"]["db_write"])
    assert [(s.ok, s.requests) for s in segments] == [(True, 50), (False, 73), (True, 352)]
    ok, down, back = segments
    assert (ok.start, down.start, back.start) == (0.0, 10.0, 24.6)
    assert down.end == pytest.approx(24.4 + 1.0)  # the last failed request's timeout
    assert back.end == pytest.approx(94.8, abs=0.1)
    (always,) = merge_samples(run["probes"]["keystone"])
    assert (always.start, always.ok, always.requests) == (0.0, True, 475)


def test_samples_in_any_order_and_ok_as_true_false():
    samples = [[0.4, 0.45, True], [0.0, 0.05, 1], [0.6, 1.6, False], [0.2, 0.25, 1],
               [0.8, 1.8, 0]]
    assert merge_samples(samples) == [Segment(0.0, 0.45, True, 3), Segment(0.6, 1.8, False, 2)]


def test_a_silent_probe_splits_a_segment_and_shows_as_no_samples():
    samples = [[t / 5, t / 5 + 0.05, 1] for t in range(10)]  # 0.0 .. 1.8 s
    samples += [[t / 5, t / 5 + 0.05, 1] for t in range(30, 40)]  # 6.0 .. 7.8 s: 4 s silent
    first, second = merge_samples(samples)
    assert (first.start, first.end, first.requests) == (0.0, pytest.approx(1.85), 10)
    assert (second.start, second.requests) == (6.0, 10)
    _, tree = page([synthetic_run(probes={"keystone": samples}, events=[],
                                  outage_seconds={})])
    greens = tree.xpath('//svg[@class="timeline"]//rect[@class="ok"]')
    assert len(greens) == 2, "the silence must not be drawn as success"


# --- page structure -------------------------------------------------------------------------

def test_legacy_and_nextgen_side_by_side_on_one_time_scale():
    legacy = synthetic_run(profile="legacy", seconds=120.0,
                           outages={"db_write": (10.0, 70.0), "rpc": (10.0, 40.0)},
                           collateral_restarts=2, passed=False,
                           collateral=[{"service": "keystone", "node": "ctl-1",
                                        "how": "main PID changed"}],
                           failures=["collateral restarts: 2 (allowed: 0)"])
    nextgen = synthetic_run(profile="nextgen")
    _, tree = page([nextgen, legacy])  # the order of the results does not matter
    sec = section(tree, "galera-restart")
    profiles = sec.xpath('./div[@class="profiles"]')[0]
    assert "--n:2" in profiles.get("style")
    titles = [h.text.strip() for h in profiles.xpath("./div/h3")]
    assert titles == ["legacy", "next-gen"]
    svgs = profiles.xpath('.//svg[@class="timeline"]')
    assert len(svgs) == 2
    # the same axis in both: the shared scale is the longest run (legacy's 120 s)
    ticks = [[t.text for t in svg.xpath('.//g[@class="axis"]/text')] for svg in svgs]
    assert ticks[0] == ticks[1] and ticks[0][-1] == "120 s"
    # legacy's db_write outage is 60 s of 120: half the plot; next-gen's 14.6 s
    red = [_red_width(svg, row=1) for svg in svgs]
    assert red[0] == pytest.approx(PLOT * 60 / 120, abs=2)
    assert red[1] == pytest.approx(PLOT * 14.6 / 120, abs=2)
    table = sec.xpath('.//table[@class="compare"]')[0]
    assert [th.text for th in table.xpath("./thead/tr/th")][1:] == ["legacy", "next-gen"]
    cells = _table_rows(table)
    assert cells["outage: db_write"] == ["60.0 s", "14.6 s"]
    assert cells["result"] == ["FAILED", "passed"]
    assert cells["collateral restarts"][0].startswith("2keystone on ctl-1 (main PID changed)")
    assert cells["collateral restarts"][1] == "0"
    failures = table.xpath('.//tr[@class="failures"]//li[@class="bad"]')
    assert [li.text for li in failures] == ["collateral restarts: 2 (allowed: 0)"]


def test_red_is_where_the_outage_is():
    _, tree = page([synthetic_run()])
    svg = tree.xpath('//svg[@class="timeline"]')[0]
    rows = svg.xpath('./g[@class="row"]')
    assert [r.xpath("./text")[0].text for r in rows] == list(PATHS)
    assert rows[0].xpath('./rect[@class="fail"]') == []  # keystone had no outage
    (red,) = rows[1].xpath('./rect[@class="fail"]')
    seconds = 100.0  # the last sample ends at 94.9 s: the axis' next 10 s tick
    assert svg.xpath('./g[@class="axis"]/text')[-1].text == "100 s"
    x = float(red.get("x"))
    assert x == pytest.approx(LEFT + PLOT * 10.0 / seconds, abs=1.5)
    assert "73 requests failed" in red.xpath("./title")[0].text
    markers = svg.xpath('./g[@class="events"]/g[@class="event"]/line')
    assert len(markers) == 3
    assert float(markers[0].get("x1")) == pytest.approx(x, abs=0.6)  # the fault marker


def test_summary_lists_every_scenario_and_profile_linking_to_its_section():
    results = [synthetic_run("galera-restart", "legacy"), synthetic_run("galera-restart"),
               synthetic_run("controller-crash", "nextgen", passed=False, lost_writes=3),
               synthetic_run("my-own-scenario", "nextgen")]
    text, tree = page(results)
    rows = tree.xpath('//table[@class="summary"]/tbody/tr')
    assert len(rows) == 4
    links = [a.get("href") for a in tree.xpath('//table[@class="summary"]//a')]
    assert links == ["#s-galera-restart", "#s-controller-crash", "#s-my-own-scenario"]
    for link in links:
        assert tree.get_element_by_id(link[1:]).tag == "section"
    assert [r.get("class") for r in rows] == ["pass", "pass", "fail", "pass"]
    crash = [td.text_content() for td in rows[2].xpath("./td")]
    assert crash[:3] == ["next-gen", "1", "FAILED"] and crash[6] == "3"
    assert "4 runs of 3 scenarios (legacy, next-gen): 3 passed, 1 failed." in text


def test_repeats_show_the_worst_first_and_min_median_max():
    runs = [synthetic_run(repeat=r, outages={"db_write": (10.0, 10.0 + o)},
                          outage_seconds={"db_write": o}, recovered_seconds=rec)
            for r, o, rec in ((1, 12.0, 30.0), (2, 30.0, None), (3, 14.0, 33.0))]
    _, tree = page(runs)
    sec = section(tree, "galera-restart")
    shown = sec.xpath('./div[@class="profiles"]/div/h3/small')
    assert shown[0].text == "repeat 2 of 3 · quick"  # the worst: the longest outage
    folded = sec.xpath('./details[@class="repeats"]//svg[@class="timeline"]')
    assert len(folded) == 2
    cells = _table_rows(sec.xpath('.//table[@class="compare"]')[0])
    assert cells["outage: db_write"] == ["12.0 s / 14.0 s / 30.0 s"]
    assert cells["recovered (fault → healthy)"] == ["30.0 s / 33.0 s / never"]
    assert cells["result"] == ["passed 3 of 3"]


# --- escaping and the embedded JSON ------------------------------------------------------------

EVIL = '<script>alert("x")</script><!-- & </SCRIPT >'


def test_labels_names_and_json_are_escaped():
    run = synthetic_run(
        scenario=f"evil{EVIL}", title=f"Title {EVIL}",
        events=[{"t": 10.0, "label": f"fault: {EVIL}"}],
        probes={f"path{EVIL}": [[0.0, 0.1, 1], [0.2, 1.2, 0]]},
        outage_seconds={f"path{EVIL}": None},
        collateral=[{"service": f"svc{EVIL}", "node": "ctl-1", "how": EVIL}],
        failed_actions=[{"resource": EVIL, "node": "ctl-0", "task": "start", "status": EVIL}],
        failures=[f"failure {EVIL}"], passed=False, extra={"note": EVIL})
    text, tree = page([run], sources=[f"file{EVIL}.json"])
    assert len(re.findall(r"<script", text, re.I)) == 2  # the JSON and the page's own
    assert len(re.findall(r"</script", text, re.I)) == 2
    assert "<!--" not in text
    assert [s.get("type") for s in tree.xpath("//script")] == ["application/json", None]
    assert tree.xpath("//ol[@class='events']/li")[0].text_content() == f"10.0 s fault: {EVIL}"
    assert tree.xpath("//li[@class='bad']")[0].text.strip() == f"failure {EVIL}"
    assert tree.xpath("//h2")[0].text.strip() == f"Title {EVIL}"
    svg_texts = [t.text for t in tree.xpath("//svg//text")]
    assert f"1 fault: {EVIL}"[:43] + "…" in svg_texts
    embedded = json.loads(tree.get_element_by_id("ngha-results").text)
    assert embedded[0]["events"][0]["label"] == f"fault: {EVIL}"
    assert embedded[0]["extra"] == {"note": EVIL}
    assert embedded[0]["probe_segments"] == {f"path{EVIL}": [[0.0, 0.1, 1, 1], [0.2, 1.2, 0, 1]]}
    raw = tree.xpath("//details[@class='raw']/pre")[0].text
    assert json.loads(raw) == embedded


def test_the_page_needs_nothing_from_outside():
    text, tree = page([synthetic_run("galera-restart", "legacy"), synthetic_run()])
    assert tree.xpath("//link | //img | //iframe | //object | //*[@src]") == []
    assert all(a.get("href", "#").startswith("#") for a in tree.xpath("//a"))
    style = "".join(tree.xpath("//style/text()"))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert not re.search(r'(src|href)="(https?:)?//', text)


# --- size --------------------------------------------------------------------------------------

def test_a_20_minute_scenario_stays_small_and_every_row_is_bounded_by_its_pixels():
    run = synthetic_run("ng-c", seconds=1200.0, outages={"rpc": (600.0, 601.0)},
                        flapping=(100.0, 700.0))  # db_read alternates for 10 minutes
    assert sum(len(s) for s in run["probes"].values()) == 4 * 6000
    raw_bytes = len(json.dumps(run))
    text, tree = page([run])
    assert len(text) < 200_000, f"{len(text)} bytes for one 20-minute run"
    assert len(text) < raw_bytes / 3
    for row in tree.xpath("//svg[@class='timeline']/g[@class='row']"):
        assert len(row.xpath("./rect")) <= PLOT
    rows = tree.xpath("//svg[@class='timeline']/g[@class='row']")
    (lone,) = rows[3].xpath("./rect[@class='fail']")  # rpc: 5 failed requests in 20 minutes
    assert float(lone.get("width")) >= MIN_FAIL_PX
    assert lone.xpath("./title")[0].text.endswith("5 requests failed")
    (flapping,) = rows[2].xpath("./rect[@class='flapping']")  # db_read, not a solid outage
    assert flapping.xpath("./title")[0].text == (
        "db_read: 100.2–700.0 s, 1500 of 2999 requests failed")


def test_an_outage_next_to_flapping_stays_an_outage():
    run = synthetic_run(seconds=300.0, outages={"db_read": (30.0, 90.0)},
                        flapping=(90.0, 150.0))
    _, tree = page([run])
    db_read = tree.xpath("//svg[@class='timeline']/g[@class='row']")[2]
    (outage,) = db_read.xpath("./rect[@class='fail']")
    (flapping,) = db_read.xpath("./rect[@class='flapping']")
    assert outage.xpath("./title")[0].text == "db_read: 30.0–90.0 s, 300 requests failed"
    assert float(outage.get("x")) + float(outage.get("width")) <= float(flapping.get("x"))


def test_the_full_suite_fits_in_a_few_megabytes(tmp_path):
    text = render_report(full_suite(), ["legacy.json", "nextgen.json"])
    (tmp_path / "size").write_text(str(len(text.encode())))
    assert len(text.encode()) < 3_000_000


def full_suite(repeats: int = 3) -> list[dict]:
    """13 scenarios x 2 profiles x `repeats`, with full-mode lengths (NG c: 20 minutes)."""
    lengths = {"ng-a": 420.0, "ng-b": 420.0, "ng-c": 1260.0, "cold-start": 360.0,
               "controller-crash": 240.0, "partition-minority": 240.0,
               "service-crash-loop": 180.0}
    runs = []
    from ngha.chaos.report import SCENARIO_ORDER
    for scenario in SCENARIO_ORDER:
        seconds = lengths.get(scenario, 150.0)
        for profile, slow in (("legacy", 2.0), ("nextgen", 1.0)):
            for r in range(1, repeats + 1):
                down = (30.0, min(30.0 + slow * (15 + 3 * r), seconds - 10))
                runs.append(synthetic_run(scenario, profile, seconds=seconds, repeat=r,
                                          outages={"db_write": down, "db_read": down,
                                                   "rpc": (30.0, 30.0 + slow * 4)},
                                          flapping=(down[1], down[1] + 20) if slow > 1 else None))
    return runs


# --- input files and the command -----------------------------------------------------------------

def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


GOOD = [{"scenario": "galera-restart", "profile": "nextgen", "passed": True}]


def _bad(**change):
    run = dict(GOOD[0], **change)
    return json.dumps([run])


BAD_INPUTS = [
    ("missing.json", None, "missing.json: cannot read: No such file or directory"),
    ("broken.json", '[{"scenario": "x",\n  "profile": }]', "broken.json:2: not valid JSON"),
    ("object.json", json.dumps(GOOD[0]), "object.json: expected a JSON list of scenario runs or matrix cells"),
    ("empty.json", "[]", "empty.json: holds no scenario runs or matrix cells"),
    ("binary.json", b"\xff\xfe[]", "binary.json: not UTF-8 text"),
    ("nan.json", '[{"scenario": "a", "profile": "b", "passed": true, "lost_writes": NaN}]',
     "nan.json: NaN is not a number JSON allows"),
    ("nopass.json", json.dumps([{"scenario": "a", "profile": "nextgen"}]),
     "nopass.json: [0].passed: missing `passed`"),
    ("passstr.json", _bad(passed="yes"), "passstr.json: [0].passed: expected true or false, "
                                         "found a string"),
    ("item.json", json.dumps([GOOD[0], 3]), "item.json: [1]: expected a scenario-run object"),
    ("sample.json", _bad(probes={"rpc": [[0.0, 0.1, 1], [0.2, 0.3]]}),
     "sample.json: [0].probes.rpc[1]: expected a sample [t_start, t_end, ok]"),
    ("ok2.json", _bad(probes={"rpc": [[0.0, 0.1, 2]]}), "ok2.json: [0].probes.rpc[0]:"),
    ("outage.json", _bad(outage_seconds={"rpc": -1}),
     "outage.json: [0].outage_seconds: expected an object: path -> seconds >= 0 or null"),
    ("lost.json", _bad(lost_writes=1.5), "lost.json: [0].lost_writes: expected a whole number"),
    ("events.json", _bad(events=[{"t": "10", "label": "x"}]), "events.json: [0].events:"),
    ("dir.json", "DIR", "dir.json: cannot read: Is a directory"),
]


@pytest.mark.parametrize("name,content,expected", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_a_bad_results_file_is_one_message_and_exit_2(tmp_path, name, content, expected):
    good = _write(tmp_path, "good.json", json.dumps(GOOD))
    if content == "DIR":
        (tmp_path / name).mkdir()
    elif content is not None:
        _write(tmp_path, name, content)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["chaos", "report", str(good), str(tmp_path / name),
                                      "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    first, *rest = result.output.splitlines()
    assert first.startswith(f"error: {tmp_path / name}") and expected in first
    assert all(line.startswith("  fix: ") for line in rest)
    assert not out.exists() and list(tmp_path.glob(".report*")) == []


def test_messages_never_repeat_values():
    with pytest.raises(NghaError) as err:
        render_report([dict(GOOD[0], failures="S3cret-value")], [])
    assert "S3cret" not in str(err.value)
    assert str(err.value) == "results[0].failures: expected a list of strings, found a string"


def test_report_writes_the_page_and_says_where(tmp_path):
    a = _write(tmp_path, "legacy.json", json.dumps([synthetic_run(profile="legacy")]))
    b = _write(tmp_path, "nextgen.json", json.dumps([synthetic_run(), synthetic_run(
        "controller-crash", passed=False)]))
    out = tmp_path / "report.html"
    out.write_text("old")
    result = CliRunner().invoke(cli, ["chaos", "report", str(a), str(b), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{out}: 3 runs of 2 scenarios (legacy, next-gen): 2 passed, 1 failed. "
        f"({out.stat().st_size:,} bytes)"]
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["legacy.json", "nextgen.json",
                                                          "report.html"]
    assert [r["scenario"] for r in load_results([a, b])] == [
        "galera-restart", "galera-restart", "controller-crash"]


def test_report_never_writes_over_its_input(tmp_path):
    a = _write(tmp_path, "results.json", json.dumps(GOOD))
    result = CliRunner().invoke(cli, ["chaos", "report", str(a), "-o", str(a)])
    assert result.exit_code == 2
    assert "is one of the results files" in result.output
    assert json.loads(a.read_text()) == GOOD


def _red_width(svg, row: int) -> float:
    rects = svg.xpath('./g[@class="row"]')[row].xpath('./rect[@class="fail"]')
    return sum(float(r.get("width")) for r in rects)


def _table_rows(table) -> dict[str, list[str]]:
    return {tr.xpath("./th")[0].text_content(): [td.text_content() for td in tr.xpath("./td")]
            for tr in table.xpath("./tbody/tr")}


def test_a_scenario_that_did_not_finish_is_a_failed_result_the_report_reads(tmp_path):
    from ngha.chaos.run import unfinished
    from ngha.chaos.scenarios import BY_ID

    result = {**unfinished(BY_ID["galera-restart"], "nextgen", True, "a wait timed out"),
              "repeat": 1}
    assert result["passed"] is False
    assert result["failures"] == ["did not finish: a wait timed out"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps([result]))
    out = tmp_path / "report.html"
    run = CliRunner().invoke(cli, ["chaos", "report", str(path), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "did not finish: a wait timed out" in out.read_text()
