"""The host's side of the prober: start it in the lab's client namespace, stop it, read
what it recorded, and turn samples into outage windows."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ngha.lab.session import Lab
from ngha.measurement.openstack_check import token_request
from ngha.measurement.prober import flow_stop_seconds
from ngha.transport.process import run_process, start_background, stop_background

INTERVAL = 0.2
TIMEOUT = 5.0  # for an answer
CONNECT_TIMEOUT = 0.25  # for HAProxy to accept: the resolution of a VIP's outage
RECOVERED_AFTER = 5  # consecutive successes that end an outage (1 s at 200 ms)
WARM_UP_TIMEOUT = 120.0


@dataclass
class Sample:
    path: str
    t0: float
    t1: float
    ok: bool
    id: int | None = None
    detail: str = ""  # why it failed: HTTP status or the exception's name
    stuck: str = ""  # a flow's object left behind: the command that clears it


@dataclass
class Probes:
    """A running prober and the file it writes."""

    directory: Path
    proc: object = None
    started_at: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    paths: tuple[str, ...] = ()
    flows: dict[str, dict] = field(default_factory=dict)  # name -> interval, deadline
    _offset: int = 0  # how far read() has parsed the samples file
    _so_far: list[Sample] = field(default_factory=list)

    @property
    def output(self) -> Path:
        return self.directory / "samples.jsonl"

    def wait_answering(self, timeout: float = WARM_UP_TIMEOUT) -> list[str]:
        """Wait until every path's last RECOVERED_AFTER requests were answered; returns
        the paths that were not. A measurement starts from a cluster that answers: an
        OpenStack API's first requests after it started load its policies, its service
        token and its database engines, which took more than the 5 s timeout on the
        2-core lab, and have nothing to do with what is measured next. Every node's API
        is a process of its own: each gets requests (HAProxy's round robin) before the
        last ones count."""
        deadline = time.monotonic() + timeout
        while True:
            answered = {path for path, samples in by_path(self.read()).items()
                        if settled(samples)}
            silent = sorted(set(self.paths) - answered)
            if not silent or time.monotonic() > deadline:
                return silent
            time.sleep(0.5)

    def read(self) -> list[Sample]:
        """What the prober recorded so far (it keeps running). Only what was appended
        since the last call is parsed: waits call this every second for minutes."""
        try:
            with self.output.open("rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return list(self._so_far)
        whole = chunk[:chunk.rfind(b"\n") + 1]  # a line still being written waits
        self._offset += len(whole)
        self._so_far += _parse(whole.decode("utf-8", "replace").splitlines())
        return list(self._so_far)

    def stop(self) -> list[Sample]:
        if self.proc is not None:
            # flows end the run under way, to clean up what it made
            stop_background(self.proc, timeout=flow_stop_seconds(self.flows) + 10
                            if self.flows else 10)
            self.proc = None
        self.samples = read_samples(self.output)
        shutil.rmtree(self.directory, ignore_errors=True)  # the config holds a password
        return self.samples


# Each OpenStack service's cheapest read that touches its database, through the public
# VIP, once a second (five more paths at 200 ms would load the 2-core lab).
OPENSTACK_INTERVAL = 1.0
OPENSTACK_READS = {"image": ":9292/v2/images?limit=1", "server": ":8774/v2.1/servers?limit=1",
                   "network": ":9696/v2.0/networks?limit=1",
                   "volume": ":8776/v3/{project_id}/volumes?limit=1",
                   "stack": ":8004/v1/{project_id}/stacks?limit=1",
                   "placement": ":8778/resource_providers"}


def openstack_paths(lab: Lab) -> dict[str, dict]:
    public = lab.state.vips["public"]
    return {name: {"method": "GET", "url": f"http://{public}{path}", "expect": 200,
                   "auth": True, "interval": OPENSTACK_INTERVAL}
            for name, path in OPENSTACK_READS.items()}


def probe_paths(lab: Lab, admin_password: str) -> dict[str, dict]:
    vips = lab.state.vips
    public = vips["public"]
    return {
        "keystone": {"method": "POST", "url": f"{keystone_url(lab)}/v3/auth/tokens",
                     "body": json.dumps(token_request(admin_password)), "expect": 201},
        "db_write": {"method": "POST", "url": f"http://{public}:8999/write", "expect": 200},
        "rpc": {"method": "GET", "url": f"http://{public}:8999/rpc", "expect": 200},
        "vip": {"method": "GET", "url": f"http://{vips['control']}:1993/", "expect": 200},
    }


def keystone_url(lab: Lab) -> str:
    return f"http://{lab.state.vips['public']}:5000"


def start_probes(lab: Lab, admin_password: str, work: Path, openstack: bool = False,
                 flows: dict[str, dict] | None = None) -> Probes:
    """openstack: the control plane is deployed; its services' reads are probed too.
    flows: RPC-crossing checks to run over and over (name -> {"interval", "deadline"})."""
    work.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="probes-", dir=work))
    os.chmod(directory, 0o700)
    probes = Probes(directory=directory)
    config = directory / "config.json"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        paths = probe_paths(lab, admin_password)
        if openstack:
            paths.update(openstack_paths(lab))
        probes.paths = tuple(paths)
        probes.flows = dict(flows or {})
        json.dump({"output": str(probes.output), "interval": INTERVAL, "timeout": TIMEOUT,
                   "connect_timeout": CONNECT_TIMEOUT, "paths": paths, "flows": flows or {},
                   "auth": {"keystone": keystone_url(lab), "password": admin_password}},
                  f)
    argv = lab.enter_prefix("client") + [sys.executable, "-m", "ngha.measurement.prober",
                                         str(config)]
    probes.started_at = time.time()
    probes.proc = start_background(argv, directory / "prober.log")
    return probes


def read_samples(path: Path) -> list[Sample]:
    if not path.exists():
        return []
    return _parse(path.read_text().splitlines())


def _parse(lines: list[str]) -> list[Sample]:
    samples = []
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue  # a line cut short when the prober was stopped
        samples.append(Sample(data["path"], data["t0"], data["t1"], bool(data["ok"]),
                              data.get("id"), data.get("detail", ""), data.get("stuck", "")))
    return samples


def settled(samples: list[Sample], since: float = 0.0) -> bool:
    """The path's last RECOVERED_AFTER samples all succeeded, all sent after `since` (a
    fault). A path runs one request at a time: a request still under way (a volume create
    the fault caught) is later than every sample written, and successes from before the
    fault must not stand for it."""
    tail = [s for s in samples if s.t0 >= since][-RECOVERED_AFTER:]
    return len(tail) == RECOVERED_AFTER and all(s.ok for s in tail)


def by_path(samples: list[Sample]) -> dict[str, list[Sample]]:
    paths: dict[str, list[Sample]] = {}
    for sample in sorted(samples, key=lambda s: s.t0):
        paths.setdefault(sample.path, []).append(sample)
    return paths


def outage(samples: list[Sample], since: float) -> tuple[float | None, float | None,
                                                          float | None]:
    """(outage seconds, first failure, recovery time) after `since`: from the start of the
    first request that failed (the fault itself, when the request was already under way)
    to the answer of the first of RECOVERED_AFTER consecutive successes that no failure
    follows (a path that flaps while a backend goes down, or comes back on one node and
    fails again, is out for the whole window). The answer, not the request's start: a
    request sent during the outage that waited for the backend is served only when it
    is answered. (0, None, None) when nothing failed; seconds is None when the path
    never recovered."""
    after = [s for s in samples if s.t1 >= since]
    failed = [i for i, s in enumerate(after) if not s.ok]
    if not failed:
        return 0.0, None, None
    first, last = failed[0], failed[-1]
    began = max(after[first].t0, since)
    if len(after) - (last + 1) < RECOVERED_AFTER:
        return None, began, None
    back = after[last + 1].t1
    return round(back - began, 2), began, back


def relative(samples: list[Sample], start: float) -> list[list]:
    """Samples as results files hold them: [t_start, t_end, ok], seconds since `start`."""
    return [[round(s.t0 - start, 2), round(s.t1 - start, 2), int(s.ok)] for s in samples]


def relative_events(events: list[tuple[float, str]], start: float) -> list[dict]:
    return [{"t": round(t - start, 2), "label": label} for t, label in sorted(events)]


def acknowledged_ids(samples: list[Sample]) -> list[int]:
    return sorted(s.id for s in samples if s.path == "db_write" and s.ok and s.id is not None)


def client_check(lab: Lab, admin_password: str, openstack: bool = False) -> list[dict]:
    """One round of checks through the VIPs from the client namespace
    (ngha.measurement.client_check); the password travels in a 0600 file, never in argv."""
    with tempfile.TemporaryDirectory(prefix="ngha-check-") as tmp:
        config = Path(tmp) / "config.json"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"public_vip": lab.state.vips["public"],
                       "nodes": {n.name: n.address for n in lab.state.nodes},
                       "admin_password": admin_password, "openstack": openstack}, f)
        argv = lab.enter_prefix("client") + [sys.executable, "-m", "ngha.measurement.client_check",
                                             str(config)]
        result = run_process(argv, timeout=600 if openstack else 120)
    out = result.text()[0].strip()
    try:
        return json.loads(out.splitlines()[-1]) if out else []
    except ValueError:
        return [{"check": "client checks", "ok": False, "detail": out[-200:], "ms": 0}]
