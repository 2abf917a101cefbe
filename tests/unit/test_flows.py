"""The RPC-crossing checks against a scripted cloud: a final state ends them, a deadline
passed leaves a `stuck` object with the command that clears it, and everything made is
deleted either way."""

from __future__ import annotations

import json

from ngha.measurement.flows import poll, server_create, stack_create, volume_create


class ScriptedCloud:
    """Answers a create, then the states listed, one per read; records every call."""

    def __init__(self, kind: str, states: list[str], created: tuple[int, dict]):
        self.kind, self.states, self.created, self.calls = kind, list(states), created, []

    def call(self, method, kind, path, body=None, headers=None):
        self.calls.append((method, path))
        if method == "POST" and not path.endswith("/action"):
            return self.created[0], {}, json.dumps(self.created[1]).encode()
        if method == "GET":
            state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
            return 200, {}, json.dumps(self._body(state)).encode()
        return 204, {}, b""

    def _body(self, state):
        if self.kind == "server":
            status, _, fault = state.partition(": ")
            return {"server": {"status": status, **({"fault": {"message": fault}}
                                                      if fault else {})}}
        if self.kind == "volume":
            return {"volume": {"status": state}}
        return {"stack": {"stack_status": state}}


MADE = {"image": "i", "flavor": "f"}


def test_poll_ends_on_a_final_state_or_the_deadline_and_survives_a_failing_read():
    now = [0.0]
    reads = iter([RuntimeError("away"), "BUILD", "ERROR"])

    def read():
        value = next(reads)
        if isinstance(value, Exception):
            raise value
        return value
    clock, sleep = (lambda: now[0]), (lambda s: now.__setitem__(0, now[0] + s))
    assert poll(read, lambda s: s == "ERROR", 10, clock=clock, sleep=sleep) == ("ERROR", True)
    assert poll(lambda: "BUILD", lambda s: s == "ERROR", 3, clock=clock,
                sleep=sleep) == ("BUILD", False)


def test_a_server_ending_novalidhost_passes_and_is_deleted():
    cloud = ScriptedCloud("server", ["BUILD", "ERROR: No valid host was found. "],
                          (202, {"server": {"id": "s1"}}))
    result = server_create(cloud, MADE, deadline=5)
    assert result.ok and result.stuck is None
    assert ("DELETE", "/servers/s1") in cloud.calls


def test_a_server_stuck_in_build_is_a_failure_naming_the_operators_command():
    cloud = ScriptedCloud("server", ["BUILD"], (202, {"server": {"id": "s2"}}))
    result = server_create(cloud, MADE, deadline=1.5)
    assert not result.ok and result.stuck == "openstack server delete s2"
    assert "still BUILD" in result.detail and ("DELETE", "/servers/s2") in cloud.calls


def test_a_volume_stuck_creating_is_reset_then_deleted():
    cloud = ScriptedCloud("volume", ["creating"], (202, {"volume": {"id": "v1"}}))
    result = volume_create(cloud, MADE, deadline=1.5)
    assert not result.ok and "openstack volume delete v1" in result.stuck
    assert cloud.calls[-2:] == [("POST", "/volumes/v1/action"), ("DELETE", "/volumes/v1")]


def test_a_failed_stack_ends_the_flow_as_a_failure_not_a_wait():
    cloud = ScriptedCloud("stack", ["CREATE_IN_PROGRESS", "CREATE_FAILED"],
                          (201, {"stack": {"id": "k1"}}))
    result = stack_create(cloud, MADE, deadline=5)
    assert not result.ok and result.stuck is None and result.detail == "CREATE_FAILED"


def test_leftovers_of_its_own_kind_named_as_flows_name_them_are_purged_nothing_else():
    from ngha.measurement.flows import PREFIX, purge_leftovers

    class Cloud:
        def __init__(self):
            self.calls = []

        def call(self, method, kind, path, body=None, headers=None):
            self.calls.append((method, kind, path))
            if method == "GET" and kind == "volumev3":
                return 200, {}, json.dumps({"volumes": [
                    {"id": "v1", "name": f"{PREFIX}1", "status": "creating"},
                    {"id": "v2", "name": "a-users-volume", "status": "creating"},
                    {"id": "v3", "name": f"{PREFIX}3", "status": "error"}]}).encode()
            if method == "GET":
                return 200, {}, json.dumps({"servers": [{"id": "s1", "name": f"{PREFIX}s"}]}
                                           ).encode()
            return 202, {}, b""

    cloud = Cloud()
    assert purge_leftovers(cloud, ("volumev3",)) is True
    assert [p for m, _, p in cloud.calls if m == "DELETE"] == ["/volumes/v1", "/volumes/v3"]
    assert ("POST", "volumev3", "/volumes/v1/action") in cloud.calls  # reset, then delete
    assert not any("v2" in path for _, _, path in cloud.calls)  # not ngha's: untouched
    assert not any(kind == "compute" for _, kind, _ in cloud.calls)  # another flow's kind


def test_a_refused_delete_or_list_is_work_left_for_the_next_purge():
    from ngha.measurement.flows import network_delete, purge_leftovers

    class Cloud:
        def call(self, method, kind, path, body=None, headers=None):
            if method == "POST":
                return 201, {}, json.dumps({"network": {"id": "n1"}}).encode()
            if method == "GET":
                return 503, {}, b""
            return 409, {}, b""  # the delete refused

    result = network_delete(Cloud(), {})
    assert not result.ok and result.left
    assert purge_leftovers(Cloud(), ("network",)) is False  # could not even list
