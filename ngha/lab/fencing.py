"""Lab fencing, the host's half: the lab's key, the agent every node gets, the fence
daemon's network ports, and starting the daemon (ngha.lab.fenced) for `lab up`.

Nodes reach the host through one door only: a TCP port of the fence daemon on the lab
network, answering on/off/reboot/status/list for the lab's own nodes to whoever proves
it holds the lab's key. The daemon listens at the same address on both bridges (as a
BMC network would be reachable from both sides of a cluster-network partition), from
two namespaces whose eth0 share one MAC address, so a node moved by `lab partition`
keeps a valid ARP entry for it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
from pathlib import Path

from ngha.lab import fence_agent, host, network
from ngha.lab.addressing import fence_address
from ngha.lab.errors import LabError
from ngha.lab.layout import LabPaths, NetnsNames
from ngha.lab.state import CUT_SIDE, MAIN_SIDE, LabState
from ngha.transport.process import spawn_detached, wait_for

AGENT = "fence_ngha_lab"
AGENT_PATH = f"/usr/sbin/{AGENT}"  # where Pacemaker's fencer looks for fence_* agents
NODE_KEY_FILE = fence_agent.KEY_FILE
PORT = fence_agent.DEFAULT_PORT
SIDES = (MAIN_SIDE, CUT_SIDE)
START_TIMEOUT = 20.0


def agent_source() -> str:
    """The agent as installed on the nodes: fence_agent.py, byte for byte."""
    return Path(fence_agent.__file__).read_text(encoding="utf-8")


def daemon_address(state: LabState) -> str:
    return str(fence_address(ipaddress.IPv4Network(state.subnet)))


def write_key(path: Path) -> str:
    """A new random key, root only; returns its text (what the nodes' copies hold)."""
    text = secrets.token_hex(32) + "\n"
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return text


def read_key(path: Path) -> bytes:
    try:
        return fence_agent.parse_key(path.read_text(errors="replace"))
    except (OSError, fence_agent.AgentError) as exc:
        raise LabError(f"cannot read the lab's fencing key {path}: {exc}",
                       fix="take the lab down and up again") from None


def _mac(address: str) -> str:
    """A locally administered MAC made of the daemon's IPv4 address."""
    return "02:00:" + ":".join(f"{b:02x}" for b in ipaddress.IPv4Address(address).packed)


def plug_daemon_ports(state: LabState) -> None:
    names = NetnsNames(state.name)
    address = daemon_address(state)
    for side in SIDES:
        network.plug(state.name, f"fence-{side}", names.fence(side), address,
                     state.prefixlen, side=side, mac=_mac(address))


def listening(state: LabState) -> dict[str, bool]:
    """Per side: does the daemon's socket listen there right now?"""
    names = NetnsNames(state.name)
    found = {}
    for side in SIDES:
        out = host.run(["ss", "-N", names.fence(side), "-H", "-ltn", f"sport = :{PORT}"],
                       check=False)
        found[side] = out.ok and bool(out.stdout.strip())
    return found


def start_daemon(paths: LabPaths, state: LabState) -> None:
    """Detached like the nodes (it outlives `lab up`), in the main side's fence namespace,
    so `lab down` finds and kills it with the lab's other namespaces' processes. Its argv
    names the lab directory and nothing secret: it reads the key from the file."""
    home = NetnsNames(state.name).fence(MAIN_SIDE)
    argv = ["setsid", "-f", "nsenter", f"--net={network.NETNS_DIR / home}", "--",
            sys.executable, "-m", "ngha.lab.fenced", str(paths.dir)]
    spawn_detached(argv, paths.fence_log)

    if not wait_for(lambda: all(listening(state).values()), START_TIMEOUT, poll=0.2):
        tail = paths.fence_log.read_text(errors="replace").strip().splitlines()[-3:]
        raise LabError("the lab's fence daemon did not start: "
                       + (" | ".join(tail) or "no output") + f" (see {paths.fence_log})")
