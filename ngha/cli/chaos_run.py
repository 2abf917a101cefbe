"""`ngha chaos list` and `ngha chaos run` (the `chaos` group lives in cli/chaos.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.table import Table

from ngha.cli.output import console, err_console
from ngha.errors import OperationFailed
from ngha.files import write_atomically


WORK = Path("/var/lib/ngha/chaos")


def on_the_lab(deployment: str | None, profile: str | None, work):
    """The lab prepared (the profile applied), then work(cluster, target, progress), with
    a spinner and each progress line logged; returns (target, what work returned)."""
    from ngha.chaos.prepare import prepare_lab

    with err_console.status("preparing the lab") as spinner:
        def progress(message: str) -> None:
            spinner.update(message)
            err_console.log(message)
        cluster, target = prepare_lab(deployment, profile, progress)
        return target, work(cluster, target, progress)


def check_output(output: str | None) -> None:
    """-o FILE refused before an hour of measuring, not after it."""
    from ngha.errors import NghaError

    if output is None:
        return
    folder = Path(output).parent
    if not folder.is_dir():
        raise NghaError("the directory does not exist", file=folder, field="-o")
    if not os.access(folder, os.W_OK):
        raise NghaError("cannot write in this directory", file=folder, field="-o")


def write_results(results: list[dict], output: str | None) -> None:
    """-o FILE: the results as one JSON list, for `ngha chaos report`; replaced whole (a
    reader never sees half of it)."""
    if output:
        try:
            write_atomically(output, (json.dumps(results) + "\n").encode())
        except OSError as exc:
            raise OperationFailed(f"cannot write: {exc.strerror or exc}", file=output)


@click.command(name="list")
def list_command() -> None:
    """The failure scenarios ngha knows."""
    from ngha.chaos.scenarios import SCENARIOS

    table = Table(title="failure scenarios")
    table.add_column("id")
    table.add_column("what happens")
    for scenario in SCENARIOS:
        table.add_row(scenario.id, scenario.title)
    console.print(table)


@click.command(name="run")
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--deployment", type=click.Path(dir_okay=False), default=None,
              help="The lab's deployment file (default: the running lab's).")
@click.option("--profile", type=click.Choice(["nextgen", "legacy"]), default=None,
              help="Apply this profile to the lab first when another one runs.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True)
@click.option("--quick", is_flag=True, help="Shorter holds (NG c: 1 minute, not 20).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Also write the results (JSON) to this file, for `ngha chaos report`.")
def run_command(scenarios: tuple[str, ...], deployment: str | None, profile: str | None,
                repeat: int, quick: bool, as_json: bool, output: str | None) -> None:
    """Run SCENARIO... (or `all`) on the lab, measuring recovery through the VIPs.

    Exit status 0 only when every scenario passed."""
    from ngha.chaos.run import run_scenarios, unknown_scenarios
    from ngha.errors import NghaError

    unknown = unknown_scenarios(list(scenarios))
    if unknown:
        raise NghaError(f"unknown scenario {unknown[0]!r}", field="SCENARIO",
                        fix="`ngha chaos list` shows them (or use `all`)")
    check_output(output)
    target, results = on_the_lab(deployment, profile, lambda cluster, target, progress:
                                 run_scenarios(cluster, target, list(scenarios), quick,
                                               repeat, WORK, progress))
    write_results(results, output)
    if as_json:
        click.echo(json.dumps(results, indent=2))
    else:
        table = Table(title=f"chaos on {target.profile}")
        for column in ("scenario", "passed", "outage s (per path)", "recovered s",
                       "collateral", "lost writes", "failures"):
            table.add_column(column)
        for r in results:
            outages = ", ".join(f"{p} {s if s is not None else '∞'}"
                                for p, s in sorted(r["outage_seconds"].items()))
            table.add_row(r["scenario"], "yes" if r["passed"] else "[red]NO[/red]", outages,
                          str(r["recovered_seconds"]), str(r["collateral_restarts"]),
                          str(r["lost_writes"]), "; ".join(r["failures"]))
        console.print(table)
    sys.exit(0 if all(r["passed"] for r in results) else 1)
