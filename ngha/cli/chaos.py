"""`ngha chaos ...`: failure scenarios on the lab and their report."""

from __future__ import annotations

import click

from ngha.cli.chaos_run import list_command, run_command


@click.group()
def chaos() -> None:
    """Failure scenarios on the lab: measured recovery, next-gen against legacy."""


chaos.add_command(list_command)
chaos.add_command(run_command)
