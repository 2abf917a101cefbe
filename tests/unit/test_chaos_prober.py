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
