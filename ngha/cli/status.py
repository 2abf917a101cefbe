"""`ngha status` and `ngha restart`: one view, and restarts through the right manager."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone

import click
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ngha.cli.deployment import ENVIRONMENT, PROFILE
from ngha.cli.live import LIVE_DEPLOYMENT
from ngha.cli.output import console, err_console

STYLE = {"started": "green", "promoted": "bold green", "unpromoted": "green",
         "stopped": "yellow", "failed": "bold red", "restarting": "yellow",
         "offline": "red", "unknown": "red", "missing": "red"}
VERDICT_STYLE = {0: "bold green", 1: "bold yellow", 2: "bold red"}


@click.command()
@LIVE_DEPLOYMENT
@PROFILE
@ENVIRONMENT
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--watch", type=float, is_flag=False, flag_value=2.0, default=None,
              metavar="[SECONDS]", help="Refresh every SECONDS (default 2) until Ctrl-C.")
@click.option("--prometheus", "prometheus_file", type=click.Path(dir_okay=False),
              default=None, help="Also write the facts in Prometheus text format to this "
                                 "file (node_exporter's textfile collector).")
def status(deployment: str | None, profile: str | None, environment: str | None,
           as_json: bool, watch: float | None, prometheus_file: str | None) -> None:
    """Every service on every node, whichever manager runs it.

    Exit status as monitoring plugins (Nagios) use it: 0 healthy, 1 degraded, 2 down or
    unreachable. DEPLOYMENT defaults to the running lab's deployment file."""
    from ngha.status import cluster_status
    from ngha.status.prometheus import write_prometheus
    from ngha.targets import open_target

    cluster, target = open_target(deployment, profile, environment)

    def once():
        result = cluster_status(cluster, target)
        if prometheus_file:
            write_prometheus(result, prometheus_file)
        return result

    if watch is not None and not as_json:
        with Live(console=console, auto_refresh=False, screen=False) as live:
            try:
                while True:
                    live.update(render_status(once()), refresh=True)
                    time.sleep(max(watch, 0.5))
            except KeyboardInterrupt:
                pass
        return
    result = once()
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        console.print(render_status(result))
    sys.exit(result.verdict)


def render_status(result) -> Group:
    nodes = list(result.nodes)
    online = [n for n, s in result.nodes.items() if s == "online"]
    others = [f"{n} {s}" for n, s in result.nodes.items() if s != "online"]
    verdict = {0: "healthy", 1: "degraded", 2: "down"}[result.verdict]
    header = Text.assemble(
        (f"{result.cluster}", "bold"), f" ({result.profile})  ",
        (verdict.upper(), VERDICT_STYLE[result.verdict]),
        f"  quorum: {'yes' if result.quorum else 'NO'}  DC: {result.dc or '-'}  "
        f"online: {', '.join(online) or '-'}"
        + (f"  [{'; '.join(others)}]" if others else "")
        + ("  MAINTENANCE MODE" if result.maintenance_mode else "")
        + (f"  MIGRATION {result.migration.split()[0].upper()} UNDER WAY"
           if result.migration else ""))
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("service")
    table.add_column("managed by")
    for node in nodes:
        table.add_column(node)
    for row in result.services:
        cells = []
        for node in nodes:
            cell = row.cells[node]
            text = Text(cell.state, style=STYLE.get(cell.state, ""))
            if cell.state in ("started", "promoted", "unpromoted") and cell.since:
                text.append(f" {_age(cell.since)}", style="dim")
            if cell.restarts:
                text.append(f" ↻{cell.restarts}", style="yellow")
            if row.mode == "active-passive" and cell.state == "stopped":
                text = Text("-", style="dim")
            cells.append(text)
        manager = row.manager + (" (A/P)" if row.mode == "active-passive" else "")
        table.add_row(row.service + (" !" if row.flags else ""), manager, *cells)
    parts = [header, table]
    for action in result.failed_actions:
        parts.append(Text(f"failed action: {action['resource']} {action['task']} on "
                          f"{action['node']}: {action['status']} {action['reason']}".rstrip(),
                          style="red"))
    for unit in result.failed_units:
        parts.append(Text(f"failed unit: {unit['unit']} on {unit['node']}", style="red"))
    for flag in result.flags:
        parts.append(Text(f"differs from the deployment: {flag}", style="yellow"))
    if result.reasons:
        parts.append(Text("why: " + "; ".join(result.reasons), style="dim"))
    return Group(*parts)


def _age(since: str) -> str:
    for fmt in ("%a %Y-%m-%d %H:%M:%S %Z", "%a %b %d %H:%M:%S %Y", "%Y-%m-%d %H:%M:%SZ"):
        try:
            moment = datetime.strptime(since, fmt).replace(tzinfo=timezone.utc)
            break
        except ValueError:
            continue
    else:
        return ""
    seconds = max(0, (datetime.now(timezone.utc) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


@click.command()
@click.argument("service")
@LIVE_DEPLOYMENT
@PROFILE
@click.option("--node", default=None, help="Restart it on this node only.")
@click.option("--rolling", is_flag=True,
              help="One node at a time, each healthy again before the next.")
def restart(service: str, deployment: str | None, profile: str | None, node: str | None,
            rolling: bool) -> None:
    """Restart SERVICE through whichever manager runs it (pcs for Pacemaker's, systemctl
    on each node for systemd's). DEPLOYMENT defaults to the running lab's."""
    from ngha.apply.restart import restart_service
    from ngha.targets import open_target

    cluster, target = open_target(deployment, profile)
    with err_console.status(f"restarting {service}") as spinner:
        def progress(message: str) -> None:
            spinner.update(message)
            err_console.log(message)
        report = restart_service(cluster, target, service, node=node, rolling=rolling,
                                 progress=progress)
    console.print(f"{service} restarted through {report.manager} on "
                  f"{', '.join(report.nodes)} in {report.seconds:.0f} s")


