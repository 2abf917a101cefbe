"""One round of checks from where a client of the cloud sits (the lab's client
namespace), through the VIPs: a Keystone token issued and validated by every node's own
Keystone, a probe write read back, an RPC round-trip, the active/passive worker's
heartbeat. Standard library only; prints one JSON list.

    python -m ngha.measurement.client_check CONFIG.json
CONFIG (mode 0600, it holds the Keystone password): {"public_vip", "nodes": {name: address},
"admin_password", "openstack": true when the control plane is deployed (openstack_check)}.
"""

from __future__ import annotations

import json
import sys
import time

from ngha.measurement.openstack_check import token_request
from ngha.measurement.prober import request


def timed(name: str, work) -> dict:
    started = time.monotonic()
    try:
        ok, detail = work()
    except Exception as exc:  # noqa: BLE001 - a failed check is a row, not a crash
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return {"check": name, "ok": ok, "detail": detail,
            "ms": round((time.monotonic() - started) * 1000, 1)}


def openstack_rows(vip: str, config: dict) -> list[dict]:
    from ngha.measurement.openstack_check import Cloud, checks
    try:
        cloud = Cloud(f"http://{vip}:5000", config["admin_password"])
    except Exception as exc:  # noqa: BLE001 - no token: every OpenStack check fails
        return [{"check": "openstack: a token with the service catalog", "ok": False,
                 "detail": f"{type(exc).__name__}: {exc}", "ms": 0}]
    return [timed(name, work) for name, work in checks(cloud, config["nodes"])]


def main(argv: list[str]) -> int:
    with open(argv[1]) as f:
        config = json.load(f)
    vip = config["public_vip"]
    auth = json.dumps(token_request(config["admin_password"]))
    token: dict[str, str] = {}
    rows = []

    def issue():
        import http.client
        conn = http.client.HTTPConnection(vip, 5000, timeout=10)
        conn.request("POST", "/v3/auth/tokens", body=auth,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        token["value"] = response.getheader("X-Subject-Token") or ""
        return response.status == 201, f"HTTP {response.status} from the public VIP"

    rows.append(timed("keystone: token issued through the public VIP", issue))
    for node, address in config["nodes"].items():
        def validate(address=address):
            import http.client
            conn = http.client.HTTPConnection(address, 5000, timeout=10)
            conn.request("GET", "/v3/auth/tokens", headers={
                "X-Auth-Token": token.get("value", ""),
                "X-Subject-Token": token.get("value", "")})
            response = conn.getresponse()
            response.read()
            return response.status == 200, f"HTTP {response.status} from {address}"
        rows.append(timed(f"keystone: the token validated by {node}'s Keystone", validate))
    written: dict[str, int] = {}

    def write():
        status, body = request("POST", f"http://{vip}:8999/write", None, 10)
        if status == 200:
            written["id"] = json.loads(body)["id"]
        return status == 200, f"id {written.get('id')}" if written else f"HTTP {status}"

    def read():
        status, body = request("GET", f"http://{vip}:8999/read/{written.get('id', 0)}", None, 10)
        return status == 200, json.loads(body).get("node", "") if status == 200 else \
            f"HTTP {status}"

    def rpc():
        status, body = request("GET", f"http://{vip}:8999/rpc", None, 10)
        data = json.loads(body) if status == 200 else {}
        return status == 200, (f"via {data.get('via')}, served by {data.get('served_by')}"
                               if data else f"HTTP {status}")

    def worker():
        status, body = request("GET", f"http://{vip}:8999/worker", None, 10)
        data = json.loads(body) if status == 200 else {}
        return status == 200, (f"on {data.get('node')}, {data.get('age_seconds')} s ago"
                               if data else f"HTTP {status}")

    rows += [timed("probe: a database write (acknowledged after commit)", write),
             timed("probe: the write read back", read),
             timed("probe: an RPC round-trip over RabbitMQ", rpc),
             timed("probe: the active/passive worker's heartbeat", worker)]
    if config.get("openstack"):
        rows += openstack_rows(vip, config)
    print(json.dumps(rows))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
