"""The prober: runs in the lab's client namespace during a scenario, where a real client
of the cloud would be, and sends through the VIPs, every 200 ms on every path:

- keystone: a token request (POST /v3/auth/tokens);
- db_write: a probe write that is acknowledged only after its commit (the id is kept:
  every acknowledged id must still be in the database after recovery);
- rpc: a probe RPC round-trip over RabbitMQ to a server on any node;
- vip: HAProxy's own stats page on the control VIP (the VIP and HAProxy alone);
- with the OpenStack control plane, each service's cheapest read that touches its
  database (image, server, network, volume, stack and resource provider lists), every
  second, with a token the prober keeps (its paths wait for the first one; it is renewed
  every 10 minutes, and an old one stays in use while Keystone is away);
- flows (the resilience matrix): RPC-crossing checks run one after the other.

Each request's start, end and outcome is one JSON line in the output file. Standard
library only: it runs under ngha's Python inside the client's network namespace.

    python -m ngha.measurement.prober CONFIG.json      (SIGTERM ends it)

CONFIG (mode 0600, it holds the Keystone password): {"output": path, "interval": 0.2,
"timeout": 5, "connect_timeout": 0.25, "auth"?: {"keystone": its URL, "password"},
"paths": {name: {"method", "url" ({project_id} is the token's project), "body"?,
"expect", "auth"?: true, "interval"?}}, "flows"?: {name (ngha.measurement.flows.FLOWS):
{"interval"?, "deadline"?}}}. Each flow is one sample per run, with `stuck` when it left an object
the operator would have had to clear.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sys
import threading
import time
from urllib.parse import urlsplit


TOKEN_RENEWAL = 600.0
FLOW_GRACE = 10.0  # beyond its deadline, for a flow under way to delete what it made


def flow_stop_seconds(flows: dict) -> float:
    """How long stopping may take: a flow under way polls until its deadline, then
    deletes its object."""
    from ngha.measurement.flows import DEADLINE

    return max((spec.get("deadline", DEADLINE) for spec in flows.values()), default=0.0) \
        + FLOW_GRACE


class TokenKeeper:
    """A Keystone token (and its project) for the paths that need one."""

    def __init__(self, auth: dict | None):
        self.auth = auth
        self.token: str | None = None
        self.project = ""
        self.ready = threading.Event()

    def run(self, stop: threading.Event) -> None:
        from ngha.measurement.openstack_check import token_request

        if not self.auth:
            return
        url = urlsplit(f"{self.auth['keystone']}/v3/auth/tokens")
        body = json.dumps(token_request(self.auth["password"]))
        while not stop.is_set():
            try:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                conn.request("POST", url.path, body=body,
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
                if response.status == 201:
                    self.project = json.loads(body)["token"]["project"]["id"]
                    self.token = response.getheader("X-Subject-Token")
                    self.ready.set()
                    stop.wait(TOKEN_RENEWAL)
                    continue
            except Exception:  # noqa: BLE001 - Keystone away: keep the old token, retry
                pass
            stop.wait(2.0)


def request(method: str, url: str, body: str | None, timeout: float,
            connect_timeout: float | None = None, token: str | None = None
            ) -> tuple[int, bytes]:
    """Connecting gets `connect_timeout` (default: `timeout`), the answer `timeout`. The
    prober's URLs are HAProxy's on a VIP: a connection it does not accept at once is a VIP
    nobody holds, and waiting for the kernel's SYN retries (1 s, then 3 s...) would blur
    when it came back."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                      timeout=connect_timeout or timeout)
    try:
        conn.connect()
        conn.sock.settimeout(timeout)
        headers = {"Content-Type": "application/json", "Connection": "close"}
        if token:
            headers["X-Auth-Token"] = token
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def probe_loop(name: str, spec: dict, config: dict, out, lock: threading.Lock,
               stop: threading.Event, keeper: TokenKeeper) -> None:
    interval = spec.get("interval", config.get("interval", 0.2))
    timeout = config.get("timeout", 5.0)
    connect_timeout = config.get("connect_timeout", timeout)
    if spec.get("auth"):
        while not keeper.ready.wait(0.5):
            if stop.is_set():
                return
    next_start = time.time()
    while not stop.is_set():
        started = time.time()
        ok, detail, ident = False, "", None
        try:
            url = spec["url"].replace("{project_id}", keeper.project)
            status, body = request(spec["method"], url, spec.get("body"), timeout,
                                   connect_timeout, keeper.token if spec.get("auth") else None)
            ok = status == spec.get("expect", 200)
            if ok and name == "db_write":
                ident = json.loads(body).get("id")
            if not ok:
                detail = f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - every failure is a sample, never a crash
            detail = type(exc).__name__
        sample = {"path": name, "t0": round(started, 3), "t1": round(time.time(), 3),
                  "ok": ok}
        if ident is not None:
            sample["id"] = ident
        if detail:
            sample["detail"] = detail
        with lock:
            out.write(json.dumps(sample) + "\n")
            out.flush()
        next_start = max(next_start + interval, time.time())
        stop.wait(max(0.0, next_start - time.time()))


def flow_loop(name: str, spec: dict, config: dict, out, lock: threading.Lock,
              stop: threading.Event) -> None:
    """An RPC-crossing check (ngha.measurement.flows) run again `interval` after each one
    ended; one in flight at a time. Its token, with the service catalog, is its own."""
    from ngha.measurement.flows import DEADLINE, FLOWS, LEFTOVER_KINDS, purge_leftovers
    from ngha.measurement.openstack_check import Cloud

    keystone, password = config["auth"]["keystone"], config["auth"]["password"]
    cloud, cloud_at, made, clean = None, 0.0, {}, False
    try:
        while not stop.is_set():
            started = time.time()
            sample = {"path": name, "t0": round(started, 3)}
            try:
                if cloud is None or started - cloud_at > TOKEN_RENEWAL:
                    cloud, cloud_at = Cloud(keystone, password), started
                if not clean:  # at the start, and after a run that failed or left something
                    clean = purge_leftovers(cloud, LEFTOVER_KINDS[name])
                if name == "server-create" and not made.get("image"):
                    _server_inputs(cloud, made)
                result = FLOWS[name](cloud, made, spec.get("deadline", DEADLINE))
                sample.update(ok=result.ok, detail=result.detail)
                clean = clean and result.ok and not result.left
                if result.stuck:
                    sample["stuck"] = result.stuck
            except Exception as exc:  # noqa: BLE001 - every failure is a sample
                sample.update(ok=False, detail=f"{type(exc).__name__}: {exc}"[:200])
                clean = False
                if "401" in str(exc):
                    cloud = None
            sample["t1"] = round(time.time(), 3)
            with lock:
                out.write(json.dumps(sample) + "\n")
                out.flush()
            stop.wait(spec.get("interval", 2.0))
    finally:
        made_paths = {"flavor": ("compute", "/flavors/{}"), "image": ("image", "/v2/images/{}")}
        for key, (kind, path) in made_paths.items():
            if key not in made:
                continue
            path = path.format(made[key])
            try:
                cloud = cloud or Cloud(keystone, password)
                cloud.call("DELETE", kind, path)
            except Exception:  # noqa: BLE001 - left for the lab's next clean-up
                pass


def _server_inputs(cloud, made: dict) -> None:
    """The flavor and image a server create names, each put in `made` as soon as it
    exists (the loop deletes what is there at its end), made once."""
    name = f"ngha-flow-{os.getpid()}-{int(time.time())}"  # a retry after a failure: new
    if "flavor" not in made:
        status, _, data = cloud.call("POST", "compute", "/flavors", {"flavor": {
            "name": name, "ram": 64, "vcpus": 1, "disk": 1}})
        if status != 200:
            raise RuntimeError(f"flavor create answered {status}")
        made["flavor"] = json.loads(data)["flavor"]["id"]
    status, _, data = cloud.call("POST", "image", "/v2/images", {
        "name": name, "disk_format": "raw", "container_format": "bare"})
    if status != 201:
        raise RuntimeError(f"image create answered {status}")
    image = json.loads(data)["id"]
    status, _, _ = cloud.call("PUT", "image", f"/v2/images/{image}/file",
                              headers={"Content-Type": "application/octet-stream"},
                              raw=b"\0" * 4096)
    if status != 204:  # an image without data cannot boot: made again next time
        cloud.call("DELETE", "image", f"/v2/images/{image}")
        raise RuntimeError(f"image upload answered {status}")
    made["image"] = image


def main(argv: list[str]) -> int:
    with open(argv[1]) as f:
        config = json.load(f)
    os.unlink(argv[1])  # it holds a password: gone from disk as soon as it is read
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = threading.Lock()
    keeper = TokenKeeper(config.get("auth"))
    with open(config["output"], "a") as out:
        threads = [threading.Thread(target=probe_loop, name=name,
                                    args=(name, spec, config, out, lock, stop, keeper))
                   for name, spec in config["paths"].items()]
        threads += [threading.Thread(target=flow_loop, name=name,
                                     args=(name, spec, config, out, lock, stop))
                    for name, spec in config.get("flows", {}).items()]
        threads.append(threading.Thread(target=keeper.run, name="token", args=(stop,)))
        for thread in threads:
            thread.start()
        while not stop.is_set():
            stop.wait(0.5)
            if os.getppid() != parent:  # ngha was killed: do not probe forever
                stop.set()
        for thread in threads:  # a flow ends the one it runs: nothing of it left behind
            thread.join(timeout=flow_stop_seconds(config.get("flows", {}))
                        if thread.name in config.get("flows", {}) else 10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
