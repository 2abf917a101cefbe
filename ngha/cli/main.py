"""The `ngha` command: one group, every failure one message and its exit status."""

from __future__ import annotations

import sys

import click

from ngha.cli.chaos import chaos
from ngha.cli.deployment import COMMANDS as DEPLOYMENT_COMMANDS
from ngha.cli.lab import lab
from ngha.cli.live import COMMANDS as LIVE_COMMANDS
from ngha.cli.migrate import COMMANDS as MIGRATE_COMMANDS
from ngha.cli.status import COMMANDS as STATUS_COMMANDS
from ngha.errors import NghaError


class NghaGroup(click.Group):
    """Turns any NghaError into one message on stderr and its exit status (2 bad input or
    refused, 1 an operation failed), never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NghaError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=NghaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ngha")
def cli() -> None:
    """Deploy, verify and operate the minimal-Pacemaker HA architecture."""


for command in DEPLOYMENT_COMMANDS + LIVE_COMMANDS + STATUS_COMMANDS + MIGRATE_COMMANDS:
    cli.add_command(command)
cli.add_command(lab)
cli.add_command(chaos)


def main() -> None:
    cli.main(standalone_mode=True)
