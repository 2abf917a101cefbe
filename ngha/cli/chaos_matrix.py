"""`ngha chaos matrix` (the `chaos` group lives in cli/chaos.py)."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from ngha.cli.chaos_run import WORK, check_output, on_the_lab, write_results
from ngha.cli.output import console


def _names(value: str | None) -> list[str]:
    return [n.strip() for n in (value or "").split(",") if n.strip()]


@click.command(name="matrix")
@click.option("--deployment", type=click.Path(dir_okay=False), default=None,
              help="The lab's deployment file (default: the running lab's).")
@click.option("--profile", type=click.Choice(["nextgen", "legacy"]), default=None,
              help="Apply this profile to the lab first when another one runs.")
@click.option("--services", default=None, metavar="S,...",
              help="Only these rows (keystone, glance, placement, nova, neutron, cinder, "
                   "heat).")
@click.option("--faults", default=None, metavar="F,...",
              help="Only these faults (`ngha chaos matrix --list-faults`).")
@click.option("--quick", is_flag=True, help="Shorter holds (a backend down 60 s, not 5 min).")
@click.option("--list-faults", is_flag=True, help="List the faults and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the cells as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Also write the cells (JSON) to this file.")
def matrix_command(deployment: str | None, profile: str | None, services: str | None,
                   faults: str | None, quick: bool, list_faults: bool, as_json: bool,
                   output: str | None) -> None:
    """Every OpenStack service against every backend fault, on the lab: does each one
    answer again by itself, how long after its backend, with how many restarts.

    Exit status 0 only when every cell passed. -o FILE is written again after each
    fault: a run stopped half-way keeps the cells it measured."""
    from ngha.errors import NghaError
    from ngha.matrix.faults import FAULTS
    from ngha.matrix.run import unknown_faults

    if list_faults:
        table = Table(title="matrix faults")
        for column in ("id", "what happens", "counted from"):
            table.add_column(column)
        for fault in FAULTS:
            table.add_row(fault.id, fault.title, fault.backend)
        console.print(table)
        return
    chosen = _names(faults)
    unknown = unknown_faults(chosen)
    if unknown:
        raise NghaError(f"unknown fault {unknown[0]!r}", field="--faults",
                        fix="`ngha chaos matrix --list-faults` shows them")
    check_output(output)
    from ngha.matrix.run import run_matrix

    target, cells = on_the_lab(deployment, profile, lambda cluster, target, progress:
                               run_matrix(cluster, target, chosen, _names(services) or None,
                                          quick, WORK, progress,
                                          done=lambda so_far: write_results(so_far, output)))
    write_results(cells, output)
    if as_json:
        click.echo(json.dumps(cells, indent=2))
    else:
        console.print(matrix_table(cells, target.profile))
    sys.exit(0 if cells and all(c["passed"] for c in cells) else 1)


def matrix_table(cells: list[dict], profile: str) -> Table:
    """Services as rows, faults as columns; a cell: seconds after its backend and
    restarts, red when it failed."""
    faults = list(dict.fromkeys(c["fault"] for c in cells))
    table = Table(title=f"resilience matrix, {profile} (s after backend / restarts)")
    table.add_column("service")
    for fault in faults:
        table.add_column(fault)
    for service in dict.fromkeys(c["service"] for c in cells):
        row = [service]
        for fault in faults:
            cell = next((c for c in cells if c["service"] == service
                         and c["fault"] == fault), None)
            if cell is None:
                row.append("")
                continue
            seconds = cell["seconds_after_backend"]
            text = (f"{seconds:g} s" if seconds is not None else "not back") + \
                f" / {sum(cell['restarts'].values())}"
            if cell["manual_action"]:
                text += " / manual"
            row.append(text if cell["passed"] else f"[red]{text}[/red]")
        table.add_row(*row)
    return table
