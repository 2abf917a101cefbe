"""Command line: parses arguments, calls the library, prints. No logic lives here."""

from __future__ import annotations

import sys

import click

from ngha.lab.commands import lab


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ngha")
def cli() -> None:
    """Deploy, verify and operate the minimal-Pacemaker HA architecture."""


cli.add_command(lab)


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))
