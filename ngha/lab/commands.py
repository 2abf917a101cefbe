"""`ngha lab ...` commands (placeholder until the lab lands)."""

import click


@click.group()
def lab() -> None:
    """Run a real multi-node controller cluster on this machine (root only)."""
