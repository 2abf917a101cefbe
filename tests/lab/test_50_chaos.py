"""The quick chaos subset CI runs on the shared next-gen lab: Galera restarted
cluster-wide and a controller crash, with their assertions (lost writes, collateral
restarts, API paths back within 5 s of their backend, VIP failover within token +
consensus + 2 s). `make chaos` runs the whole suite on both profiles."""

from __future__ import annotations

import json

import pytest

from lab_support import LAB, ngha

pytestmark = [*LAB, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def results(shared_lab, tmp_path_factory):
    ngha("apply", shared_lab, timeout=900)  # deployed (after test_30 this changes nothing)
    out = tmp_path_factory.mktemp("chaos") / "results.json"
    run = ngha("chaos", "run", "galera-restart", "controller-crash", "--quick",
               "--deployment", shared_lab, "--json", "-o", str(out), check=False,
               timeout=1400)
    assert run.stdout.strip(), run.stderr[-3000:]  # a run that stopped says why
    data = json.loads(run.stdout)
    assert json.loads(out.read_text()) == data
    return run.returncode, {r["scenario"]: r for r in data}


def test_every_result_has_the_fields_others_rely_on(results):
    _, by_id = results
    for result in by_id.values():
        for key in ("scenario", "profile", "passed", "lost_writes", "collateral_restarts",
                    "outage_seconds", "recovered_seconds", "failures"):
            assert key in result, key
        assert result["profile"] == "nextgen"
        assert set(result["outage_seconds"]) == {"keystone", "db_write", "rpc", "vip", "image",
                                                 "server", "network", "volume", "stack",
                                                 "placement"}


def test_galera_restart_loses_nothing_and_restarts_no_service(results):
    code, by_id = results
    galera = by_id["galera-restart"]
    print(json.dumps({k: galera[k] for k in ("outage_seconds", "recovered_seconds",
                                             "acknowledged_writes")}))
    assert galera["passed"], galera["failures"]
    assert galera["lost_writes"] == 0 and galera["acknowledged_writes"] > 0
    assert galera["collateral_restarts"] == 0
    assert galera["outage_seconds"]["db_write"] > 0  # the fault really hit the DB path
    assert galera["outage_seconds"]["rpc"] == 0  # and not the broker's


def test_controller_crash_moves_the_vips_in_time(results):
    code, by_id = results
    crash = by_id["controller-crash"]
    print(json.dumps({k: crash[k] for k in ("outage_seconds", "recovered_seconds", "notes")}))
    assert crash["passed"], crash["failures"]
    assert 0 < crash["notes"]["vip_started_seconds"] <= crash["outage_seconds"]["vip"] + 0.5
    assert crash["lost_writes"] == 0
    assert crash["recovered_seconds"] is not None
    assert code == 0
