"""Where the CLI prints: a rich console sized for terminals and for pipes."""

from __future__ import annotations

import sys

from rich.console import Console

# Piped output (CI logs, `| less`) gets a wide table instead of rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
