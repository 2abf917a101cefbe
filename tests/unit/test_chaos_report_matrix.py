"""The resilience matrix on the chaos report's page: one row per service, one column per
fault and layout, each cell coloured by its verdict and linking to its timeline; matrix
cells and scenario runs read from the same files; a bad cell is one message."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from ngha.chaos.report import render_report, summary_line
from ngha.chaos.report_matrix import anchor
from ngha.cli import cli
from ngha.matrix.cells import Measured, make_cell
from ngha.measurement.probes import Sample, relative
from tests.unit.test_chaos_report import synthetic_run

START = 1_000.0


def matrix_cell(service: str = "nova", fault: str = "galera-restart",
                profile: str = "nextgen", *, down: tuple[float, float] = (20.0, 45.0),
                backend_back: float = 44.0, seconds: float = 90.0, restarts: int = 0,
                manual: str | None = None) -> dict:
    """A cell as `ngha chaos matrix --json` writes it, made by the matrix's own code from
    samples of one read every second, failing inside `down` (seconds from START)."""
    samples = [Sample(f"{service}_read", START + t, START + t + (5.0 if down[0] <= t < down[1]
                                                                   else 0.05),
                      not down[0] <= t < down[1]) for t in range(int(seconds))]
    cell = make_cell(Measured(service, fault, profile, {f"{service}_read": samples},
                              fault_at=START + down[0] - 1, backend_back=START + backend_back,
                              restarts={"ctl-0": restarts, "ctl-1": 0, "ctl-2": 0},
                              restarted_units=(f"{service}@ctl-0 (main PID changed)",)
                              if restarts else (), manual_action=manual))
    cell["title"] = fault.replace("-", " ").capitalize()
    cell["events"] = [{"t": down[0] - 1, "label": f"fault: {fault}"},
                      {"t": backend_back, "label": "galera healthy again"}]
    cell["probes"] = {name: relative(ss, START) for name, ss in
                      {f"{service}_read": samples}.items()}
    return cell


def page(records: list[dict]):
    text = render_report(records, ["matrix.json"])
    return text, lxml_html.fromstring(text)


CELLS = [matrix_cell("keystone"), matrix_cell("nova"),
         matrix_cell("nova", profile="legacy", restarts=2, down=(20.0, 70.0)),
         matrix_cell("neutron", down=(20.0, 80.0)),
         matrix_cell("nova", "rabbitmq-restart", manual="systemctl restart nova-api")]


def test_services_are_rows_faults_are_columns_both_layouts_side_by_side():
    _, tree = page(CELLS)
    table = tree.xpath('//table[@class="matrix"]')[0]
    assert [a.text for a in table.xpath("./thead/tr[1]/th/a")] == ["galera-restart",
                                                                  "rabbitmq-restart"]
    assert [th.text_content() for th in table.xpath("./thead/tr[2]/th")] == [
        "legacy", "next-gen", "legacy", "next-gen"]
    rows = {tr.xpath("./th")[0].text: tr.xpath("./td") for tr in table.xpath("./tbody/tr")}
    assert list(rows) == ["keystone", "nova", "neutron"]
    nova = rows["nova"]
    assert [td.get("class") for td in nova] == ["pass", "pass", "none", "fail"]
    assert nova[0].text_content() == "+26.1 s2 restarts"  # legacy: restarts counted, passed
    assert nova[1].text_content() == "+1.1 s0 restarts"
    assert nova[3].text_content() == "manual0 restarts"
    assert rows["neutron"][1].get("class") == "fail"  # 36 s after Galera: over 5 s
    assert "back 36.0 s after its backend" in rows["neutron"][1].xpath("./a")[0].get("title")


def test_every_cell_links_to_its_timeline_and_every_timeline_shares_its_fault_scale():
    _, tree = page(CELLS)
    links = tree.xpath('//table[@class="matrix"]//td/a/@href')
    assert len(links) == len(CELLS)
    for link in links:
        target = tree.get_element_by_id(link[1:])
        assert target.xpath(".//svg[@class='timeline']"), link
    galera = tree.get_element_by_id(anchor("galera-restart"))
    axes = {svg.xpath("./g[@class='axis']/text")[-1].text
            for svg in galera.xpath(".//svg[@class='timeline']")}
    assert axes == {"90 s"}
    view = tree.get_element_by_id(anchor("galera-restart", "nova", "nextgen"))
    assert len(view.xpath(".//rect[@class='fail']")) == 1
    assert [li.text_content() for li in view.xpath(".//ol[@class='events']/li")] == [
        "19.0 s fault: galera-restart", "44.0 s galera healthy again"]


def test_matrix_and_scenarios_on_one_page_and_in_the_summary_line():
    records = CELLS + [synthetic_run()]
    text, tree = page(records)
    assert tree.xpath('//table[@class="summary"]')
    assert tree.get_element_by_id("s-galera-restart") is not None
    assert summary_line(records) == (
        "1 run of 1 scenario (next-gen): 1 passed, 0 failed. 5 matrix cells of 2 faults "
        "(legacy, next-gen): 3 passed, 2 failed.")
    embedded = json.loads(tree.get_element_by_id("ngha-results").text)
    assert len(embedded) == 6 and "probe_segments" in embedded[0]
    _, alone = page(CELLS)
    assert not alone.xpath('//table[@class="summary"]')  # no scenario: no empty table


def test_a_repeated_cell_shows_its_worst_run():
    worse = matrix_cell("nova", down=(20.0, 80.0))
    _, tree = page([matrix_cell("nova"), worse, matrix_cell("nova")])
    assert tree.xpath('//table[@class="matrix"]//td')[0].get("class") == "fail"


BAD_CELLS = [
    ({"passed": "yes"}, "[0].passed: expected true or false, found a string"),
    ({"recovered": None}, "[0].recovered: expected true or false, found null"),
    ({"restarts": {"ctl-0": -1}}, "[0].restarts: expected an object: node -> a whole number"),
    ({"seconds_after_backend": -2}, "[0].seconds_after_backend: expected seconds >= 0 or null"),
    ({"manual_action": 3}, "[0].manual_action: expected a command (a string) or null"),
    ({"probes": {"nova_read": [[1, 2]]}}, "[0].probes.nova_read[0]: expected a sample"),
]


@pytest.mark.parametrize("change,expected", BAD_CELLS, ids=[b[1][:20] for b in BAD_CELLS])
def test_a_bad_cell_is_one_message_and_exit_2(tmp_path, change, expected):
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps([{**matrix_cell(), **change}]))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["chaos", "report", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0].startswith(f"error: {path}: {expected}")
    assert not out.exists()


def test_a_cell_without_its_service_is_named():
    cell = matrix_cell()
    del cell["service"]
    with pytest.raises(Exception) as err:
        render_report([cell], [])
    assert str(err.value) == "results[0].service: missing `service`"


def test_each_name_has_its_own_anchor():
    names = [("a-b",), ("a_b",), ("a.b",), ("a", "b"), ("a-b", "c"), ("a", "b-c"),
             ("galera-restart", "nova", "nextgen"), ("galera-restart", "nova_", "nextgen")]
    assert len({anchor(*n) for n in names}) == len(names)
    assert anchor("galera-restart", "nova", "nextgen") == "m-galera-restart.nova.nextgen"
