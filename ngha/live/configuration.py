"""Changing the live CIB's configuration safely, for apply and migrate alike:

    read -> merge (only what ngha owns) -> crm_verify -> crm_diff -> one cibadmin --patch
    against exactly the version read -> when someone changed it meanwhile: read and
    plan again.

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
from typing import Callable

from lxml import etree

from ngha.cib.merge import CibChanges, merge
from ngha.cib.verify import crm_verify_element
from ngha.errors import NghaError, ToolFailed
from ngha.facts import CibFact, LiveCib
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError, StaleCib
from ngha.profiles.desired import ClusterConfig
from ngha.transport.process import run_process

# cibadmin's exit status for a patch made against another version (CRM_EX_OLD).
CIBADMIN_OLD_DATA = 103
PATCH_ATTEMPTS = 5  # status updates racing one patch
PLAN_ATTEMPTS = 3  # configuration changes by someone else: read and plan again


@dataclass(frozen=True)
class CibPatch:
    """The difference between the CIB read and the CIB wanted (crm_diff, format 2)."""

    original: LiveCib
    diff: etree._Element | None  # None: nothing to change

    @property
    def empty(self) -> bool:
        return self.diff is None


@dataclass(frozen=True)
class ConfigurationChange:
    """What one push would do: the candidate CIB (built from `original`, checked by
    crm_verify), what it changes by id, and the patch that makes it."""

    candidate: etree._Element
    changes: CibChanges
    patch: CibPatch

    @property
    def original(self) -> LiveCib:
        return self.patch.original


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
    for _ in range(PATCH_ATTEMPTS):
        now = cluster.read(CibFact(), target).version
        if now.configuration != read_at.configuration:
            raise StaleCib(f"the CIB changed since it was read (configuration version "
                           f"{read_at} -> {now}): someone else changed the cluster",
                           fix="run the command again: it re-reads the cluster and "
                               "re-plans against the new configuration")
        source = patch.diff.find("version/source")
        if source is not None:
            source.set("num_updates", str(now.num_updates))
        result = pacemaker.patch_cib(cluster, target, patch.diff)
        if result.ok:
            return
        if result.rc != CIBADMIN_OLD_DATA:
            raise result.failure("cibadmin --patch")
        # a status update slipped in between the two reads: read the version again
    raise ClusterError(f"{target}: the CIB kept changing while the patch was applied "
                       f"({PATCH_ATTEMPTS} attempts)", fix="run the command again")


HELD = "ngha-held"  # the id suffix of the target-role that holds a new resource back


def plan_configuration(cib: LiveCib, desired: ClusterConfig, profile: str,
                       verify: bool = True, hold: frozenset[str] = frozenset()
                       ) -> ConfigurationChange:
    """The desired configuration merged into exactly the CIB read (only what ngha owns
    replaced), checked by crm_verify, and the patch that makes it. `hold`: resources
    that, when this change adds them, are added stopped (see held_resources)."""
    candidate, changes = merge(cib.tree(), desired, profile)
    for resource in hold & set(changes.resources_added):
        _add_held(candidate, resource)
    patch = make_patch(cib, candidate)
    # nothing to change: the live configuration is the one Pacemaker already accepted
    if verify and not patch.empty:
        problems = crm_verify_element(candidate)
        if problems:
            raise NghaError(f"the CIB this change would make is not valid: {problems}",
                            fix="this is a bug in ngha or the catalog; nothing was changed")
    return ConfigurationChange(candidate, changes, patch)


def _add_held(candidate: etree._Element, resource: str) -> None:
    element = candidate.find(f"configuration/resources//*[@id='{resource}']")
    meta = element.find("meta_attributes")
    if meta is None:
        meta = etree.Element("meta_attributes", {"id": f"{resource}-meta_attributes"})
        operations = element.find("operations")
        if operations is not None:
            operations.addprevious(meta)
        else:
            element.append(meta)
    etree.SubElement(meta, "nvpair", {"id": f"{resource}-{HELD}", "name": "target-role",
                                      "value": "Stopped"})


def held_resources(cib: LiveCib) -> list[str]:
    """Resources ngha added stopped, to start once what they need exists (an A/P
    OpenStack service before its database schema): ngha's own target-role, told apart
    from an operator's by its id, so an apply killed before the release still releases
    them, and an operator's `pcs resource disable` is never undone."""
    return [pair.get("id").removesuffix(f"-{HELD}")
            for pair in cib.tree().iterfind(
                "configuration/resources//meta_attributes/nvpair[@name='target-role']")
            if pair.get("id", "").endswith(f"-{HELD}")]


def push_configuration(cluster: LiveCluster, desired: ClusterConfig, profile: str, *,
                       first: ConfigurationChange | None = None,
                       hold: frozenset[str] = frozenset(),
                       check: Callable[[ConfigurationChange], None] | None = None,
                       progress: Callable[[str], None] = lambda _: None
                       ) -> ConfigurationChange:
    """Bring the live configuration to `desired` with one patch. `first`: a change
    already planned on a fresh read (used for the first attempt); `check` may refuse a
    change (the cascade gate) by raising, before anything is applied. Returns the change
    that was applied (its patch empty when there was nothing to do)."""
    change = first
    for attempt in range(1, PLAN_ATTEMPTS + 1):
        if change is None:
            change = plan_configuration(pacemaker.read_cib(cluster), desired, profile,
                                        hold=hold)
        if change.patch.empty:
            return change
        if check is not None:
            check(change)
        c = change.changes
        progress(f"CIB: {len(c.resources_added)} resources added, "
                 f"{len(c.resources_changed)} changed, {len(c.resources_removed)} removed; "
                 f"{len(c.constraints_added) + len(c.constraints_changed)} constraints set, "
                 f"{len(c.constraints_removed)} removed (one cibadmin --patch)")
        try:
            apply_patch(cluster, change.patch)
            return change
        except StaleCib:
            if attempt == PLAN_ATTEMPTS:
                raise
            progress("CIB: it changed since it was read; reading it again")
            change = None
    raise AssertionError("unreachable")


def _config_text(root: etree._Element) -> bytes:
    configuration = root.find("configuration")
    return etree.tostring(configuration, method="c14n") if configuration is not None else b""
