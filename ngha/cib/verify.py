"""Run Pacemaker's own crm_verify on a CIB file.

A rendered CIB has no status section, so to Pacemaker every node is "unseen"; with
fencing enabled that alone raises "unclean but cannot be fenced" warnings. The check
therefore runs twice: on the file as written (no errors allowed), and on a copy with
every node online (nothing at all allowed).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ngha.cib.status import bring_nodes_online
from ngha.errors import ToolMissing
from ngha.transport.process import run_process


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    output: str


def _run_verify(cib_file: Path) -> tuple[int, str]:
    result = run_process(["crm_verify", "-V", "--xml-file", str(cib_file)], timeout=120)
    out, err = result.text()
    return result.rc, (out + err).strip()


def nodes_online_copy(cib_file: Path, target: Path) -> None:
    """Write `target`: the CIB with every configured node an online member."""
    tree = etree.parse(str(cib_file))
    bring_nodes_online(tree.getroot())
    tree.write(str(target))


def crm_verify(cib_file: Path) -> VerifyResult:
    ToolMissing.check("crm_verify", "pacemaker-cli-utils")
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


def crm_verify_element(root: etree._Element) -> str | None:
    """crm_verify on the configuration of a CIB held in memory (a live one): None when
    Pacemaker accepts it, else what crm_verify said. The live status is left out: what
    the configuration would do to running resources is the cascade gate's question."""
    copy = etree.fromstring(etree.tostring(root))
    status = copy.find("status")
    if status is not None:
        copy.remove(status)
    with tempfile.TemporaryDirectory(prefix="ngha-verify-") as tmp:
        path = Path(tmp) / "cib.xml"
        path.write_bytes(etree.tostring(copy))
        result = crm_verify(path)
    return None if result.ok else result.output
