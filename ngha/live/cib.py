"""Changing the live CIB safely: a patch computed against exactly the CIB that was read,
applied with one `cibadmin --patch`, refused if the configuration moved in between.

Pacemaker checks a patch's source version against the live one and refuses a patch made
against another version ("Update was older than existing configuration"). Its
num_updates also moves with every status change (an operation result, a transient node
attribute), which says nothing about the configuration; so just before applying, the
version is read again: if admin_epoch or epoch moved, someone changed the configuration
and the patch is refused (StaleCib: re-read and re-plan); if only num_updates moved, the
patch's source is brought up to it and applied.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ngha.errors import ToolFailed
from ngha.facts import CibFact, LiveCib
from ngha.facts.cib import version_of
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError, StaleCib
from ngha.transport.process import run_process

# cibadmin's exit status for a patch made against another version (CRM_EX_OLD).
CIBADMIN_OLD_DATA = 103
ATTEMPTS = 5


@dataclass(frozen=True)
class CibPatch:
    """The difference between the CIB read and the CIB wanted (crm_diff, format 2)."""

    original: LiveCib
    diff: etree._Element | None  # None: nothing to change

    @property
    def empty(self) -> bool:
        return self.diff is None


def make_patch(original: LiveCib, wanted: etree._Element) -> CibPatch:
    """crm_diff between the CIB as read and `wanted` (a full CIB built from it). The
    epoch is bumped here, as every configuration change must."""
    wanted = etree.fromstring(etree.tostring(wanted))
    before = original.tree()
    if _config_text(before) == _config_text(wanted):
        return CibPatch(original, None)
    for name in ("admin_epoch", "num_updates"):
        wanted.set(name, before.get(name, "0"))
    wanted.set("epoch", str(original.version.epoch + 1))
    with tempfile.TemporaryDirectory(prefix="ngha-cib-") as tmp:
        old_file, new_file = Path(tmp) / "original.xml", Path(tmp) / "new.xml"
        old_file.write_bytes(etree.tostring(before))
        new_file.write_bytes(etree.tostring(wanted))
        result = run_process(["crm_diff", "--original", str(old_file), "--new", str(new_file)],
                             timeout=60)
    out, err = result.text()
    if result.rc not in (0, 1) or not out.strip():  # 1: "they differ", as diff(1)
        raise ToolFailed(f"crm_diff failed ({result.rc}): {err.strip()[:300]}")
    return CibPatch(original, etree.fromstring(out.encode()))


def apply_patch(cluster: LiveCluster, patch: CibPatch, node: str | None = None) -> None:
    """Apply on `node` (default: where the CIB was read); StaleCib when the
    configuration changed since the read."""
    if patch.empty:
        return
    target = node or patch.original.node
    read_at = patch.original.version
    for _ in range(ATTEMPTS):
        now = cluster.read(CibFact(), target).version
        if now.configuration != read_at.configuration:
            raise StaleCib(f"the CIB changed since it was read (configuration version "
                           f"{read_at} -> {now}): someone else changed the cluster",
                           fix="run the command again: it re-reads the cluster and "
                               "re-plans against the new configuration")
        source = patch.diff.find("version/source")
        if source is not None:
            source.set("num_updates", str(now.num_updates))
        result = cluster.run(target, ["cibadmin", "--patch", "--xml-pipe"],
                             stdin=etree.tostring(patch.diff), check=False,
                             what="cibadmin --patch")
        if result.ok:
            return
        if result.rc != CIBADMIN_OLD_DATA:
            raise result.failure("cibadmin --patch")
        # a status update slipped in between the two reads: read the version again
    raise ClusterError(f"{target}: the CIB kept changing while the patch was applied "
                       f"({ATTEMPTS} attempts)", fix="run the command again")


def read_cib(cluster: LiveCluster, prefer: tuple[str, ...] = ()) -> LiveCib:
    return cluster.read_any(CibFact(), prefer=prefer)


def _config_text(root: etree._Element) -> bytes:
    configuration = root.find("configuration")
    return etree.tostring(configuration, method="c14n") if configuration is not None else b""


__all__ = ["CibPatch", "apply_patch", "make_patch", "read_cib", "version_of"]
