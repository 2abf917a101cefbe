"""The prober's request: a short wait to connect, the full timeout for the answer."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ngha.measurement.prober import request


class SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        time.sleep(0.6)  # longer than the connect timeout, well inside the answer's
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client that gave up closed the connection: expected


@pytest.fixture
def slow_server():
    server = QuietServer(("127.0.0.1", 0), SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_a_slow_answer_is_waited_for(slow_server):
    assert request("GET", slow_server, None, timeout=5.0, connect_timeout=0.25) == (200, b"ok")


def test_a_slow_answer_past_the_timeout_fails(slow_server):
    with pytest.raises(TimeoutError):
        request("GET", slow_server, None, timeout=0.3, connect_timeout=0.25)


def test_nobody_listening_fails_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        started = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            request("GET", f"http://127.0.0.1:{port}/", None, timeout=5.0, connect_timeout=0.25)
    assert time.monotonic() - started < 0.25


def test_without_a_connect_timeout_the_answers_applies(slow_server):
    # as the demo's client checks call it
    assert request("GET", slow_server, None, 5.0) == (200, b"ok")


def test_a_measurement_waits_until_every_path_answered_its_last_requests(tmp_path):
    """An API process that has not answered yet (one per node, reached in turn) must not
    count against what is measured next."""
    import json as _json

    from ngha.measurement.probes import RECOVERED_AFTER, Probes

    probes = Probes(directory=tmp_path, paths=("keystone", "server"))
    lines = [{"path": "keystone", "t0": i, "t1": i + 0.1, "ok": True} for i in range(6)]
    lines += [{"path": "server", "t0": 0, "t1": 5, "ok": True},
              {"path": "server", "t0": 1, "t1": 6, "ok": False, "detail": "TimeoutError"}]
    probes.output.write_text("".join(_json.dumps(x) + "\n" for x in lines))
    assert probes.wait_answering(timeout=0) == ["server"]
    more = [{"path": "server", "t0": 10 + i, "t1": 10.1 + i, "ok": True}
            for i in range(RECOVERED_AFTER)]
    with probes.output.open("a") as f:
        f.write("".join(_json.dumps(x) + "\n" for x in more))
    assert probes.wait_answering(timeout=0) == []


def test_reading_while_the_prober_writes_parses_each_whole_line_once(tmp_path):
    import json as _json

    from ngha.measurement.probes import Probes

    probes = Probes(directory=tmp_path)
    assert probes.read() == []  # the prober has not written yet
    first = _json.dumps({"path": "vip", "t0": 1, "t1": 1.1, "ok": True}) + "\n"
    second = _json.dumps({"path": "vip", "t0": 2, "t1": 2.1, "ok": False})
    probes.output.write_text(first + second[:20])  # the second line half written
    assert [s.t0 for s in probes.read()] == [1]
    with probes.output.open("a") as f:
        f.write(second[20:] + "\n")
    samples = probes.read()
    assert [(s.t0, s.ok) for s in samples] == [(1, True), (2, False)]
    assert probes.read() == samples  # nothing new: the same, parsed once


class FakeCloudHandler(BaseHTTPRequestHandler):
    """Keystone with a catalog, and just enough of Nova and Glance for a server create
    that ends in ERROR/NoValidHost; every DELETE is recorded."""

    deleted: list[str] = []

    def _send(self, status, body=None, headers=()):
        import json as _json
        data = _json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self):  # noqa: N802 - http.server's name
        self._read_body()
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/v3/auth/tokens":
            catalog = [{"type": kind, "endpoints": [{"interface": "public",
                                                      "url": f"{base}/{kind}"}]}
                       for kind in ("compute", "image")]
            self._send(201, {"token": {"project": {"id": "p"}, "catalog": catalog}},
                       [("X-Subject-Token", "t")])
        elif self.path == "/compute/flavors":
            self._send(200, {"flavor": {"id": "f1"}})
        elif self.path == "/image/v2/images":
            self._send(201, {"id": "i1"})
        elif self.path == "/compute/servers":
            self._send(202, {"server": {"id": "s1"}})

    def do_PUT(self):  # noqa: N802
        self._read_body()
        self._send(204)

    def do_GET(self):  # noqa: N802
        self._send(200, {"server": {"status": "ERROR",
                                    "fault": {"message": "No valid host was found. "}}})

    def do_DELETE(self):  # noqa: N802
        FakeCloudHandler.deleted.append(self.path)
        self._send(204)

    def log_message(self, *args):
        pass


def test_a_flow_runs_over_and_over_and_deletes_all_it_made(tmp_path):
    import io
    import json as _json

    from ngha.measurement.prober import flow_loop

    server = QuietServer(("127.0.0.1", 0), FakeCloudHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeCloudHandler.deleted = []
    keystone = f"http://127.0.0.1:{server.server_address[1]}"
    out, stop = io.StringIO(), threading.Event()
    runner = threading.Thread(target=flow_loop, args=(
        "server-create", {"interval": 0.1, "deadline": 5},
        {"auth": {"keystone": keystone, "password": "pw"}}, out, threading.Lock(), stop))
    runner.start()
    time.sleep(2.5)
    stop.set()
    runner.join(timeout=10)
    server.shutdown()
    samples = [_json.loads(line) for line in out.getvalue().splitlines()]
    assert len(samples) >= 2 and all(s["ok"] for s in samples), samples
    assert all(s["path"] == "server-create" and s["t1"] >= s["t0"] for s in samples)
    assert FakeCloudHandler.deleted.count("/compute/servers/s1") == len(samples)
    assert FakeCloudHandler.deleted[-2:] == ["/compute/flavors/f1", "/image/v2/images/i1"]


def test_stopping_waits_for_the_longest_flow_deadline_and_its_clean_up():
    from ngha.measurement.flows import DEADLINE
    from ngha.measurement.prober import FLOW_GRACE, flow_stop_seconds

    assert flow_stop_seconds({}) == FLOW_GRACE
    assert flow_stop_seconds({"server-create": {"deadline": 240.0},
                              "network-delete": {}}) == 240.0 + FLOW_GRACE
    assert flow_stop_seconds({"network-delete": {}}) == DEADLINE + FLOW_GRACE
