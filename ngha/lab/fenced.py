"""The lab's fence daemon: `python -m ngha.lab.fenced LAB_DIR`, started by `ngha lab up`.

It is what a BMC is to a real controller: the only thing on the host that a lab node can
ask for anything, and all it grants is a power action on one node of its own lab. A
request must come from a node's address and carry an HMAC, made with the lab's key, of
the one-time challenge the daemon sent (protocol in ngha.lab.fence_agent). `off` is the
lab's crash (power loss), `on` its boot (disk kept, plugged back on the side of the
network the node was on), through the same code as `ngha lab crash` and `ngha lab boot`,
and so under the same lab lock: concurrent requests queue, they never interleave inside
one change of the lab's state. `reboot` is `off`, then a power-on that the daemon
accepts at once and carries out later, as a BMC does: the node is fenced as soon as it
is off, and it boots (rejoins) only after a real server's POST would have let it.
"""

from __future__ import annotations

import ctypes
import hmac
import os
import secrets
import selectors
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Protocol

from ngha.errors import NghaError
from ngha.lab import lifecycle, node
from ngha.lab.errors import NodeIsDown, NodeIsRunning
from ngha.lab.fence_agent import DAEMON_ACTIONS, GREETING, NO_PLUG, read_line, request_mac
from ngha.lab.fencing import PORT, SIDES, daemon_address, read_key
from ngha.lab.layout import NetnsNames
from ngha.lab.network import NETNS_DIR
from ngha.lab.session import Lab, lab_paths

REQUEST_TIMEOUT = 10.0  # to send the request line once connected
MAX_CLIENTS = 16
RECEIVED, ANSWERED = "(received)", "->"  # how the log shows a request and its answer
_CLONE_NEWNET = 0x40000000


class Power(Protocol):
    """What the daemon may do to its lab, and nothing else."""

    lab: str

    def nodes(self) -> list[str]: ...
    def peers(self) -> set[str]: ...
    def is_on(self, name: str) -> bool: ...
    def off(self, name: str) -> None: ...
    def on(self, name: str) -> None: ...
    def on_later(self, name: str) -> None: ...


def min_off_seconds(token_ms: int) -> float:
    """How long a node the daemon powered off stays off. A real server takes minutes to
    come back; a lab node a second, and one back in the membership before the cluster
    saw it leave learns from the fencer that it "was allegedly just fenced" and stops
    Pacemaker for good. Leaving takes token + consensus (1.2 token); the cap keeps a
    long token from keeping a node away for minutes."""
    return min(2.2 * token_ms / 1000 + 2.0, 40.0)


class LabPower:
    """Power of the lab's own nodes, through lifecycle (the lab lock, the saved state)."""

    def __init__(self, lab: str, min_off: float):
        self.lab = lab
        self.min_off = min_off
        self._off_at: dict[str, float] = {}  # nodes this daemon powered off: when
        self._offs: dict[str, int] = {}  # how many times: a later off cancels a reboot's on

    def _lab(self) -> Lab:
        return Lab.read(self.lab)  # read every time: crash, boot and partition change it

    def nodes(self) -> list[str]:
        return self._lab().state.node_names

    def peers(self) -> set[str]:
        return {n.address for n in self._lab().state.nodes}

    def is_on(self, name: str) -> bool:
        return node.is_alive(self._lab().state.node(name))

    def off(self, name: str) -> None:
        try:
            lifecycle.crash(self.lab, name)
        except NodeIsDown:
            pass  # off is a state, not an event: already off is done
        # Either way the cluster now counts it as fenced: it must not rejoin too soon.
        self._off_at[name] = time.monotonic()
        self._offs[name] = self._offs.get(name, 0) + 1

    def on(self, name: str) -> None:
        self._wait_min_off(name)
        self._boot(name)

    def _wait_min_off(self, name: str) -> None:
        # A node found down (`lab crash`) has been gone long enough for the cluster to
        # fence it: only a node this daemon just powered off waits.
        wait = self._off_at.get(name, -self.min_off) + self.min_off - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _boot(self, name: str) -> None:
        try:
            lifecycle.boot(self.lab, name, wait=False)
        except NodeIsRunning:
            pass

    def on_later(self, name: str) -> None:
        """A reboot's power-on. Answering only once the node is back would hold up the
        fencing, and so the recovery, by the boot time; and a node that rejoins while the
        transition that fenced it still runs aborts it (the VIPs it was moving stay down
        until the next one). A failed power-on is logged: the node stays fenced (off)."""
        offs = self._offs.get(name, 0)

        def power_on() -> None:
            self._wait_min_off(name)
            if self._offs.get(name, 0) != offs:
                log(f"{name}: powered off again since the reboot: it stays off")
                return
            try:
                self._boot(name)
                log(f"{name}: powered on after reboot")
            except NghaError as exc:
                log(f"{name}: power-on after reboot failed: {exc.message.splitlines()[0]}")
        threading.Thread(target=power_on, daemon=True).start()


def answer(line: str, nonce: str, peer: str, key: bytes, power: Power) -> str:
    """The reply to one request line: `ok ...`, `refused ...` or `failed ...`."""
    try:
        return _answer(line, nonce, peer, key, power)
    except NghaError as exc:  # e.g. the lab's state unreadable while `lab down` runs
        return "failed " + exc.message.splitlines()[0]


def _answer(line: str, nonce: str, peer: str, key: bytes, power: Power) -> str:
    if peer not in power.peers():
        return f"refused {peer} is not a node of lab {power.lab}"
    parts = line.split()
    if len(parts) != 3:
        return "refused malformed request"
    action, plug, mac = parts
    if not hmac.compare_digest(mac.encode(), request_mac(key, nonce, action, plug).encode()):
        return "refused authentication failed"
    if action not in DAEMON_ACTIONS:
        return f"refused unknown action {action!r} (known: {', '.join(DAEMON_ACTIONS)})"
    lab, qualified, name = plug.rpartition("/")
    if qualified and lab != power.lab:
        return f"refused {plug} is not a node of lab {power.lab}"
    if action == "list":
        return "ok " + " ".join(power.nodes())
    if name not in power.nodes() or name == NO_PLUG:
        return f"refused lab {power.lab} has no node {name!r}"
    return _act(action, name, power)


def _act(action: str, name: str, power: Power) -> str:
    if action == "status":
        return "ok on" if power.is_on(name) else "ok off"
    if action in ("off", "reboot"):
        power.off(name)
    if action == "off":
        return "ok off"
    if action == "reboot":
        power.on_later(name)
    else:
        power.on(name)
    return "ok on"


def converse(conn: socket.socket, peer: str, key: bytes, power: Power,
             log: Callable[[str], None]) -> None:
    """Challenge, request, reply on one connection. The request is logged when it comes
    and again with its answer: a power-on takes seconds, and whoever reads the log (an
    operator, a test) sees what is still in progress."""
    nonce = secrets.token_hex(16)
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        conn.sendall(f"{GREETING} {nonce}\n".encode())
        line = read_line(conn)
    except (OSError, ConnectionError) as exc:
        log(f"{peer}: no request ({exc})")
        return
    request = " ".join(line.split()[:2])  # the MAC is not worth logging
    log(f"{peer}: {request} {RECEIVED}")
    try:
        reply = answer(line, nonce, peer, key, power)
    except Exception as exc:  # noqa: BLE001 - a bug must not leave the asker waiting
        reply = f"failed internal error: {type(exc).__name__}: {exc}"
    log(f"{peer}: {request} {ANSWERED} {reply}")
    try:
        conn.sendall((reply + "\n").encode())
    except OSError:
        pass  # the asker gave up (its timeout) or died; the action was done all the same


def listen_in(netns: Path, address: str, port: int) -> socket.socket:
    """A listening socket in another network namespace: this thread enters it just long
    enough to create the socket, which stays there."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open(netns, os.O_RDONLY)
    try:
        if libc.setns(there, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"cannot enter {netns}")
        try:
            return socket.create_server((address, port), backlog=MAX_CLIENTS)
        finally:
            if libc.setns(home, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "cannot return to its own namespace")
    finally:
        os.close(home)
        os.close(there)


def serve(listeners: list[socket.socket], key: bytes, power: Power) -> None:
    """Each connection in a thread of its own (a power-on takes seconds; a status question
    from another node must not wait for it); at most MAX_CLIENTS at once."""
    selector = selectors.DefaultSelector()
    for listener in listeners:
        selector.register(listener, selectors.EVENT_READ)
    slots = threading.BoundedSemaphore(MAX_CLIENTS)

    def handle(conn: socket.socket, peer: str) -> None:
        try:
            with conn:
                converse(conn, peer, key, power, log)
        finally:
            slots.release()

    while True:
        for ready, _ in selector.select():
            try:
                conn, (peer, _port) = ready.fileobj.accept()  # type: ignore[union-attr]
            except OSError:
                continue  # the asker gave up before we accepted
            if not slots.acquire(blocking=False):
                conn.close()
                log(f"{peer}: refused, {MAX_CLIENTS} requests already in progress")
                continue
            threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


_LOG_LOCK = threading.Lock()


def log(message: str) -> None:
    """One whole line per message: print() writes the text and its newline separately,
    and two requests answered at once ran their lines together (a reader counting answers
    then waited for one that had been given)."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
    with _LOG_LOCK:
        sys.stderr.write(f"{stamp} {message}\n")
        sys.stderr.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        log("usage: python -m ngha.lab.fenced LAB_DIR")
        return 2
    lab_dir = Path(argv[0])
    try:
        paths = lab_paths(lab_dir.name)
        if paths.dir != lab_dir:
            raise NghaError(f"{lab_dir} is not where this ngha keeps lab {lab_dir.name}")
        key = read_key(paths.fence_key)
        state = Lab.read(paths.name).state
        names = NetnsNames(state.name)
        address = daemon_address(state)
        listeners = [listen_in(NETNS_DIR / names.fence(side), address, PORT)
                     for side in SIDES]
    except (NghaError, OSError) as exc:
        log(f"cannot start: {exc}")
        return 1
    log(f"lab {state.name}: listening on {address}:{PORT} ({', '.join(SIDES)} sides)")
    serve(listeners, key, LabPower(state.name, min_off_seconds(state.token_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
