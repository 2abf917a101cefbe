"""Run Pacemaker's own crm_verify on a CIB file.

A rendered CIB has no status section, so to Pacemaker every node is "unseen"; with
fencing enabled that alone raises "unclean but cannot be fenced" warnings. The check
therefore runs twice: on the file as written (no errors allowed), and on a copy where
crm_simulate has brought every node online (nothing at all allowed).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ngha.errors import ToolFailed, ToolMissing


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    output: str


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ToolMissing(f"{tool} is not installed",
                          fix="apt-get install pacemaker-cli-utils (or run `make deps`)")


def _run_verify(cib_file: Path) -> tuple[int, str]:
    proc = subprocess.run(["crm_verify", "-V", "--xml-file", str(cib_file)],
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def nodes_online_copy(cib_file: Path, target: Path) -> None:
    """Write `target`: the CIB with every configured node online (crm_simulate --node-up)."""
    _require("crm_simulate")
    nodes = [n.get("uname") for n in etree.parse(str(cib_file)).iter("node")]
    argv = ["crm_simulate", "--xml-file", str(cib_file), "--save-output", str(target)]
    for node in nodes:
        argv += ["--node-up", node]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise ToolFailed(f"crm_simulate could not load the CIB: {proc.stderr.strip()[:300]}",
                         file=cib_file)


def crm_verify(cib_file: Path) -> VerifyResult:
    _require("crm_verify")
    rc, output = _run_verify(cib_file)
    if rc == 0 and not output:
        return VerifyResult(ok=True, output="")
    if "error" in output.lower():
        return VerifyResult(ok=False, output=output)
    with tempfile.TemporaryDirectory(prefix="ngha-verify-") as tmp:
        online = Path(tmp) / "online.xml"
        nodes_online_copy(cib_file, online)
        rc, online_output = _run_verify(online)
    return VerifyResult(ok=rc == 0 and not online_output, output=online_output or output)
