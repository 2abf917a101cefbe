"""Commands on a live cluster: plan and apply."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from ngha.cli.deployment import ENVIRONMENT, PROFILE
from ngha.cli.output import console, err_console

PENDING = 3  # `ngha plan` exit status when changes are pending

LIVE_DEPLOYMENT = click.argument("deployment", required=False,
                                 type=click.Path(dir_okay=False))


@click.command()
@LIVE_DEPLOYMENT
@PROFILE
@ENVIRONMENT
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--skip-unreachable", is_flag=True, help="Plan for the nodes that answer.")
def plan(deployment: str | None, profile: str | None, environment: str | None,
         as_json: bool, skip_unreachable: bool) -> None:
    """What apply would change on the live cluster (exit 0: nothing, 3: changes pending).

    DEPLOYMENT defaults to the running lab's deployment file."""
    from ngha.apply.run import plan_for
    from ngha.targets import open_target

    cluster, target = open_target(deployment, profile, environment)
    result = plan_for(cluster, target, skip_unreachable)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        print_plan(result)
    sys.exit(PENDING if result.pending else 0)


@click.command()
@LIVE_DEPLOYMENT
@PROFILE
@ENVIRONMENT
@click.option("--force", is_flag=True,
              help="Apply even if the cascade gate finds collateral restarts.")
@click.option("--skip-unreachable", is_flag=True, help="Apply to the nodes that answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def apply(deployment: str | None, profile: str | None, environment: str | None,
          force: bool, skip_unreachable: bool, as_json: bool) -> None:
    """Bring the live cluster to the deployment's state (the lab or real nodes).

    DEPLOYMENT defaults to the running lab's deployment file."""
    from ngha.apply.run import apply as run_apply
    from ngha.targets import open_target

    cluster, target = open_target(deployment, profile, environment)
    with err_console.status("observing the cluster") as status:
        def progress(message: str) -> None:
            status.update(message)
            err_console.log(message)
        report = run_apply(cluster, target, force=force, skip_unreachable=skip_unreachable,
                           progress=progress)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    if not report.changed:
        console.print(f"nothing to change: {target.profile} is in place on {cluster.name} "
                      f"(checked in {report.seconds:.1f} s)")
        return
    table = Table(title=f"apply {target.profile} on {cluster.name}: {report.seconds:.0f} s")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in report.steps:
        table.add_row(step, f"{seconds:.1f}")
    console.print(table)
    for note in report.before.notes:
        console.print(f"note: {note}")
    if report.after is not None and report.after.pending:
        console.print("[yellow]still pending after apply:[/yellow]")
        print_plan(report.after)
        sys.exit(1)
    console.print("every change applied; `ngha plan` now finds nothing to do")


def print_plan(result) -> None:
    c = result.changes
    if not result.pending:
        console.print(f"nothing to change: {result.profile} is in place on {result.cluster}")
    cib = Table(title=f"CIB ({result.profile}, read at epoch {result.patch.original.version})")
    for column in ("", "added", "changed", "removed"):
        cib.add_column(column)
    cib.add_row("resources", _ids(c.resources_added), _ids(c.resources_changed),
                _ids(c.resources_removed))
    cib.add_row("constraints", str(len(c.constraints_added)), str(len(c.constraints_changed)),
                str(len(c.constraints_removed)))
    for name, old, new in c.settings:
        cib.add_row(name, "", f"{old or '-'} -> {new}", "")
    if not result.patch.empty:
        console.print(cib)
    if result.gate is not None and not result.gate.passed:
        console.print(f"[red]cascade gate: {len(result.gate.collateral)} collateral actions "
                      "(apply refuses without --force):[/red] " + ", ".join(
                          sorted({f"{a.action} {a.resource}" for a in result.gate.collateral})))
    if result.files or result.units:
        every = set(result.node_names)
        changes = Table(title="node changes")
        for column in ("change", "what", "nodes"):
            changes.add_column(column)
        for (path, why), nodes in _grouped((f.path, f.why, f.node) for f in result.files):
            changes.add_row(f"write ({why})", path, _nodes(nodes, every))
        for (unit, action), nodes in _grouped((u.unit, u.action, u.node) for u in result.units):
            changes.add_row(action, unit, _nodes(nodes, every))
        if result.reload_systemd:
            changes.add_row("reload", "systemd (units changed)",
                            _nodes(set(result.reload_systemd), every))
        console.print(changes)
    if result.cib.held:
        console.print("held back, started once their one-off tasks are done: "
                      + ", ".join(result.cib.held))
    if result.pending_tasks:
        tasks = Table(title="one-off tasks to run, in order (once, on one node)")
        for column in ("task", "what", "when"):
            tasks.add_column(column)
        for t in result.pending_tasks:
            tasks.add_row(t.name, t.description,
                          "now" if t.ready else "after the core services run")
        console.print(tasks)
    for note in result.notes:
        console.print(f"note: {note}")
    for node, why in result.unreachable.items():
        console.print(f"[red]unreachable[/red] {why}")


def _grouped(rows) -> list[tuple[tuple[str, str], set[str]]]:
    """(a, b, node) rows -> [((a, b), nodes)] in first-seen order."""
    groups: dict[tuple[str, str], set[str]] = {}
    for a, b, node in rows:
        groups.setdefault((a, b), set()).add(node)
    return list(groups.items())


def _nodes(nodes: set[str], every: set[str]) -> str:
    return "all" if nodes == every and len(every) > 1 else ", ".join(sorted(nodes))


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(ids[:6]) + (f" +{len(ids) - 6}" if len(ids) > 6 else "") if ids else "-"


