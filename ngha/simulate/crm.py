"""Running crm_simulate: the one place that knows its command line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lxml import etree

from ngha.errors import ToolMissing


def require_crm_simulate() -> None:
    if shutil.which("crm_simulate") is None:
        raise ToolMissing("crm_simulate is not installed",
                          fix="apt-get install pacemaker-cli-utils (or run `make deps`)")


def simulate(cib_file: Path, extra: list[str], save_output: Path | None = None,
             save_dot: Path | None = None) -> etree._Element:
    """Run the scheduler once on cib_file (+ injected events); return the XML result.

    --simulate also executes the transition (needed to save the converged status);
    --run only computes it, which is all an event analysis needs.
    """
    argv = ["crm_simulate", "--xml-file", str(cib_file), "--output-as=xml",
            "--simulate" if save_output else "--run", *extra]
    if save_output:
        argv += ["--save-output", str(save_output)]
    if save_dot:
        argv += ["--save-dotfile", str(save_dot)]
    proc = subprocess.run(argv, capture_output=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"crm_simulate failed ({proc.returncode}): "
                           f"{proc.stderr.decode(errors='replace').strip()[:500]}")
    return etree.fromstring(proc.stdout)
