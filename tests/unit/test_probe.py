"""ngha-probe, run for real: the service under /usr/bin/python3 with Debian's oslo libraries (as
on the nodes), SQLite for the database and oslo.messaging's in-memory `fake` driver, whose RPC
server answers the calls of the same process. Unreachable MySQL and RabbitMQ are 127.0.0.1:1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import ngha.probe as probe
from tests.conftest import ROOT, require_tool

SYSTEM_PYTHON = "/usr/bin/python3"
SERVICE = ROOT / "ngha/probe/service.py"
SECRET_DB = "SECRETPW-db-9f2c"
SECRET_MQ = "SECRETPW-mq-41ab"


@pytest.fixture(scope="module")
def system_python() -> str:
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import oslo_config, oslo_db, oslo_messaging, "
                            "pymysql, sqlalchemy"], capture_output=True, text=True)
    if check.returncode != 0:
        pytest.fail(f"{SYSTEM_PYTHON} lacks the oslo libraries the probe runs with: `make test` "
                    "installs them (python3-oslo.db python3-oslo.messaging python3-pymysql)\n"
                    + check.stderr[-500:])
    return SYSTEM_PYTHON


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Probe:
    proc: subprocess.Popen
    port: int
    stderr: Path

    def call(self, path: str, body: bytes | None = None) -> tuple[int, dict, float]:
        """(status, JSON answer, seconds taken)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                         method="POST" if body is not None else "GET")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, text = answer.status, answer.read()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read()
        return status, json.loads(text), time.monotonic() - started

    def write(self, payload: str | None = None) -> tuple[int, dict, float]:
        return self.call("/write", json.dumps({"payload": payload}).encode() if payload else b"")

    def log(self) -> str:
        return self.stderr.read_text()

    def terminate(self) -> tuple[int, float]:
        """SIGTERM; (exit status, seconds until it exited)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=15)
        return status, time.monotonic() - started


@pytest.fixture
def start_probe(system_python, tmp_path):
    started: list[Probe] = []

    def start(database: str, transport: str = "fake:/", role: str = "api",
              wait: str = "/health?deep=1", name: str = "probe") -> Probe:
        """Start a probe; for role api, wait until `wait` answers 200 (deep: the backends
        are connected too)."""
        conf, confd = tmp_path / f"{name}.conf", tmp_path / f"{name}.conf.d"
        confd.mkdir()
        port = free_port()
        conf.write_text(f"[DEFAULT]\ntransport_url = {transport}\n"
                        f"[database]\nconnection = {database}\n"
                        f"[api]\nhost = 127.0.0.1\nport = {port}\n"
                        f"[probe]\nnode_name = {name}-node\nrpc_timeout = 1\n")
        # The retry fragment as ngha renders it for every oslo service.
        (confd / "50-ngha-retry.conf").write_text(
            "[database]\nmax_retries = -1\ndb_max_retries = 100000\nretry_interval = 1\n")
        stderr = tmp_path / f"{name}.stderr"
        proc = subprocess.Popen(
            [system_python, str(SERVICE), "--config-file", str(conf), "--config-dir", str(confd),
             "--role", role], stdout=subprocess.DEVNULL, stderr=stderr.open("w"))
        started.append(running := Probe(proc, port, stderr))
        if wait and role == "api":
            deadline = time.monotonic() + 20
            while True:
                assert proc.poll() is None, f"probe exited {proc.returncode}:\n{running.log()}"
                try:
                    if running.call(wait)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"no {wait} in 20 s:\n{running.log()}"
                time.sleep(0.1)
        return running

    yield start
    for running in started:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()


def sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/probe.db"


def test_write_read_rpc_health(start_probe, tmp_path):
    node = start_probe(sqlite(tmp_path))
    status, first, _ = node.write("hello")
    assert status == 200 and first["node"] == "probe-node"
    status, second, _ = node.write()
    assert status == 200 and second["id"] > first["id"]
    status, row, _ = node.call(f"/read/{first['id']}")
    assert status == 200
    assert row["id"] == first["id"] and row["payload"] == "hello" and row["node"] == "probe-node"
    assert row["created_at"]
    assert node.call(f"/read/{second['id']}")[1]["payload"] is None
    assert node.call("/read/999999")[0] == 404
    assert node.call("/read/abc")[0] == 404
    assert node.call("/read/" + "9" * 30)[0] == 404
    assert node.call("/write", b"not json")[0] == 400
    assert node.call("/write", json.dumps({"payload": "x" * 300}).encode())[0] == 400

    status, rpc, _ = node.call("/rpc")
    assert status == 200 and rpc["served_by"] == rpc["via"] == "probe-node"
    assert isinstance(rpc["ms"], float)
    # More concurrent calls than RPC threads: they wait their turn, none is refused.
    with ThreadPoolExecutor(12) as pool:
        assert {c[0] for c in pool.map(lambda _: node.call("/rpc"), range(24))} == {200}
    assert node.call("/health")[:2] == (200, {"status": "ok", "node": "probe-node"})
    status, deep, _ = node.call("/health?deep=1")
    assert status == 200 and deep["database"] == deep["broker"] == "ok"
    assert node.call("/worker")[0] == 404  # no worker running
    assert node.call("/nothing")[0] == 404

    status, elapsed = node.terminate()
    assert status == 0 and elapsed < 5, node.log()
    assert "stopped" in node.log()


def test_backends_down_process_stays_up_and_answers_fast(start_probe):
    """MySQL and RabbitMQ unreachable, retried forever: /health stays 200, requests that
    need a backend answer 503 quickly, and no password reaches the log."""
    node = start_probe(f"mysql+pymysql://probe:{SECRET_DB}@127.0.0.1:1/probe",
                       transport=f"rabbit://probe:{SECRET_MQ}@127.0.0.1:1,"
                                 f"probe:{SECRET_MQ}@127.0.0.1:2/", wait="/health")
    status, answer, elapsed = node.write("lost")
    assert status == 503 and "id" not in answer and elapsed < 2
    assert answer["error"] == "database unavailable"
    status, answer, elapsed = node.call("/rpc")
    assert status == 503 and elapsed < 3, answer  # rpc_timeout 1 s + 1 s hard deadline
    assert node.call("/read/1")[0] == 503
    assert node.proc.poll() is None
    assert node.call("/health")[:2] == (200, {"status": "ok", "node": "probe-node"})
    status, deep, elapsed = node.call("/health?deep=1")
    assert status == 503 and deep["status"] == "failed" and elapsed < 4
    assert deep["database"] != "ok" and deep["broker"] != "ok"

    status, elapsed = node.terminate()
    assert status == 0 and elapsed < 5
    log = node.log()
    assert "SQL connection failed" in log  # oslo.db's own retry loop runs...
    assert "Connection failed" in log  # ...and oslo.messaging's
    assert SECRET_DB not in log and SECRET_MQ not in log


def test_database_lost_after_start_answers_503_never_an_id(start_probe, tmp_path):
    node = start_probe(sqlite(tmp_path))
    assert node.write("kept")[0] == 200
    # SQLite opens the file per connection: without it every statement fails (no table).
    (tmp_path / "probe.db").unlink()
    status, answer, elapsed = node.write("lost")
    assert status == 503 and "id" not in answer and elapsed < 2
    assert node.call("/health")[0] == 200
    assert node.proc.poll() is None


def test_worker_heartbeat_seen_by_api(start_probe, tmp_path):
    worker = start_probe(sqlite(tmp_path), role="worker", name="worker")
    api = start_probe(sqlite(tmp_path))
    deadline = time.monotonic() + 10
    while (answer := api.call("/worker"))[0] != 200:
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.2)
    assert answer[1]["node"] == "worker-node" and 0 <= answer[1]["age_seconds"] < 4
    status, elapsed = worker.terminate()
    assert status == 0 and elapsed < 5


def test_library_error_with_the_secret_is_masked(start_probe):
    """SQLAlchemy quotes the whole connection string when it cannot parse it: a configuration
    error (exit 2), said without the password."""
    node = start_probe(f"probe:{SECRET_DB}@nowhere/probe", wait="")
    assert node.proc.wait(timeout=20) == 2
    log = node.log()
    assert "[database] connection" in log and "Could not parse" in log
    assert SECRET_DB not in log


def test_masker(system_python):
    """The masking function itself, in the service's own interpreter."""
    code = f"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("ngha_probe", {str(SERVICE)!r})
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
mod.MASK.add_url("rabbit://u:p%40ss{SECRET_MQ}@h1:5672,u:p%40ss{SECRET_MQ}@h2:5672/", "mq")
texts = ["url rabbit://u:p%40ss{SECRET_MQ}@h1:5672,u:p%40ss{SECRET_MQ}@h2:5672/ end",
         "decoded p@ss{SECRET_MQ} and encoded p%40ss{SECRET_MQ}",
         "other mysql+pymysql://x:unknown@db/x and amqp://a:b@h1,c:d@h2/"]
print(json.dumps([mod.MASK(t) for t in texts]))
"""
    run = subprocess.run([system_python, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    url, passwords, other = json.loads(run.stdout)
    assert url == "url <mq> end"
    assert SECRET_MQ not in passwords and passwords.count("***") == 2
    assert other == "other mysql+pymysql://x:***@db/x and amqp://a:***@h1,c:***@h2/"


def test_units_run_the_installed_service(tmp_path):
    require_tool("systemd-analyze")
    for name, role in ((probe.API_UNIT, "api"), (probe.WORKER_UNIT, "worker")):
        text = probe.unit_source(name)
        exec_start = re.search(r"^ExecStart=(.*)$", text, re.M).group(1).split()
        assert exec_start == ["/usr/bin/python3", probe.INSTALL_PATH,
                              "--config-file", probe.CONFIG_FILE,
                              "--config-dir", probe.CONFIG_DIR, "--role", role]
        assert not re.search(r"^Restart=", text, re.M), "ngha adds Restart= as a drop-in"
        assert "Type=notify" in text
        (tmp_path / name).write_text(text)
    # Pacemaker owns the worker: it must not be enable-able by systemd.
    assert re.search(r"^\[Install\]", probe.unit_source(probe.API_UNIT), re.M)
    assert not re.search(r"^\[Install\]", probe.unit_source(probe.WORKER_UNIT), re.M)
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in probe.UNITS)],
        capture_output=True, text=True, env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"})
    complaints = [line for line in (verify.stdout + verify.stderr).splitlines()
                  if "ngha-probe" in line]
    assert verify.returncode == 0 and complaints == [], verify.stdout + verify.stderr
    with pytest.raises(ValueError):
        probe.unit_source("nope.service")


def test_shipped_text_matches_the_constants():
    source = probe.service_source()
    assert source.startswith('"""ngha-probe') and "import ngha" not in source
    assert f'default={probe.DEFAULT_PORT}' in source
    assert f'API_TOPIC = "{probe.API_TOPIC}"' in source
    assert f'WORKER_TOPIC = "{probe.WORKER_TOPIC}"' in source
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "probe/units/*" in data["tool"]["setuptools"]["package-data"]["ngha"]


def test_the_rendered_db_max_retries_makes_the_real_oslo_db_retry(system_python):
    """oslo.db documents db_max_retries = -1 as "retry forever"; its wrap_db_retry (12.1,
    Debian 12) retries only while the count left is above zero, so -1 retries nothing.
    The value ngha renders must make the real library retry a lost connection."""
    from ngha.profiles.build import DATABASE_RETRY

    code = (
        "import sys\n"
        "from unittest import mock\n"
        "from oslo_db import api, exception\n"
        "calls = []\n"
        "def lost_twice():\n"
        "    calls.append(1)\n"
        "    if len(calls) < 3:\n"
        "        raise exception.DBConnectionError(Exception('gone'))\n"
        "    return 'ok'\n"
        "for value in sys.argv[1:]:\n"
        "    calls.clear()\n"
        "    with mock.patch('oslo_db.api.time.sleep'):\n"
        "        try:\n"
        "            api.wrap_db_retry(max_retries=int(value), retry_on_disconnect=True)(\n"
        "                lost_twice)()\n"
        "            print(value, 'retried', len(calls))\n"
        "        except exception.DBConnectionError:\n"
        "            print(value, 'raised', len(calls))\n")
    run = subprocess.run([system_python, "-c", code, "-1", DATABASE_RETRY["db_max_retries"]],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-800:]
    assert run.stdout.splitlines() == [
        "-1 raised 1",  # the library as it is: -1 is no retry at all
        f"{DATABASE_RETRY['db_max_retries']} retried 3"]
