"""The OpenStack control plane on the shared next-gen lab (deployed by test_30_apply):
every service's own check through the VIPs, and cinder-volume, Pacemaker's active/passive
service, taking over from a crashed node with a new volume reaching `available`."""

from __future__ import annotations

import json
import time

import pytest

from ngha.chaos.run import failover_budget
from ngha.facts import CrmMonFact
from ngha.lab import cluster as lab_cluster
from ngha.live import connect
from ngha.targets import Target

from lab_checks import LabView
from lab_support import LAB, SHARED_LAB, ngha

pytestmark = [*LAB, pytest.mark.timeout(1200)]
NODES = ["ctl-0", "ctl-1", "ctl-2"]
SERVICES = ("glance", "nova", "neutron", "cinder", "heat")
# cinder-volume's own start, after Pacemaker decided to move it: systemd starts it and
# its unit reports ready once the driver is initialised (~3-5 s on this lab)
START_ALLOWANCE = 10.0


@pytest.fixture(scope="module")
def deployed(shared_lab):
    ngha("apply", shared_lab, timeout=900)  # after test_30 this changes nothing
    return shared_lab


@pytest.fixture(scope="module")
def live(deployed):
    return connect(Target.load(deployed).loaded.deployment)


def test_every_service_answers_its_own_check_through_the_vips(deployed):
    started = time.monotonic()
    result = ngha("lab", "check", "--name", SHARED_LAB, "--json", check=False, timeout=600)
    rows = json.loads(result.stdout)
    print(f"lab check: {time.monotonic() - started:.1f} s, "
          f"{sum(r['ok'] for r in rows)}/{len(rows)} ok")
    assert all(set(r) == {"name", "ok", "seconds", "detail"} for r in rows)
    for service in SERVICES:
        assert [r for r in rows if r["name"].startswith(f"{service}:")], service
    failed = [r for r in rows if not r["ok"]]
    assert not failed and result.returncode == 0, failed
    server = next(r for r in rows if r["name"].startswith("nova: a server"))
    assert "No valid host" in server["detail"]


def volume_node(live) -> str | None:
    running = live.read_any(CrmMonFact()).running_on("cinder-volume")
    return running[0] if running else None


class Volumes:
    """Cinder through the public VIP, from the client, with an admin token."""

    def __init__(self, view: LabView):
        self.view = view
        body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": "admin", "domain": {"id": "default"},
                     "password": view.secret("admin_password")}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
        status, headers, text = view.http(f"http://{view.vip('public')}:5000/v3/auth/tokens",
                                          "POST", body)
        assert status == 201, status
        self.token = headers["x-subject-token"]
        self.base = (f"http://{view.vip('public')}:8776/v3/"
                     f"{json.loads(text)['token']['project']['id']}/volumes")

    def call(self, method: str, path: str = "", body: dict | None = None):
        status, _, text = self.view.http(self.base + path, method,
                                         json.dumps(body) if body else None,
                                         headers={"X-Auth-Token": self.token}, timeout=30)
        return status, (json.loads(text) if text.strip().startswith("{") else {})

    def create_until(self, name: str, deadline: float = 120) -> tuple[str, str]:
        status, body = self.call("POST", body={"volume": {"size": 1, "name": name}})
        assert status == 202, (status, body)
        volume = body["volume"]["id"]
        end = time.monotonic() + deadline
        state = "creating"
        while state == "creating" and time.monotonic() < end:
            time.sleep(1)
            state = self.call("GET", f"/{volume}")[1].get("volume", {}).get("status", "?")
        return volume, state


def test_cinder_volume_takes_over_when_its_node_crashes(deployed, live):
    view = LabView(SHARED_LAB)
    victim = volume_node(live)
    assert victim in NODES
    survivors = [n for n in NODES if n != victim]
    budget = failover_budget(live) + START_ALLOWANCE
    crashed = time.monotonic()
    ngha("lab", "crash", "--name", SHARED_LAB, victim)
    try:
        survivor = connect(Target.load(deployed).loaded.deployment)
        moved_to, seconds = None, None
        while time.monotonic() - crashed < 120:
            try:
                running = survivor.read(CrmMonFact(), survivors[0]).running_on("cinder-volume")
            except Exception:  # noqa: BLE001 - a read while the membership changes
                running = []
            started = [n for n in running if n in survivors]
            if started:
                moved_to, seconds = started[0], time.monotonic() - crashed
                break
            time.sleep(0.5)
        print(f"cinder-volume: {victim} crashed, running on {moved_to} after {seconds} s "
              f"(budget {budget:.1f} s)")
        assert moved_to is not None and seconds <= budget
        volumes = Volumes(view)
        volume, state = volumes.create_until("ngha-failover-check")
        volumes.call("DELETE", f"/{volume}")
        assert state == "available", state
    finally:
        boot = ngha("lab", "boot", "--name", SHARED_LAB, victim, check=False)
        assert boot.returncode == 0 or "already running" in boot.stderr, boot.stderr
    lab_cluster.wait_until(live.transport, NODES, lab_cluster.all_online_with_quorum(NODES),
                           timeout=180, what=f"{victim} back")
    deadline = time.monotonic() + 300
    while ngha("status", deployed, check=False).returncode != 0:
        assert time.monotonic() < deadline, ngha("status", deployed, check=False).stdout
        time.sleep(3)
