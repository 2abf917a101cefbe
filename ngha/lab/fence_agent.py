#!/usr/bin/python3
"""fence_ngha_lab: the fence agent of ngha lab nodes (stonith:fence_ngha_lab).

`ngha lab up` installs this file, as it is, into every lab node as /usr/sbin/fence_ngha_lab
(where Pacemaker's fencer looks for fence_* agents). It runs with the node's
/usr/bin/python3 and imports only the standard library, never ngha.

Like every fence-agents agent it reads its options as key=value lines on stdin when run
without arguments (that is how Pacemaker's fencer calls it), or from the command line:

    fence_ngha_lab -a 10.213.0.201 -n ctl-2 -o reboot

It asks the lab's fence daemon (ngha.lab.fenced, on the lab network at ip:ipport) for one
power action on one node of the lab, and proves that it holds the lab's key (a root-only
file on every node) with an HMAC of the daemon's one-time challenge: the key never
crosses the network. Exit status as fence-agents: 0 success, 1 failure; `status` exits
0 when the node is on and 2 when it is off.

The daemon's side of the protocol (ngha.lab.fenced) uses the helpers defined here.
"""

from __future__ import annotations

import getopt
import hashlib
import hmac
import socket
import sys
import time
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

NAME = "fence_ngha_lab"
VERSION = "1"
KEY_FILE = "/etc/ngha/fence-lab.key"
DEFAULT_PORT = 7410
# Protocol, one connection per request:
#   daemon: "ngha-fence-lab 1 <nonce>"
#   agent:  "<action> <plug> <hex HMAC-SHA256(key, '<nonce> <action> <plug>')>"
#   daemon: "ok <detail>" | "refused <reason>" | "failed <reason>"
GREETING = "ngha-fence-lab 1"
MAX_LINE = 512
DAEMON_ACTIONS = ("on", "off", "reboot", "status", "list")
ACTIONS = ("on", "off", "reboot", "status", "list", "monitor", "metadata", "validate-all")
NO_PLUG = "-"  # the plug of requests that name no node (list)

EC_OK, EC_FAILED, EC_STATUS_OFF = 0, 1, 2


@dataclass(frozen=True)
class Option:
    name: str                 # as on stdin and in the metadata
    short: str | None         # getopt letter
    long: str                 # --long-name
    placeholder: str | None   # None: a flag
    desc: str
    default: str | None = None
    required: bool = False
    type: str = "string"
    alias_of: str | None = None  # a deprecated name of another option


OPTIONS = (
    Option("action", "o", "action", "[action]", "Fencing action", default="reboot",
           required=True),
    Option("ip", "a", "ip", "[ip]", "IP address of the lab's fence daemon", required=True),
    Option("ipaddr", "a", "ip", "[ip]", "IP address of the lab's fence daemon",
           required=True, alias_of="ip"),
    Option("ipport", "u", "ipport", "[port]", "TCP port of the lab's fence daemon",
           default=str(DEFAULT_PORT), type="integer"),
    Option("plug", "n", "plug", "[id]", "Lab node to act on (ctl-1; lab/ctl-1 names its lab "
           "too)"),
    Option("port", "n", "plug", "[id]", "Lab node to act on", alias_of="plug"),
    Option("key_file", "k", "key-file", "[filename]",
           "File holding the lab's fencing key (root only)", default=KEY_FILE),
    Option("delay", None, "delay", "[seconds]", "Wait X seconds before fencing is started",
           default="0", type="second"),
    Option("login_timeout", None, "login-timeout", "[seconds]",
           "Wait X seconds for the fence daemon to answer a connection", default="5",
           type="second"),
    Option("power_timeout", None, "power-timeout", "[seconds]",
           "Wait X seconds for an on, off or reboot to complete", default="50",
           type="second"),
    Option("verbose", "v", "verbose", None, "Verbose mode"),
    Option("version", "V", "version", None, "Display version information and exit"),
    Option("help", "h", "help", None, "Display help and exit"),
)
BY_NAME = {o.name: o for o in OPTIONS}
CANONICAL = [o for o in OPTIONS if o.alias_of is None]


class AgentError(Exception):
    """One line for stderr; the agent exits 1."""


# --- the protocol, shared with the daemon ---------------------------------------------

def request_mac(key: bytes, nonce: str, action: str, plug: str) -> str:
    return hmac.new(key, f"{nonce} {action} {plug}".encode(), hashlib.sha256).hexdigest()


def parse_key(text: str) -> bytes:
    """The key file holds 64 hex digits (32 random bytes); the error never quotes it."""
    value = text.strip()
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise AgentError("the key file does not hold a fencing key (64 hex digits)")
    return key


def read_key(path: str) -> bytes:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return parse_key(f.read(4096))
    except OSError as exc:
        raise AgentError(f"cannot read the key file {path}: {exc.strerror}") from None


def read_line(conn: socket.socket) -> str:
    """One line of at most MAX_LINE bytes; a longer one or a closed connection is an error."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
        if len(data) > MAX_LINE:
            raise ConnectionError("line too long")
    return data.decode(errors="replace").strip()


def ask(ip: str, port: int, key: bytes, action: str, plug: str, login_timeout: float,
        answer_timeout: float) -> str:
    """One request to the daemon; returns the detail of an `ok` answer."""
    try:
        with socket.create_connection((ip, port), timeout=login_timeout) as conn:
            greeting = read_line(conn)
            if not greeting.startswith(GREETING + " "):
                raise AgentError(f"{ip}:{port} is not a lab fence daemon")
            nonce = greeting.split()[-1]
            conn.settimeout(answer_timeout)
            mac = request_mac(key, nonce, action, plug)
            conn.sendall(f"{action} {plug} {mac}\n".encode())
            verdict, _, detail = read_line(conn).partition(" ")
    except (OSError, ConnectionError) as exc:
        raise AgentError(f"fence daemon at {ip}:{port}: {exc}") from None
    if verdict != "ok":
        raise AgentError(f"fence daemon {verdict or 'closed the connection'}: {detail}")
    return detail


# --- options ----------------------------------------------------------------------------

def _flag(value: str) -> str | None:
    lowered = value.strip().lower()
    return "1" if lowered in ("1", "yes", "on", "true") else (
        "0" if lowered in ("0", "no", "off", "false") else None)


def _set(options: dict[str, str], name: str, value: str) -> None:
    """Aliases fold into their option; the same node given twice two ways must agree
    (Pacemaker passes the target as `port` even when the device sets `plug`)."""
    canonical = BY_NAME[name].alias_of or name
    if canonical == "plug" and options.get("plug", value) != value:
        raise AgentError("plug and port name different nodes")
    options[canonical] = value


def parse_stdin(text: str, warn=lambda message: None) -> dict[str, str]:
    options: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        name = name.strip().replace("-", "_")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name == "nodename":  # always passed by Pacemaker; the target comes as port/plug
            continue
        if name not in BY_NAME:
            warn(f"Parse error: Ignoring unknown option '{name}'")
            continue
        if BY_NAME[name].placeholder is None:
            flag = _flag(value)
            if flag is None:
                warn(f"Parse error: Ignoring option '{name}' because it does not have value")
                continue
            value = flag
        _set(options, name, value)
    return options


def parse_argv(argv: list[str]) -> dict[str, str]:
    shorts = "".join(o.short + (":" if o.placeholder else "") for o in CANONICAL if o.short)
    longs = [o.long + ("=" if o.placeholder else "") for o in CANONICAL]
    try:
        found, rest = getopt.gnu_getopt(argv, shorts, longs)
    except getopt.GetoptError as exc:
        raise AgentError(f"Parse error: {exc.msg}") from None
    if rest:
        raise AgentError(f"Parse error: unexpected arguments {' '.join(rest)}")
    options: dict[str, str] = {}
    for flag, value in found:
        option = next(o for o in CANONICAL
                      if flag in (f"--{o.long}", f"-{o.short}" if o.short else None))
        _set(options, option.name, value if option.placeholder else "1")
    return options


@dataclass(frozen=True)
class Request:
    action: str
    ip: str
    port: int
    plug: str | None
    key_file: str
    delay: float
    login_timeout: float
    power_timeout: float


def _seconds(options: dict[str, str], name: str) -> float:
    text = options.get(name, BY_NAME[name].default or "0")
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value < 0:
        raise AgentError(f"Failed: {name} must be a number of seconds, not {text!r}")
    return value


def checked(options: dict[str, str]) -> Request:
    """The options of an action that talks to the daemon, checked (validate-all)."""
    action = options.get("action", "reboot").lower()
    if action not in ACTIONS:
        raise AgentError(f"Failed: Unrecognised action '{action}'")
    ip = options.get("ip")
    if not ip:
        raise AgentError("Failed: You have to set the IP address of the fence daemon (ip)")
    try:
        port = int(options.get("ipport", str(DEFAULT_PORT)))
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise AgentError("Failed: ipport must be a TCP port number")
    plug = options.get("plug")
    if action in ("on", "off", "reboot", "status") and not plug:
        raise AgentError(f"Failed: action {action} needs the node to act on (plug)")
    return Request(action, ip, port, plug, options.get("key_file", KEY_FILE),
                   _seconds(options, "delay"), _seconds(options, "login_timeout"),
                   _seconds(options, "power_timeout"))


# --- metadata ---------------------------------------------------------------------------

def metadata() -> str:
    lines = ['<?xml version="1.0" ?>',
             f'<resource-agent name="{NAME}" shortdesc="Fence agent for ngha lab nodes" >',
             "<longdesc>fence_ngha_lab powers a node of an ngha lab (a controller in "
             "namespaces on one machine) off and on through the lab's fence daemon, which "
             "crashes and boots it the way `ngha lab crash` and `ngha lab boot` do. The "
             "lab's key is read from key_file; no credential is passed as a parameter."
             "</longdesc>",
             "<vendor-url>https://clusterlabs.org/</vendor-url>",
             "<parameters>"]
    for o in OPTIONS:
        extra = ' deprecated="1"' if o.alias_of else (
            f' obsoletes="{_alias_for(o.name)}"' if _alias_for(o.name) else "")
        getopt_text = (f"-{o.short}, " if o.short else "") + f"--{o.long}" + (
            f"={o.placeholder}" if o.placeholder else "")
        content = "boolean" if o.placeholder is None else o.type
        default = f" default={quoteattr(o.default)}" if o.default is not None else ""
        lines += [f'\t<parameter name="{o.name}" unique="0" required="{int(o.required)}"{extra}>',
                  f"\t\t<getopt mixed={quoteattr(getopt_text)} />",
                  f'\t\t<content type="{content}"{default} />',
                  f'\t\t<shortdesc lang="en">{escape(o.desc)}</shortdesc>',
                  "\t</parameter>"]
    lines += ["</parameters>", "<actions>", '\t<action name="on" automatic="0"/>']
    lines += [f'\t<action name="{a}" />' for a in ACTIONS if a != "on"]
    lines += ["</actions>", "</resource-agent>"]
    return "\n".join(lines) + "\n"


def _alias_for(name: str) -> str | None:
    return next((o.name for o in OPTIONS if o.alias_of == name), None)


def usage() -> str:
    rows = [f"   {('-' + o.short + ', ') if o.short else ''}--{o.long}"
            f"{'=' + o.placeholder if o.placeholder else ''}".ljust(34) + o.desc
            for o in CANONICAL]
    return "\n".join([f"Usage:\n\t{NAME} [options]", "Options:", *rows,
                      f"Actions: {', '.join(ACTIONS)}"]) + "\n"


# --- running ----------------------------------------------------------------------------

def run(options: dict[str, str], out=sys.stdout) -> int:
    if options.get("help") == "1":
        out.write(usage())
        return EC_OK
    if options.get("version") == "1":
        out.write(VERSION + "\n")
        return EC_OK
    if options.get("action", "").lower() == "metadata":
        out.write(metadata())
        return EC_OK
    request = checked(options)
    key = read_key(request.key_file)
    if request.action == "validate-all":
        return EC_OK
    if request.action in ("off", "reboot") and request.delay:
        time.sleep(request.delay)
    wire_action = "list" if request.action == "monitor" else request.action
    slow = wire_action in ("on", "off", "reboot")
    detail = ask(request.ip, request.port, key, wire_action, request.plug or NO_PLUG,
                 request.login_timeout,
                 request.power_timeout if slow else request.login_timeout)
    if request.action == "list":
        out.write("".join(f"{node},\n" for node in detail.split()))
    elif request.action == "status":
        out.write(f"Status: {detail.upper()}\n")
        return EC_STATUS_OFF if detail == "off" else EC_OK
    elif slow:
        if request.action == "reboot" and detail != "on":
            # fenced all the same: fence-agents report a reboot whose power-on failed as done
            sys.stderr.write(f"WARNING: the node did not power on again: {detail}\n")
        out.write({"on": "Success: Powered ON\n", "off": "Success: Powered OFF\n",
                   "reboot": "Success: Rebooted\n"}[request.action])
    return EC_OK


def main(argv: list[str] | None = None, stdin=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    warn = lambda message: sys.stderr.write(f"WARNING: {message}\n")  # noqa: E731
    try:
        options = parse_argv(argv) if argv else parse_stdin((stdin or sys.stdin).read(), warn)
        if options.get("verbose") == "1":  # no option holds a secret: the key is a file
            sys.stderr.write(f"DEBUG: options {options}\n")
        return run(options)
    except AgentError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return EC_FAILED


if __name__ == "__main__":
    sys.exit(main())
