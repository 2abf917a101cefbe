"""What `lab status` reports: the saved description plus what is live right now."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ngha.lab import cluster, fencing, node
from ngha.lab.session import Lab
from ngha.lab.state import RUNNING

MiB = 1024 * 1024


def lab_report(name: str) -> dict[str, Any]:
    lab = Lab.read(name)
    state, paths, layout = lab.state, lab.paths, lab.cgroups
    nodes = []
    live = []
    for record in state.nodes:
        alive = node.is_alive(record)
        frozen = alive and layout.is_frozen(name, record.name)
        mem = layout.memory_usage(name, record.name) if alive else None
        if alive and not frozen:
            live.append(record.name)
        nodes.append({
            "name": record.name, "address": record.address, "netns": record.netns,
            "pid1": record.pid1 if alive else None,
            "state": _node_state(record.power, alive, frozen),
            "side": record.side,
            "memory_mib": round(mem.working_set / MiB, 1) if mem else None,
        })
    views = cluster.read_views(lab.transport(), live, timeout=10)
    return {
        "name": state.name,
        "subnet": state.subnet,
        "complete": state.complete,
        "token_ms": state.token_ms,
        "state_dir": str(paths.dir),
        "deployment_file": str(paths.deployment_file),
        "openrc": str(paths.openrc),
        "ssh_config": str(paths.ssh_config),
        "client": asdict(state.client),
        "vips": state.vips,
        "nodes": nodes,
        "fence_daemon": {"address": fencing.daemon_address(state), "port": fencing.PORT,
                         "listening": fencing.listening(state),
                         "log": str(paths.fence_log)},
        "cluster": {n: (None if v is None else {
            "dc": v.dc, "quorum": v.quorum,
            "online": sorted(v.online), "offline": sorted(v.offline)})
            for n, v in views.items()},
    }


def _node_state(power: str, alive: bool, frozen: bool) -> str:
    if frozen:
        return "frozen"
    if alive:
        return "running"
    # Recorded as running but PID 1 is gone: powered off from inside (systemctl poweroff
    # or reboot both end a node's systemd), or killed behind ngha's back.
    return "down" if power == RUNNING else power


def format_report(report: dict[str, Any]) -> str:
    lines = [f"lab {report['name']}  subnet {report['subnet']}  token {report['token_ms']} ms"
             + ("" if report["complete"] else "  (INCOMPLETE: run `ngha lab down`)"),
             f"{'NODE':8} {'ADDRESS':15} {'STATE':8} {'SIDE':5} {'PID1':>8} {'MEM MiB':>8}  "
             "CLUSTER VIEW"]
    for n in report["nodes"]:
        view = report["cluster"].get(n["name"])
        seen = ("-" if view is None else
                f"quorum={'yes' if view['quorum'] else 'no'} online={','.join(view['online'])}"
                f" dc={view['dc'] or '-'}")
        lines.append(f"{n['name']:8} {n['address']:15} {n['state']:8} {n['side']:5} "
                     f"{n['pid1'] or '-':>8} {n['memory_mib'] or '-':>8}  {seen}")
    c = report["client"]
    lines.append(f"{'client':8} {c['address']:15} (netns {c['netns']})")
    fence = report["fence_daemon"]
    sides = [side for side, up in fence["listening"].items() if up]
    lines.append(f"{'fence':8} {fence['address']:15} " + (
        f"daemon listening on port {fence['port']} ({', '.join(sides)})" if sides else
        f"daemon NOT RUNNING: fencing fails (see {fence['log']})"))
    lines.append(f"deployment: {report['deployment_file']}")
    if report.get("openrc"):
        lines.append(f"openrc:     {report['openrc']}  (root only; in the client: ngha lab "
                     f"exec client -- sh -c '. {report['openrc']} && openstack server list')")
    return "\n".join(lines)
