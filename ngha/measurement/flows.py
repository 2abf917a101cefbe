"""Checks that cross a service's RPC, run over and over during a fault: each makes one
object, polls it to a final state with a deadline, and deletes it. A request that never
ends is a failure, never a wait: by hand on the lab, the first `server create` after a
cluster-wide RabbitMQ restart stayed in BUILD for good (its cast to the conductor was
lost). An object left in a non-final state at the deadline is `stuck`: the operator's
command that clears it is recorded (the matrix's manual action), and run.

Standard library only (it runs in the lab's client namespace, in the prober).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Callable

DEADLINE = 60.0  # for an object to reach a final state


@dataclass
class FlowResult:
    ok: bool
    detail: str
    stuck: str | None = None  # the command that clears what was left behind
    # the object's state as the flow read it ("HTTP 404" once the delete is done), for a
    # caller that waits for the delete too (`ngha lab check`); None: deleted at once
    read: Callable[[], str] | None = None
    left: bool = False  # its delete was refused: purge_leftovers has work to do


DELETED = (202, 204, 404)


def _delete(cloud, kind: str, path: str) -> bool:
    """Whether the API took the delete (or the object was gone already)."""
    try:
        status, _, _ = cloud.call("DELETE", kind, path)
    except Exception:  # noqa: BLE001 - the API away: left for purge_leftovers
        return False
    return status in DELETED


def poll(read: Callable[[], str], final: Callable[[str], bool], deadline: float,
         interval: float = 1.0, clock=time.monotonic, sleep=time.sleep) -> tuple[str, bool]:
    """(last state, reached a final one) after polling until final(state) or the deadline;
    a read that raises counts as a state (the API away), not an end."""
    end = clock() + deadline
    while True:
        try:
            state = read()
        except Exception as exc:  # noqa: BLE001 - the API away: keep polling
            state = type(exc).__name__
        if final(state):
            return state, True
        if clock() >= end:
            return state, False
        sleep(interval)


PREFIX = "ngha-flow-"  # every object a flow makes is named so: leftovers can be found


def _name() -> str:
    return f"{PREFIX}{uuid.uuid4().hex[:8]}"


# kind, list path, the key of the list in its answer, the delete path of one object
LEFTOVERS = (("compute", f"/servers?name=^{PREFIX}", "servers", "/servers/{id}"),
             ("volumev3", "/volumes/detail", "volumes", "/volumes/{id}"),
             ("orchestration", "/stacks", "stacks", "/stacks/{stack_name}/{id}"),
             ("network", "/v2.0/networks", "networks", "/v2.0/networks/{id}"))


def purge_leftovers(cloud, kinds: tuple[str, ...]) -> bool:
    """Delete what earlier flows left behind (a prober killed mid-run, a delete the API
    refused during a fault): every object of these kinds named PREFIX*, nothing else.
    Left, they eat the project's quota: on the lab ten servers stayed in ERROR, and every
    later server create was refused (403, quota exceeded). Each flow purges its own kind
    only (another flow's object may be under way). Whether every leftover is gone."""
    done = True
    for kind, path, key, delete in LEFTOVERS:
        if kind not in kinds:
            continue
        status, _, data = cloud.call("GET", kind, path)
        if status != 200:
            done = False
            continue
        for item in json.loads(data).get(key, []):
            name = item.get("name") or item.get("stack_name") or ""
            if not name.startswith(PREFIX):
                continue
            if kind == "volumev3" and item.get("status") == "creating":
                cloud.call("POST", kind, f"/volumes/{item['id']}/action",
                           {"os-reset_status": {"status": "error"}})
            done = _delete(cloud, kind, delete.format(**item)) and done
    return done


def server_create(cloud, made: dict, deadline: float = DEADLINE) -> FlowResult:
    """api -> conductor -> scheduler -> placement: no compute node, so the end is ERROR
    with NoValidHost (`made` holds the image and flavor the prober created once)."""
    status, _, data = cloud.call("POST", "compute", "/servers", {"server": {
        "name": _name(), "imageRef": made["image"], "flavorRef": made["flavor"],
        "networks": "none"}}, headers={"OpenStack-API-Version": "compute 2.37",
                                       "X-OpenStack-Nova-API-Version": "2.37"})
    if status != 202:
        return FlowResult(False, f"create answered {status}")
    server = json.loads(data)["server"]["id"]

    def read() -> str:
        code, _, body = cloud.call("GET", "compute", f"/servers/{server}")
        if code != 200:
            return f"HTTP {code}"
        found = json.loads(body)["server"]
        fault = found.get("fault", {}).get("message", "")
        return found["status"] + (f": {fault}" if fault else "")
    state, ended = poll(read, lambda s: s.startswith(("ERROR", "ACTIVE")), deadline)
    left = not _delete(cloud, "compute", f"/servers/{server}")
    if not ended:
        return FlowResult(False, f"still {state} after {deadline:.0f} s",
                          stuck=f"openstack server delete {server}", left=left)
    return FlowResult(state.startswith("ERROR") and "No valid host" in state, state,
                      read=read, left=left)


def volume_create(cloud, made: dict, deadline: float = DEADLINE) -> FlowResult:
    """api -> scheduler -> the active/passive volume service: `available`."""
    status, _, data = cloud.call("POST", "volumev3", "/volumes",
                                 {"volume": {"size": 1, "name": _name()}})
    if status != 202:
        return FlowResult(False, f"create answered {status}")
    volume = json.loads(data)["volume"]["id"]

    def read() -> str:
        code, _, body = cloud.call("GET", "volumev3", f"/volumes/{volume}")
        return json.loads(body)["volume"]["status"] if code == 200 else f"HTTP {code}"
    state, ended = poll(read, lambda s: s in ("available", "error"), deadline)
    stuck = None
    if not ended and state == "creating":  # cannot be deleted as it is: reset it first
        stuck = (f"openstack volume set --state error {volume} && "
                 f"openstack volume delete {volume}")
        cloud.call("POST", "volumev3", f"/volumes/{volume}/action",
                   {"os-reset_status": {"status": "error"}})
    left = not _delete(cloud, "volumev3", f"/volumes/{volume}")
    if not ended:
        return FlowResult(False, f"still {state} after {deadline:.0f} s", stuck=stuck,
                          left=left)
    return FlowResult(state == "available", state, read=read, left=left)


def network_delete(cloud, made: dict, deadline: float = DEADLINE) -> FlowResult:
    """A network created and deleted (the delete asks placement and the RPC server)."""
    status, _, data = cloud.call("POST", "network", "/v2.0/networks",
                                 {"network": {"name": _name()}})
    if status != 201:
        return FlowResult(False, f"create answered {status}")
    network = json.loads(data)["network"]["id"]
    status, _, _ = cloud.call("DELETE", "network", f"/v2.0/networks/{network}")
    if status != 204:
        return FlowResult(False, f"delete answered {status}",
                          stuck=f"openstack network delete {network}", left=True)
    return FlowResult(True, "created and deleted")


STACK_TEMPLATE = {"heat_template_version": "2018-08-31",
                  "resources": {"secret": {"type": "OS::Heat::RandomString",
                                           "properties": {"length": 8}}}}


# a resource that takes SLOW_SECONDS to create: the engine is at work when a fault comes
SLOW_SECONDS = 20
SLOW_TEMPLATE = {"heat_template_version": "2018-08-31",
                 "resources": {"slow": {"type": "OS::Heat::TestResource", "properties": {
                     "action_wait_secs": {"create": SLOW_SECONDS, "delete": 0}}}}}


def stack_create(cloud, made: dict, deadline: float = DEADLINE,
                 template: dict = STACK_TEMPLATE) -> FlowResult:
    """api -> engine over RPC: CREATE_COMPLETE."""
    name = _name()
    status, _, data = cloud.call("POST", "orchestration", "/stacks", {
        "stack_name": name, "template": template, "timeout_mins": 5})
    if status != 201:
        return FlowResult(False, f"create answered {status}")
    path = f"/stacks/{name}/{json.loads(data)['stack']['id']}"

    def read() -> str:
        code, _, body = cloud.call("GET", "orchestration", path)
        return json.loads(body)["stack"]["stack_status"] if code == 200 else f"HTTP {code}"
    state, ended = poll(read, lambda s: s.endswith(("_COMPLETE", "_FAILED")), deadline)
    left = not _delete(cloud, "orchestration", path)
    if not ended:
        return FlowResult(False, f"still {state} after {deadline:.0f} s",
                          stuck=f"openstack stack delete --yes {name}", left=left)
    return FlowResult(state == "CREATE_COMPLETE", state, read=read, left=left)


def stack_slow_create(cloud, made: dict, deadline: float = DEADLINE) -> FlowResult:
    """A stack whose resource takes SLOW_SECONDS: it ends COMPLETE or FAILED, never stays
    IN_PROGRESS (the engine-broker-loss fault's check)."""
    return stack_create(cloud, made, deadline + SLOW_SECONDS, template=SLOW_TEMPLATE)


# the kinds of object each flow makes, for purge_leftovers
LEFTOVER_KINDS = {"server-create": ("compute",), "volume-create": ("volumev3",),
                  "network-delete": ("network",), "stack-create": ("orchestration",),
                  "stack-slow-create": ("orchestration",)}

FLOWS = {"server-create": server_create, "volume-create": volume_create,
         "network-delete": network_delete, "stack-create": stack_create,
         "stack-slow-create": stack_slow_create}
