"""Run Pacemaker's own crm_verify on a CIB file."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ngha.errors import ToolMissing


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    output: str


def crm_verify(cib_file: Path) -> VerifyResult:
    """crm_verify -V --xml-file: errors *and* warnings make the result not ok."""
    if shutil.which("crm_verify") is None:
        raise ToolMissing("crm_verify is not installed",
                          fix="apt-get install pacemaker-cli-utils (or run `make deps`)")
    proc = subprocess.run(["crm_verify", "-V", "--xml-file", str(cib_file)],
                          capture_output=True, text=True, timeout=120)
    output = (proc.stdout + proc.stderr).strip()
    return VerifyResult(ok=proc.returncode == 0 and not output, output=output)
