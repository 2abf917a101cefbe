"""A slice of the resilience matrix on the shared next-gen lab: Galera restarted
cluster-wide, and every service restarted while Galera is down, for Keystone and Glance
(their reads through the VIP). Rows with an RPC flow are left to `make chaos`, which runs
the whole matrix: whether a flow's create is under way at the moment of the fault is
chance, and a create the fault catches can be lost for good (Cinder: docs/architecture.md),
so such a cell would fail by the clock, not by a regression."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from ngha.chaos.report_matrix import anchor

from lab_support import LAB, ngha

pytestmark = [*LAB, pytest.mark.timeout(1500)]
FIELDS = ("service", "fault", "profile", "recovered", "seconds_after_backend",
          "outage_seconds", "restarts", "failed_requests", "manual_action", "notes",
          "passed", "failures")


@pytest.fixture(scope="module")
def cells(shared_lab, tmp_path_factory):
    out = tmp_path_factory.mktemp("matrix") / "cells.json"
    run = ngha("chaos", "matrix", "--faults", "galera-restart,start-without-db",
               "--services", "keystone,glance", "--quick", "--deployment", shared_lab,
               "--json", "-o", str(out), check=False, timeout=1400)
    assert run.stdout.strip(), run.stderr[-3000:]
    data = json.loads(run.stdout)
    assert json.loads(out.read_text()) == data
    return run.returncode, {(c["service"], c["fault"]): c for c in data}


def test_one_cell_per_service_and_fault_with_the_fields_others_rely_on(cells):
    _, found = cells
    assert set(found) == {(s, f) for s in ("keystone", "glance")
                          for f in ("galera-restart", "start-without-db")}
    for cell in found.values():
        assert tuple(k for k in FIELDS if k in cell) == FIELDS
        assert cell["profile"] == "nextgen"
        assert set(cell["restarts"]) == {"ctl-0", "ctl-1", "ctl-2"}
    # start-without-db restarts the measured services only (the rest would load the lab)
    restart = next(e["label"] for e in found[("keystone", "start-without-db")]["events"]
                   if e["label"].startswith("systemctl restart"))
    assert restart == "systemctl restart keystone glance-api on every node"


def test_every_service_comes_back_by_itself_within_5_s_of_galera(cells):
    code, found = cells
    for (service, fault), cell in sorted(found.items()):
        print(service, fault, {k: cell[k] for k in ("seconds_after_backend",
                                                    "outage_seconds", "failed_requests")})
        assert cell["passed"], (service, fault, cell["failures"])
        assert cell["recovered"] and cell["manual_action"] is None
        assert sum(cell["restarts"].values()) == 0
        assert cell["seconds_after_backend"] <= 5
    # the fault really took the database away from both services
    assert found[("keystone", "galera-restart")]["failed_requests"] > 0
    assert found[("glance", "galera-restart")]["failed_requests"] > 0
    assert code == 0


def test_the_report_draws_the_measured_cells_with_their_timelines(cells, tmp_path):

    _, found = cells
    results = tmp_path / "cells.json"
    results.write_text(json.dumps(list(found.values())))
    page = tmp_path / "report.html"
    ngha("chaos", "report", str(results), "-o", str(page))
    tree = lxml_html.fromstring(page.read_text())
    table = tree.xpath("//table[@class='matrix']")[0]
    assert len(table.xpath(".//td[@class='pass']")) == 4
    for cell in found.values():
        assert any(e["label"].startswith("fault:") for e in cell["events"])
        view = tree.get_element_by_id(anchor(cell["fault"], cell["service"], "nextgen"))
        assert view.xpath(".//svg[@class='timeline']//rect[@class='fail']")
