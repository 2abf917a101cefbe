"""Running crm_simulate: the one place that knows its command line."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ngha.errors import ToolFailed, ToolMissing
from ngha.transport.process import run_process


def require_crm_simulate() -> None:
    ToolMissing.check("crm_simulate", "pacemaker-cli-utils")


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
    result = run_process(argv, timeout=300)
    if result.timed_out:
        raise ToolFailed("crm_simulate did not answer within 300 s", file=cib_file)
    if result.rc != 0:
        raise ToolFailed(f"crm_simulate failed ({result.rc}): "
                         f"{result.text()[1].strip()[:500]}", file=cib_file)
    return etree.fromstring(result.stdout)
