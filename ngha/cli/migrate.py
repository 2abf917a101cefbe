"""`ngha migrate`: move a running cluster between the layouts."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from ngha.cli.live import LIVE_DEPLOYMENT
from ngha.cli.output import console, err_console


@click.command()
@LIVE_DEPLOYMENT
@click.option("--to", "to", type=click.Choice(["nextgen", "legacy"]), required=True,
              help="The layout to move to (from the other one).")
@click.option("--plan", "plan_only", is_flag=True,
              help="Print every step, per node, and change nothing.")
@click.option("--method", type=click.Choice(["ngha", "disable-delete"]), default="ngha",
              show_default=True, help="disable-delete: the design's original procedure "
                                      "(stops every moving service), for comparison.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def migrate(deployment: str | None, to: str, plan_only: bool, method: str,
            as_json: bool) -> None:
    """Move the live cluster to the other layout with no failed request and no restart.

    Preflight first (exit 2, nothing changed, when the cluster is not whole and healthy
    in the source layout). DEPLOYMENT defaults to the running lab's deployment file."""
    from ngha.migrate.run import migrate as run_migration
    from ngha.migrate.run import plan_steps
    from ngha.migrate.steps import Migration
    from ngha.targets import open_target

    cluster, destination = open_target(deployment, to)
    source = destination.other_profile("legacy" if to == "nextgen" else "nextgen")
    if plan_only:
        steps = plan_steps(Migration(cluster, source, destination, lambda _: None), method)
        if as_json:
            click.echo(json.dumps(steps, indent=2))
            return
        for number, step in enumerate(steps, start=1):
            console.print(f"{number}. [bold]{step['step']}[/bold]: {step['what']}")
            for node, items in step.get("nodes", {}).items():
                for item in items:
                    console.print(f"     {node}: {item}")
        return
    with err_console.status(f"migrating to {to}") as spinner:
        def progress(message: str) -> None:
            spinner.update(message)
            err_console.log(message)
        report = run_migration(cluster, source, destination, method, progress)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        table = Table(title=f"migration to {to} ({method}) in {report.seconds:.0f} s")
        table.add_column("measured")
        table.add_column("value", justify="right")
        for label, value in (("failed requests (all probe paths)", report.failed_requests),
                             ("main PID changes", report.pid_changes),
                             ("Pacemaker stops", report.pacemaker_stops),
                             ("Pacemaker starts", report.pacemaker_starts),
                             ("acknowledged writes lost", report.lost_writes)):
            table.add_row(label, "not measured" if value is None else str(value))
        console.print(table)
    clean = report.pid_changes == 0 and report.pacemaker_stops == 0 and \
        not report.failed_requests and not report.lost_writes
    sys.exit(0 if clean or method != "ngha" else 1)


