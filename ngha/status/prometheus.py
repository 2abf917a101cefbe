"""The status as Prometheus text (node_exporter's textfile collector reads *.prom files
from a directory): the same facts as the table and --json."""

from __future__ import annotations

from pathlib import Path

from ngha.files import write_atomically
from ngha.status.assess import RUNNING, ClusterStatus


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return "{" + ",".join(f'{k}="{escape(str(v))}"' for k, v in labels.items()) + "}"


def prometheus_text(status: ClusterStatus) -> str:
    c = status.cluster
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[dict, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{_labels(**labels)} {value:g}" for labels, value in samples)

    metric("ngha_status", "gauge", "Overall health: 0 healthy, 1 degraded, 2 down (Nagios).",
           [({"cluster": c}, status.verdict)])
    metric("ngha_quorum", "gauge", "1 when the cluster has quorum.",
           [({"cluster": c}, int(status.quorum))])
    metric("ngha_maintenance_mode", "gauge", "1 when Pacemaker's maintenance mode is on.",
           [({"cluster": c}, int(status.maintenance_mode))])
    metric("ngha_node_online", "gauge", "1 when the node is an online cluster member.",
           [({"cluster": c, "node": n, "state": s}, int(s == "online"))
            for n, s in status.nodes.items()])
    metric("ngha_service_up", "gauge", "1 when the service runs on the node.",
           [({"cluster": c, "service": r.service, "node": n, "manager": r.manager,
              "state": cell.state}, int(cell.state in RUNNING))
            for r in status.services for n, cell in r.cells.items()])
    metric("ngha_service_restarts_total", "counter",
           "Restarts made by the service's manager (systemd NRestarts, Pacemaker fail-count).",
           [({"cluster": c, "service": r.service, "node": n, "manager": r.manager},
             cell.restarts) for r in status.services for n, cell in r.cells.items()])
    metric("ngha_failed_actions", "gauge", "Pacemaker's failed actions.",
           [({"cluster": c}, len(status.failed_actions))])
    metric("ngha_failed_units", "gauge", "systemd units in the failed state.",
           [({"cluster": c}, len(status.failed_units))])
    metric("ngha_deployment_differences", "gauge",
           "Differences from the deployment (a unit with two managers, a left-over drop-in...).",
           [({"cluster": c}, len(status.flags))])
    return "\n".join(lines) + "\n"


def write_prometheus(status: ClusterStatus, path: str | Path) -> None:
    """Atomically: the collector never reads half a file."""
    write_atomically(path, prometheus_text(status).encode(), mode=0o644)
