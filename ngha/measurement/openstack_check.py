"""The OpenStack control plane, checked end to end from where a client sits, through the
public endpoints Keystone's catalog gives: each check crosses the service's API, its
database and, where it has one, its RPC path to the workers. Standard library only (it
runs in the lab's client namespace beside client_check); every object it makes is
deleted again, and every wait has a deadline (a request that never ends is a failure).

Checks: an image uploaded, then downloaded through every node's own Glance (the store
is shared); a flavor; a server created with no network, which must end in ERROR with
NoValidHost (api -> conductor -> scheduler -> placement: no compute nodes here); a
network created and deleted; a 1 GB volume until `available`, then deleted (api ->
scheduler -> the active/passive volume service); a Heat stack of one RandomString until
CREATE_COMPLETE, then deleted. The server, network, volume and stack checks are the
resilience matrix's flows (flows.py), each followed here by its delete waited for.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import time
import uuid
from urllib.parse import urlsplit

from ngha.measurement import flows

DEADLINE = 90.0  # seconds a state change may take
IMAGE_BYTES = 1024 * 1024


def token_request(password: str) -> dict:
    """The body of the admin's token request, scoped to the admin project."""
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}


class Cloud:
    """A token and the public endpoints of Keystone's catalog."""

    def __init__(self, keystone: str, password: str):
        status, headers, data = call("POST", f"{keystone}/v3/auth/tokens",
                                     token_request(password))
        if status != 201:
            raise RuntimeError(f"Keystone answered {status} to the token request")
        self.token = headers.get("X-Subject-Token", "")
        token = json.loads(data)["token"]
        self.project = token["project"]["id"]
        self.endpoints = {entry["type"]: next(e["url"] for e in entry["endpoints"]
                                              if e["interface"] == "public")
                          for entry in token.get("catalog", [])
                          if any(e["interface"] == "public" for e in entry["endpoints"])}

    def url(self, kind: str, path: str) -> str:
        if kind not in self.endpoints:
            raise RuntimeError(f"no public {kind} endpoint in Keystone's catalog")
        base = self.endpoints[kind].replace("%(project_id)s", self.project)
        return base.replace("%(tenant_id)s", self.project).rstrip("/") + path

    def call(self, method: str, kind: str, path: str, body=None, headers=None,
             raw: bytes | None = None):
        extra = {"X-Auth-Token": self.token, **(headers or {})}
        return call(method, self.url(kind, path), body, extra, raw)


def call(method: str, url: str, body=None, headers=None, raw: bytes | None = None,
         timeout: float = 30.0):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        sent = {"Accept": "application/json", **(headers or {})}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_for(read, done, what: str, deadline: float = DEADLINE):
    """Poll read() until done(value); a deadline passed is a failure with the last value."""
    end = time.monotonic() + deadline
    value = read()
    while not done(value):
        if time.monotonic() > end:
            raise RuntimeError(f"{what}: still {value} after {deadline:.0f} s")
        time.sleep(1)
        value = read()
    return value


def checks(cloud: Cloud, glances: dict[str, str]) -> list[tuple[str, callable]]:
    """(name, work) pairs; work returns (ok, detail). Shared state between them (the
    image, the flavor) lives in `made`, and is deleted by the last check."""
    name = f"ngha-check-{uuid.uuid4().hex[:8]}"
    made: dict[str, str] = {}
    content = os.urandom(IMAGE_BYTES)
    digest = hashlib.md5(content).hexdigest()

    def image_upload():
        status, _, data = cloud.call("POST", "image", "/v2/images", {
            "name": name, "disk_format": "raw", "container_format": "bare",
            "visibility": "private"})
        if status != 201:
            return False, f"create answered {status}"
        made["image"] = json.loads(data)["id"]
        status, _, _ = cloud.call("PUT", "image", f"/v2/images/{made['image']}/file",
                                  headers={"Content-Type": "application/octet-stream"},
                                  raw=content)
        return status == 204, f"{IMAGE_BYTES >> 20} MiB, upload answered {status}"

    def image_download(address: str):
        def work():
            status, _, data = call("GET", f"http://{address}:9292/v2/images/"
                                   f"{made.get('image')}/file",
                                   headers={"X-Auth-Token": cloud.token})
            same = status == 200 and hashlib.md5(data).hexdigest() == digest
            return same, f"HTTP {status}, " + ("same bytes" if same else "different bytes")
        return work

    def flavor():
        status, _, data = cloud.call("POST", "compute", "/flavors", {"flavor": {
            "name": name, "ram": 64, "vcpus": 1, "disk": 1}})
        if status == 200:
            made["flavor"] = json.loads(data)["flavor"]["id"]
        return status == 200, f"HTTP {status}"

    def flow(work):
        """A flow of the matrix's (flows.py), and then its object's delete waited for."""
        def run():
            result = work(cloud, made, DEADLINE)
            if result.read is None:
                return result.ok, result.detail
            wait_for(result.read, lambda s: s in ("HTTP 404", "DELETE_COMPLETE"),
                     "its delete")
            return result.ok, f"{result.detail}, then deleted"
        return run

    def clean_up():
        gone = []
        if "flavor" in made:
            status, _, _ = cloud.call("DELETE", "compute", f"/flavors/{made['flavor']}")
            gone.append(f"flavor {status}")
        if "image" in made:
            status, _, _ = cloud.call("DELETE", "image", f"/v2/images/{made['image']}")
            gone.append(f"image {status}")
        return all(g.endswith(("202", "204")) for g in gone), ", ".join(gone) or "nothing made"

    found = [("glance: an image uploaded through the public VIP", image_upload)]
    found += [(f"glance: the image downloaded through {node}'s Glance", image_download(a))
              for node, a in glances.items()]
    found += [("nova: a flavor created", flavor),
              ("nova: a server with no network ends ERROR/NoValidHost "
               "(api, conductor, scheduler, placement)", flow(flows.server_create)),
              ("neutron: a network created and deleted", flow(flows.network_delete)),
              ("cinder: a 1 GB volume available, then deleted", flow(flows.volume_create)),
              ("heat: a RandomString stack CREATE_COMPLETE, then deleted",
               flow(flows.stack_create)),
              ("clean-up: the check's image and flavor deleted", clean_up)]
    return found
