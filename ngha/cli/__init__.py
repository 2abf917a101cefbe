"""The command line: click commands that parse, call one library function and print.
No other package imports click."""

from ngha.cli.main import cli, main

__all__ = ["cli", "main"]
