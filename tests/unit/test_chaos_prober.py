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
