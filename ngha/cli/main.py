"""The `ngha` command: one group, every failure one message and its exit status.

Subcommands are loaded when named (`ngha status` imports the status command, not the lab's
or the renderer's): every command starts faster, and `ngha --help` still lists them all."""

from __future__ import annotations

import importlib
import sys

import click

from ngha.errors import NghaError

# command name -> "module:attribute"
COMMANDS = {
    "validate": "ngha.cli.deployment:validate", "render": "ngha.cli.deployment:render",
    "compare": "ngha.cli.deployment:compare", "simulate": "ngha.cli.deployment:simulate",
    "catalog": "ngha.cli.deployment:catalog_command",
    "plan": "ngha.cli.live:plan", "apply": "ngha.cli.live:apply",
    "status": "ngha.cli.status:status", "restart": "ngha.cli.status:restart",
    "migrate": "ngha.cli.migrate:migrate",
    "lab": "ngha.cli.lab:lab", "chaos": "ngha.cli.chaos:chaos",
}


class NghaGroup(click.Group):
    """Loads a subcommand when it is named, and turns any NghaError into one message on
    stderr and its exit status (2 bad input or refused, 1 an operation failed), never a
    traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)

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


def main() -> None:
    cli.main(standalone_mode=True)
