"""The prober: runs in the lab's client namespace during a scenario, where a real client
of the cloud would be, and sends through the VIPs, every 200 ms on every path:

- keystone: a token request (POST /v3/auth/tokens);
- db_write: a probe write that is acknowledged only after its commit (the id is kept:
  every acknowledged id must still be in the database after recovery);
- rpc: a probe RPC round-trip over RabbitMQ to a server on any node;
- vip: HAProxy's own stats page on the control VIP (the VIP and HAProxy alone).

Each request's start, end and outcome is one JSON line in the output file. Standard
library only: it runs under ngha's Python inside the client's network namespace.

    python -m ngha.measurement.prober CONFIG.json      (SIGTERM ends it)

CONFIG (mode 0600, it holds the Keystone password): {"output": path, "interval": 0.2,
"timeout": 5, "connect_timeout": 0.25, "paths": {name: {"method", "url", "body"?,
"expect"}}}.
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


def request(method: str, url: str, body: str | None, timeout: float,
            connect_timeout: float | None = None) -> tuple[int, bytes]:
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
        conn.request(method, parts.path or "/", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def probe_loop(name: str, spec: dict, config: dict, out, lock: threading.Lock,
               stop: threading.Event) -> None:
    interval, timeout = config.get("interval", 0.2), config.get("timeout", 5.0)
    connect_timeout = config.get("connect_timeout", timeout)
    next_start = time.time()
    while not stop.is_set():
        started = time.time()
        ok, detail, ident = False, "", None
        try:
            status, body = request(spec["method"], spec["url"], spec.get("body"), timeout,
                                   connect_timeout)
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


def main(argv: list[str]) -> int:
    with open(argv[1]) as f:
        config = json.load(f)
    os.unlink(argv[1])  # it holds a password: gone from disk as soon as it is read
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = threading.Lock()
    with open(config["output"], "a") as out:
        threads = [threading.Thread(target=probe_loop, name=name,
                                    args=(name, spec, config, out, lock, stop))
                   for name, spec in config["paths"].items()]
        for thread in threads:
            thread.start()
        while not stop.is_set():
            stop.wait(0.5)
            if os.getppid() != parent:  # ngha was killed: do not probe forever
                stop.set()
        for thread in threads:
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
