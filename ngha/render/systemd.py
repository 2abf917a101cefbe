"""systemd drop-ins for services that systemd owns in the next-gen layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ngha.profiles.desired import NodeState

if TYPE_CHECKING:
    from ngha.render.nodefiles import NodeFiles

DROPIN_NAME = "50-ngha-restart.conf"

# Restart=always: systemd, not Pacemaker, brings the service back when it dies.
# StartLimitIntervalSec=0: without it systemd gives up after a burst of failed starts,
# and "retry forever" silently becomes "stopped" while Galera or RabbitMQ are down.
# TimeoutStartSec=infinity: a service that tells systemd when it is ready (Type=notify:
# Debian's nova-conductor, nova-scheduler) and was started while Galera was down waits
# for it; with the default 90 s, systemd killed and restarted it (the matrix's
# start-without-db: one restart of each on every node).
RESTART_DROPIN = """\
# Managed by ngha: this service belongs to systemd, on every controller.
[Unit]
StartLimitIntervalSec=0

[Service]
Restart=always
RestartSec={restart_sec}
TimeoutStartSec=infinity
"""


def dropin_path(unit: str, name: str = DROPIN_NAME) -> str:
    return f"etc/systemd/system/{unit}.service.d/{name}"


def restart_dropins(node: NodeState, restart_sec: int = 3) -> dict[str, str]:
    return {dropin_path(plan.unit): RESTART_DROPIN.format(restart_sec=restart_sec)
            for plan in node.enable if plan.restart_dropin}


def units_list(node: "NodeState | NodeFiles") -> dict[str, list[dict[str, str]]]:
    return {
        "enable": [{"unit": p.unit, "service": p.service} for p in node.enable],
        "disable": [{"unit": p.unit, "service": p.service,
                     "reason": "managed by Pacemaker"} for p in node.disable],
    }
