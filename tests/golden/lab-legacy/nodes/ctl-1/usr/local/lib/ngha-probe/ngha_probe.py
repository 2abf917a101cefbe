"""ngha-probe: a small service that behaves like an OpenStack service, so the database and
message-broker paths of a controller cluster can be watched from outside.

This file is copied to the controller nodes as /usr/local/lib/ngha-probe/ngha_probe.py and
runs under the system Python with the distribution's oslo libraries. It imports only the
standard library, oslo.config, oslo.db (SQLAlchemy, PyMySQL) and oslo.messaging: never ngha.

    python3 ngha_probe.py --config-file /etc/ngha-probe/ngha-probe.conf \\
        --config-dir /etc/ngha-probe/ngha-probe.conf.d --role api|worker

Roles
  api     HTTP API (below) + an RPC server on topic `ngha-probe` (server=<node_name>) whose
          `ping` returns the node name. Runs on every controller under systemd.
  worker  the active/passive worker (the part cinder-volume plays; Pacemaker runs exactly one):
          upserts a heartbeat row every 2 s and serves `ping` on topic `ngha-probe-worker`.

Both start while the database and/or the broker are down, retry forever and never exit
because a backend is down. Configuration errors (no connection, bad URL) exit with status 2.

HTTP API (role api, JSON answers; errors are {"error": ..., "detail": ...})
  POST /write          body optional {"payload": "..."} -> 200 {"id", "node"} only after the
                       commit succeeded; 503 otherwise; 400 bad body; 413 body too large
  GET  /read/<id>      200 {"id", "node", "payload", "created_at"}; 404 unknown id; 503
  GET  /rpc            RPC `ping` on topic ngha-probe, no server name (any node answers):
                       200 {"served_by", "via", "ms"}; 503 on timeout or broker errors.
                       /rpc?target=worker calls the worker's topic instead.
  GET  /health         200 {"status": "ok", "node"} while the process runs (HAProxy's check;
                       independent of the backends)
  GET  /health?deep=1  also SELECT 1 and an RPC ping: 200, or 503 with "status": "failed";
                       "database" and "broker" each say "ok" or what failed
  GET  /worker         the worker's last heartbeat {"node", "age_seconds"}; 404 none yet; 503
Every request that needs a backend answers within a bounded time: about [probe] db_timeout
for the database, [probe] rpc_timeout + 1 s for RPC. A write is retried once on a deadlock
(a Galera certification conflict); nothing else is retried within a request.

Options (oslo.config; files as for any OpenStack service, conf.d fragments override)
  [DEFAULT] transport_url       oslo.messaging's own option, e.g.
                                rabbit://user:pw@ctl-0:5672,user:pw@ctl-1:5672/ (required)
  [DEFAULT] executor_thread_pool_size   oslo.messaging's; defaults to 4 here (lean)
  [oslo_messaging_rabbit] ...   oslo.messaging's options as usual (rabbit_retry_interval,
                                rabbit_interval_max, heartbeat_timeout_threshold, ...)
  [database] connection         oslo.db's, e.g. mysql+pymysql://ngha_probe:pw@VIP/ngha_probe
  [database] max_retries, retry_interval   oslo.db's startup retries: with max_retries = -1
                                oslo.db itself retries forever; with a finite value the probe
                                starts oslo.db's loop again after it gives up (never exits).
  [database] max_pool_size (default 2 here), max_overflow (3), pool_timeout (half of
                                [probe] db_timeout) and the other oslo.db options.
  [database] db_max_retries, db_retry_interval, ...   registered and accepted, but unused,
                                as in most services: oslo.db reads them only in its DBAPI
                                with use_db_reconnect (and there 12.1 treats -1 as no retry).
  [database] connection_parameters   for MySQL defaults to connect/read/write timeouts of
                                half of [probe] db_timeout and charset=utf8mb4; setting it
                                replaces that default, so repeat the timeouts if you set it.
  [api] host (default 0.0.0.0; ngha sets the node's own address), [api] port (8999)
  [probe] node_name (default: the hostname), rpc_timeout (5 s), db_timeout (5 s)

Logging goes to stderr (the journal) at INFO: one line per kind of failure of a path in an
outage and one when it is back, not one per request; the libraries' retry lines are thinned
to one a minute, without tracebacks. The database connection, the transport URL and their
passwords are masked in every log line and answer.

Clean shutdown on SIGTERM/SIGINT within a few seconds. With Type=notify, READY=1 is sent
once the HTTP port is bound (api) or the worker has started, never waiting for a backend.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import logging
import os
import re
import resource
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# oslo.messaging imports oslo.service, which imports eventlet, whose green DNS resolver pulls
# in dnspython and httpx: ~20 MiB for nothing, as nothing here is monkey-patched.
os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")

import oslo_messaging  # noqa: E402 - after the environment above
import sqlalchemy as sa  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_db import exception as db_exc  # noqa: E402
from oslo_db import options as db_options  # noqa: E402
from oslo_db.sqlalchemy import enginefacade  # noqa: E402
from oslo_messaging import opts as messaging_opts  # noqa: E402
from sqlalchemy.dialects import mysql  # noqa: E402

LOG = logging.getLogger("ngha-probe")
CONF = cfg.CONF

API_TOPIC = "ngha-probe"
WORKER_TOPIC = "ngha-probe-worker"
HEARTBEAT_SECONDS = 2
MAX_BODY = 4096
MAX_PAYLOAD = 255
# Calls stuck waiting for a broker connection keep their thread: at most this many, so
# threads do not pile up while the broker is down.
MAX_PENDING_RPC = 8
SHUTDOWN_SECONDS = 3

CLI_OPTS = [
    cfg.StrOpt("role", default="api", choices=["api", "worker"],
               help="api: HTTP API + RPC server on every node; worker: the A/P worker."),
]
API_OPTS = [
    cfg.HostAddressOpt("host", default="0.0.0.0", help="Address the HTTP API binds."),
    cfg.PortOpt("port", default=8999, help="Port of the HTTP API."),
]
PROBE_OPTS = [
    cfg.StrOpt("node_name", default=socket.gethostname(),
               help="Name this node answers with (RPC server name, rows it writes)."),
    cfg.FloatOpt("rpc_timeout", default=5.0, min=0.1, help="Seconds an RPC call may take."),
    cfg.FloatOpt("db_timeout", default=5.0, min=2,
                 help="Seconds a request may wait for the database (connect, read, write and "
                      "pool checkout each get half of it)."),
]


# --- secrets out of logs and answers ---------------------------------------------------

# user:password@ after a scheme or after the comma between hosts of a multi-host URL.
USERINFO = re.compile(r"(?P<lead>://|,)(?P<user>[^:/@\s,]*):(?P<pw>[^@\s/]*)@")


class Masker:
    """Replaces configured URLs and their passwords in any text; any other user:pw@ in a
    URL loses its password too."""

    def __init__(self) -> None:
        self.replacements: list[tuple[str, str]] = []

    def add_url(self, url: str | None, label: str) -> None:
        if not url:
            return
        self.replacements.append((url, f"<{label}>"))
        for match in USERINFO.finditer(url):
            for secret in {match["pw"], urllib.parse.unquote(match["pw"])}:
                if secret:
                    self.replacements.append((secret, "***"))
        # Longest first, so a URL is replaced whole before its password alone.
        self.replacements.sort(key=lambda pair: -len(pair[0]))

    def __call__(self, text: str) -> str:
        for secret, placeholder in self.replacements:
            text = text.replace(secret, placeholder)
        return USERINFO.sub(r"\g<lead>\g<user>:***@", text)


MASK = Masker()


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return MASK(super().format(record))  # message and traceback alike


class LibraryNoise(logging.Filter):
    """Library retry loops warn on every attempt (oslo.db each retry_interval, oslo.messaging
    each reconnect) and oslo.db logs a whole traceback per lost connection: let the first
    line of a kind through, then one a minute with a count, each without its traceback."""

    WINDOW = 60.0

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.seen: dict[tuple[str, str], tuple[float, int]] = {}  # -> (last shown, hidden)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == LOG.name or record.levelno < logging.WARNING:
            return True  # ours are already one per failure kind
        key = (record.name, str(record.msg))  # the template, not the formatted text
        now = time.monotonic()
        with self.lock:
            shown, hidden = self.seen.get(key, (-self.WINDOW, 0))
            if now - shown < self.WINDOW:
                self.seen[key] = (shown, hidden + 1)
                return False
            self.seen[key] = (now, 0)
        suffix = ""
        if record.exc_info and record.exc_info[1] is not None:
            suffix += f" ({short_error(record.exc_info[1])})"
            record.exc_info = record.exc_text = None
        if hidden:
            suffix += f" [and {hidden} alike in the last minute]"
        if suffix:
            record.msg = f"{record.getMessage()}{suffix}"
            record.args = None
        return True


def setup_logging() -> None:
    # Under systemd the journal stamps each line; by hand a timestamp helps.
    fmt = "%(levelname)s %(name)s: %(message)s"
    if "JOURNAL_STREAM" not in os.environ:
        fmt = "%(asctime)s " + fmt
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter(fmt))
    handler.addFilter(LibraryNoise())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.captureWarnings(True)
    sys.excepthook = lambda *exc: LOG.error("uncaught exception", exc_info=exc)
    threading.excepthook = lambda a: LOG.error(
        "thread %s died", a.thread.name if a.thread else "?",
        exc_info=(a.exc_type, a.exc_value, a.exc_traceback))


def short_error(exc: BaseException) -> str:
    """One masked line: SQLAlchemy appends the SQL and a help link on later lines."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return MASK(text)[:300]


class Problems:
    """Logs each kind of failure of a path once per outage (a broker outage alternates a
    few kinds) and one line when the path is back: not a line per request or retry."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failing: dict[str, set[str]] = {}  # path -> kinds seen in this outage

    def failed(self, path: str, exc: BaseException, traceback: bool = False) -> None:
        kind = type(exc).__name__
        with self.lock:
            kinds = self.failing.setdefault(path, set())
            if kind in kinds:
                return
            kinds.add(kind)
        LOG.warning("%s failing: %s", path, short_error(exc), exc_info=exc if traceback else None)

    def ok(self, path: str) -> None:
        with self.lock:
            if self.failing.pop(path, None) is None:
                return
        LOG.info("%s back", path)


PROBLEMS = Problems()


class Unavailable(Exception):
    """A backend path cannot serve the request: the API answers 503."""

    def __init__(self, path: str, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


# --- database ---------------------------------------------------------------------------

# DATETIME(6) on MySQL keeps sub-second heartbeats; SQLite only autoincrements INTEGER keys.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MYSQL_TABLE = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}

METADATA = sa.MetaData()
WRITES = sa.Table(
    "probe_writes", METADATA,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("node", sa.String(255), nullable=False),
    sa.Column("payload", sa.String(MAX_PAYLOAD)),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    **MYSQL_TABLE,
)
WORKER = sa.Table(
    "probe_worker", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("node", sa.String(255), nullable=False),
    sa.Column("beat_at", TIMESTAMP, nullable=False),
    **MYSQL_TABLE,
)
WORKER_ROW = 1  # one heartbeat row, upserted


def utcnow() -> datetime.datetime:
    # Naive UTC: MySQL DATETIME has no zone. Ages are computed with the reading node's clock.
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Database:
    """oslo.db's engine, started in the background so the process serves /health while the
    database is down; every call after that is bounded by the connection timeouts."""

    def __init__(self, node: str):
        self.node = node
        self.engine: sa.engine.Engine | None = None
        self.ready = threading.Event()  # engine up and schema created

    def start(self) -> None:
        threading.Thread(target=self._connect_forever, name="db-start", daemon=True).start()

    def _connect_forever(self) -> None:
        facade = enginefacade.transaction_context()  # reads [database] from CONF
        while True:
            try:
                if self.engine is None:
                    # Blocks while oslo.db retries (forever with max_retries = -1).
                    self.engine = facade.writer.get_engine()
                METADATA.create_all(self.engine)  # checkfirst; a race between nodes retries
                break
            except Exception as exc:  # noqa: BLE001 - any failure here is retried
                PROBLEMS.failed("database (startup)", exc)
                time.sleep(max(CONF.database.retry_interval, 1))
        PROBLEMS.ok("database (startup)")
        self.ready.set()
        LOG.info("database connected, schema ready")

    def _run(self, work):
        """Run work(connection) in one transaction, committed before returning; any failure
        becomes Unavailable. One retry on deadlock (a Galera certification conflict)."""
        if not self.ready.is_set():
            raise Unavailable("database", "not connected yet")
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    result = work(conn)
                PROBLEMS.ok("database")
                return result
            except db_exc.DBDeadlock as exc:
                if attempt == 2:
                    PROBLEMS.failed("database", exc)
                    raise Unavailable("database", short_error(exc)) from None
            except Exception as exc:  # noqa: BLE001 - every DB failure is a 503
                PROBLEMS.failed("database", exc)
                raise Unavailable("database", short_error(exc)) from None

    def write(self, payload: str | None) -> int:
        def insert(conn):
            result = conn.execute(WRITES.insert().values(
                node=self.node, payload=payload, created_at=utcnow()))
            return int(result.inserted_primary_key[0])
        return self._run(insert)  # returns only after the commit

    def read(self, row_id: int) -> dict | None:
        row = self._run(lambda conn: conn.execute(
            sa.select(WRITES).where(WRITES.c.id == row_id)).first())
        if row is None:
            return None
        return {"id": row.id, "node": row.node, "payload": row.payload,
                "created_at": row.created_at.isoformat()}

    def ping(self) -> None:
        self._run(lambda conn: conn.execute(sa.select(1)).scalar())

    def beat(self) -> None:
        def upsert(conn):
            values = {"node": self.node, "beat_at": utcnow()}
            updated = conn.execute(WORKER.update().where(WORKER.c.id == WORKER_ROW)
                                   .values(**values)).rowcount
            if not updated:
                conn.execute(WORKER.insert().values(id=WORKER_ROW, **values))
        self._run(upsert)

    def last_beat(self) -> dict | None:
        row = self._run(lambda conn: conn.execute(
            sa.select(WORKER).where(WORKER.c.id == WORKER_ROW)).first())
        if row is None:
            return None
        age = (utcnow() - row.beat_at).total_seconds()
        return {"node": row.node, "age_seconds": round(age, 3)}

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


# --- messaging --------------------------------------------------------------------------

class PingEndpoint:
    def __init__(self, node: str):
        self.node = node

    def ping(self, ctxt):
        return self.node


class RpcServer:
    """oslo.messaging's RPC server, started in the background: start() blocks until the
    broker answers (the driver retries forever), and the process must not wait for it."""

    def __init__(self, transport, topic: str, node: str):
        self.server = oslo_messaging.get_rpc_server(
            transport, oslo_messaging.Target(topic=topic, server=node), [PingEndpoint(node)],
            executor="threading", access_policy=oslo_messaging.DefaultRPCAccessPolicy)
        self.topic = topic
        self.started = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._start, name=f"rpc-server-{self.topic}",
                         daemon=True).start()

    def _start(self) -> None:
        # The driver retries a lost connection forever, but a refused login (the broker
        # user not created yet, a password being changed) ends start() with an error:
        # like any next-gen service, keep trying rather than serve no RPC until restarted.
        delay = 1.0
        while True:
            try:
                self.server.start()
                break
            except Exception as exc:  # noqa: BLE001 - any broker error: try again
                LOG.warning("RPC server on topic %s cannot start yet: %s; retrying in %.0f s",
                            self.topic, short_error(exc), delay)
                try:
                    self.server.stop()
                except Exception:  # noqa: BLE001 - nothing to stop yet
                    pass
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
        self.started.set()
        LOG.info("RPC server listening on topic %s", self.topic)

    def stop(self) -> None:
        # stop() before start() has returned would wait for the broker: skip it then.
        if self.started.is_set():
            self.server.stop()
            self.server.wait()


class RpcPinger:
    """RPC calls with a hard deadline. oslo.messaging's call() can block far longer than its
    timeout: the first call creates the reply queue and waits, retrying forever, for the
    broker; so calls run in a few threads and the caller waits at most rpc_timeout + 1 s."""

    def __init__(self, transport, timeout: float):
        self.timeout = timeout
        # retry=1: one reconnect for a pooled connection the broker dropped, then fail fast.
        self.clients = {
            name: oslo_messaging.get_rpc_client(
                transport, oslo_messaging.Target(topic=topic), timeout=timeout, retry=1)
            for name, topic in (("api", API_TOPIC), ("worker", WORKER_TOPIC))}
        self.pool = concurrent.futures.ThreadPoolExecutor(MAX_PENDING_RPC, "rpc-call")
        self.slots = threading.BoundedSemaphore(MAX_PENDING_RPC)

    def ping(self, target: str = "api") -> tuple[str, float]:
        started = time.monotonic()
        deadline = started + self.timeout + 1
        # Concurrent requests wait for a slot; calls stuck on a dead broker hold them all.
        if not self.slots.acquire(timeout=self.timeout + 1):
            raise Unavailable("broker", "earlier calls still waiting for the broker")
        future = self.pool.submit(self.clients[target].call, {}, "ping")
        future.add_done_callback(lambda _: self.slots.release())
        try:
            served_by = future.result(timeout=max(deadline - time.monotonic(), 0))
        except concurrent.futures.TimeoutError:
            exc = TimeoutError(f"no answer within {self.timeout + 1:g} s")
            PROBLEMS.failed(f"rpc ({target})", exc)
            raise Unavailable("broker", str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - MessagingTimeout, delivery failures, ...
            PROBLEMS.failed(f"rpc ({target})", exc)
            raise Unavailable("broker", short_error(exc)) from None
        PROBLEMS.ok(f"rpc ({target})")
        return served_by, round((time.monotonic() - started) * 1000, 1)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


# --- HTTP API ---------------------------------------------------------------------------

class Api:
    """What the HTTP handler calls: one method per route, each returning (status, body)."""

    def __init__(self, node: str, db: Database, rpc: RpcPinger):
        self.node, self.db, self.rpc = node, db, rpc

    def route(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if parts == ["health"] and method == "GET":
            return self.health(deep=query.get("deep", [""])[0] in ("1", "true", "yes"))
        if parts == ["write"]:
            return self.write(body) if method == "POST" else (405, error("use POST"))
        if len(parts) == 2 and parts[0] == "read" and method == "GET":
            return self.read(parts[1])
        if parts == ["rpc"] and method == "GET":
            return self.ping(query.get("target", ["api"])[0])
        if parts == ["worker"] and method == "GET":
            return self.worker()
        return 404, error("not found")

    def health(self, deep: bool) -> tuple[int, dict]:
        answer = {"status": "ok", "node": self.node}
        if not deep:
            return 200, answer
        for name, check in (("database", self.db.ping), ("broker", self.rpc.ping)):
            try:
                check()
                answer[name] = "ok"
            except Unavailable as exc:
                answer[name] = exc.detail
                answer["status"] = "failed"
        return (200 if answer["status"] == "ok" else 503), answer

    def write(self, body: bytes) -> tuple[int, dict]:
        payload = None
        if body.strip():
            try:
                payload = json.loads(body).get("payload")
            except (ValueError, AttributeError):
                return 400, error('body must be a JSON object like {"payload": "..."}')
            if payload is not None and (not isinstance(payload, str)
                                        or len(payload) > MAX_PAYLOAD):
                return 400, error(f"payload must be a string of at most {MAX_PAYLOAD} chars")
        return 200, {"id": self.db.write(payload), "node": self.node}

    def read(self, raw_id: str) -> tuple[int, dict]:
        # Beyond 18 digits it is no BIGINT: unknown, not a database error.
        row = self.db.read(int(raw_id)) if raw_id.isdigit() and len(raw_id) <= 18 else None
        return (200, row) if row else (404, error(f"no row {raw_id}"))

    def ping(self, target: str) -> tuple[int, dict]:
        if target not in ("api", "worker"):
            return 400, error("target is api or worker")
        served_by, ms = self.rpc.ping(target)
        return 200, {"served_by": served_by, "via": self.node, "ms": ms}

    def worker(self) -> tuple[int, dict]:
        beat = self.db.last_beat()
        return (200, beat) if beat else (404, error("no worker heartbeat yet"))


def error(message: str, detail: str = "") -> dict:
    return {"error": message, "detail": detail} if detail else {"error": message}


class Handler(BaseHTTPRequestHandler):
    api: Api  # set on the subclass built in http_server
    timeout = 30  # a client that stops sending does not hold its thread forever
    server_version = "ngha-probe"

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")

    def handle_any(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            return self.answer(400, error("bad Content-Length"))
        if int(length) > MAX_BODY:
            return self.answer(413, error(f"body over {MAX_BODY} bytes"))
        body = self.rfile.read(int(length))
        try:
            status, answer = self.api.route(method, url.path, urllib.parse.parse_qs(url.query),
                                            body)
        except Unavailable as exc:
            status, answer = 503, error(f"{exc.path} unavailable", exc.detail)
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the server thread
            PROBLEMS.failed(f"http {method} {url.path}", exc, traceback=True)
            status, answer = 500, error("internal error", short_error(exc))
        self.answer(status, answer)

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        pass  # HAProxy checks every few seconds: no line per request


def http_server(api: Api, host: str, port: int) -> ThreadingHTTPServer:
    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        daemon_threads = True

        def handle_error(self, request, client_address) -> None:
            # A client gone mid-answer and the like: one line per kind, not a traceback.
            PROBLEMS.failed("http connection", sys.exc_info()[1] or Exception("unknown"))

    return Server((host, port), type("ProbeHandler", (Handler,), {"api": api}))


# --- worker -----------------------------------------------------------------------------

def heartbeat_forever(db: Database, stop: threading.Event) -> None:
    db.ready.wait()
    while not stop.is_set():
        try:
            db.beat()
        except Unavailable:
            pass  # logged once by Problems; the next beat is the retry
        stop.wait(HEARTBEAT_SECONDS)


# --- process ----------------------------------------------------------------------------

def sd_notify(state: str) -> None:
    """systemd's readiness protocol, by hand: one datagram to $NOTIFY_SOCKET."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendto(state.encode(), address)
        except OSError as exc:
            LOG.warning("sd_notify failed: %s", exc)


def rss_mib() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_steps(steps) -> None:
    for step in steps:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - keep stopping the rest
            LOG.warning("while stopping: %s", short_error(exc))


def load_config(argv: list[str]) -> None:
    CONF.register_cli_opts(CLI_OPTS)
    CONF.register_opts(API_OPTS, "api")
    CONF.register_opts(PROBE_OPTS, "probe")
    for group, opts in messaging_opts.list_opts():
        CONF.register_opts(opts, group)
    # Lean defaults for a small lab; the configuration files still win.
    db_options.set_defaults(CONF, max_pool_size=2, max_overflow=3)
    messaging_opts.set_defaults(CONF, executor_thread_pool_size=4)
    # project= gives the usual defaults: /etc/ngha-probe/ngha-probe.conf and its .conf.d.
    CONF(argv, project="ngha-probe")
    # A request against a frozen server waits for oslo.db's ping, then for a reconnect:
    # half of db_timeout each keeps the request within about db_timeout.
    timeout = max(int(CONF.probe.db_timeout / 2), 1)  # PyMySQL takes whole seconds
    CONF.set_default("pool_timeout", timeout, "database")
    connection = CONF.database.connection
    if connection and connection.startswith("mysql"):
        CONF.set_default("connection_parameters",
                         f"connect_timeout={timeout}&read_timeout={timeout}"
                         f"&write_timeout={timeout}&charset=utf8mb4", "database")


class ConfigError(Exception):
    pass


def check_config() -> None:
    """What no retry can fix: say so and exit 2 instead of retrying forever."""
    if not CONF.database.connection:
        raise ConfigError("[database] connection is not set")
    if not CONF.transport_url:
        raise ConfigError("[DEFAULT] transport_url is not set")
    try:
        sa.engine.make_url(CONF.database.connection).get_dialect()
    except Exception as exc:  # noqa: BLE001 - ArgumentError, NoSuchModuleError, ...
        raise ConfigError(f"[database] connection is not usable: {short_error(exc)}") from None


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    try:
        load_config(sys.argv[1:] if argv is None else argv)
    except cfg.Error as exc:
        LOG.error("configuration: %s", exc)
        return 2
    except SystemExit as exc:
        # oslo.config raises a bare SystemExit (status 0) after printing a bad CLI value.
        return 2 if exc.code is None else exc.code
    MASK.add_url(CONF.database.connection, "database connection")
    MASK.add_url(CONF.database.slave_connection, "database slave_connection")
    MASK.add_url(CONF.transport_url, "transport_url")
    try:
        check_config()
        transport = oslo_messaging.get_rpc_transport(CONF)
    except ConfigError as exc:
        LOG.error("configuration: %s", exc)
        return 2
    except Exception as exc:  # noqa: BLE001 - InvalidTransportURL, DriverLoadFailure, bad port
        LOG.error("configuration: [DEFAULT] transport_url: %s", short_error(exc))
        return 2

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    node, role = CONF.probe.node_name, CONF.role
    db = Database(node)
    http = pinger = None
    if role == "api":
        pinger = RpcPinger(transport, CONF.probe.rpc_timeout)
        try:  # bound before any thread starts, so a busy port is a plain exit
            http = http_server(Api(node, db, pinger), CONF.api.host, CONF.api.port)
        except OSError as exc:
            LOG.error("cannot listen on %s port %s: %s", CONF.api.host, CONF.api.port, exc)
            return 1
        threading.Thread(target=http.serve_forever, name="http", daemon=True).start()
        where = f"listening on {CONF.api.host} port {CONF.api.port}"
    else:
        threading.Thread(target=heartbeat_forever, args=(db, stop), name="heartbeat",
                         daemon=True).start()
        where = f"heartbeat every {HEARTBEAT_SECONDS} s"
    db.start()
    rpc_server = RpcServer(transport, API_TOPIC if role == "api" else WORKER_TOPIC, node)
    rpc_server.start()
    sd_notify("READY=1")
    LOG.info("started: role %s, node %s, %s (RSS %.0f MiB)", role, node, where, rss_mib())

    while not stop.wait(3600):
        pass
    sd_notify("STOPPING=1")
    LOG.info("stopping (RSS %.0f MiB)", rss_mib())
    steps = [pinger.close if pinger else None, http.shutdown if http else None,
             http.server_close if http else None, rpc_server.stop, db.close, transport.cleanup]
    # An idle oslo.messaging listener notices a stop only at its next poll (up to 5 s) and
    # transport.cleanup() waits for calls still trying to reach a dead broker: give the
    # orderly stop a few seconds, then leave anyway (the exit closes every connection).
    stopper = threading.Thread(target=run_steps, args=([s for s in steps if s],),
                               name="stop", daemon=True)
    stopper.start()
    stopper.join(SHUTDOWN_SECONDS)
    if stopper.is_alive():
        LOG.info("orderly stop unfinished after %s s: exiting", SHUTDOWN_SECONDS)
    else:
        LOG.info("stopped")
    logging.shutdown()
    os._exit(0)  # do not wait for library threads at interpreter exit


if __name__ == "__main__":
    sys.exit(main())
