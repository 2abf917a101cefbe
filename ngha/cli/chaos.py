"""`ngha chaos ...`: failure scenarios in the lab and their report. Parsing and printing
only; the work is done in ngha.chaos."""

from __future__ import annotations

import click

from ngha.cli.chaos_matrix import matrix_command
from ngha.cli.chaos_run import list_command, run_command


@click.group()
def chaos() -> None:
    """Break the lab on purpose, measure the recovery, compare legacy with next-gen."""


@chaos.command(short_help="Write the HTML report of scenario runs and matrix cells.")
@click.argument("results", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(),
              help="The HTML file to write (replaced atomically).")
def report(results: tuple[str, ...], output: str) -> None:
    """Write the HTML report of RESULTS files (`ngha chaos run ... -o` and `ngha chaos
    matrix -o`).

    One self-contained page, readable offline: the resilience matrix (services x faults,
    both layouts, each cell linking to its timeline), then per scenario the probe
    timelines and a legacy vs next-gen table, the raw JSON alongside."""
    from ngha.chaos.report import load_results, render_report, summary_line, write_report

    runs = load_results(results)
    size = write_report(output, render_report(runs, list(results)), inputs=results)
    click.echo(f"{click.format_filename(output)}: {summary_line(runs)} ({size:,} bytes)")


chaos.add_command(list_command)
chaos.add_command(run_command)
chaos.add_command(matrix_command)
