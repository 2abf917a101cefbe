"""Render every artefact of a deployment into one directory, atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from ngha.cib.build import build_cib, to_text
from ngha.model.load import LoadedDeployment
from ngha.profiles import build_desired_state
from ngha.profiles.desired import DesiredState
from ngha.render.corosync import COROSYNC_PATH, render_corosync
from ngha.render.destination import check_destination
from ngha.render.graph import dot_to_svg, render_dot
from ngha.render.haproxy import SECRETS_DROPIN, SYSCTL, SYSCTL_PATH, render_haproxy
from ngha.render.oslo import fragment_path, render_fragment
from ngha.render.pcs import render_pcs_script
from ngha.render.summary import summarize
from ngha.render.systemd import dropin_path, restart_dropins, units_list
from ngha.render.tree import atomic_tree


@dataclass(frozen=True)
class Rendered:
    directory: Path
    desired: DesiredState
    summary: dict


def render_all(loaded: LoadedDeployment, out_dir: str | Path, with_svg: bool = True,
               check: Callable[[Path], None] | None = None, force: bool = False) -> Rendered:
    """Build everything in memory first, then write it all into a staging tree.

    out_dir must be new, empty or an earlier render (see destination.py; `force` allows any
    other directory, never a protected one). `check` runs on the staging tree before it
    replaces out_dir (e.g. crm_verify on cib.xml): if it raises, out_dir is left as it was.
    """
    target = check_destination(out_dir, loaded.input_files(), force)
    desired = build_desired_state(loaded)
    core = set(loaded.catalog.core_names())
    files = artifact_files(loaded, desired)
    dot = render_dot(desired, core)
    svg = dot_to_svg(dot) if with_svg else None
    summary = summarize(desired)
    with atomic_tree(target, _version(), loaded.profile) as tree:
        for relative, (content, mode) in files.items():
            tree.write(relative, content, mode)
        tree.write("graph.dot", dot)
        if svg is not None:
            tree.write("graph.svg", svg)
        tree.write("summary.json", json.dumps(summary, indent=2) + "\n")
        if check is not None:
            check(tree.root)
    return Rendered(directory=Path(out_dir), desired=desired, summary=summary)


def _version() -> str:
    try:
        return metadata.version("ngha")
    except metadata.PackageNotFoundError:
        return "unknown"


def artifact_files(loaded: LoadedDeployment, desired: DesiredState) -> dict[str, tuple[str, int]]:
    """relative path -> (content, mode) for everything except graph and summary."""
    files: dict[str, tuple[str, int]] = {
        "cib.xml": (to_text(build_cib(desired.cluster)), 0o644),
        "pcs-commands.sh": (render_pcs_script(desired.cluster, desired.profile), 0o755),
    }
    haproxy_cfg = render_haproxy(loaded)
    corosync_conf = render_corosync(loaded.deployment)
    haproxy_unit = next((s.unit for s in loaded.services if s.name == "haproxy"), "haproxy")
    for node in desired.nodes:
        base = f"nodes/{node.name}"
        for relative, content in restart_dropins(node).items():
            files[f"{base}/{relative}"] = (content, 0o644)
        files[f"{base}/units.json"] = (json.dumps(units_list(node), indent=2) + "\n", 0o644)
        for config_file, sections in node.oslo.items():
            files[f"{base}/{fragment_path(config_file)}"] = (render_fragment(sections), 0o644)
        files[f"{base}/etc/haproxy/haproxy.cfg"] = (haproxy_cfg, 0o644)
        files[f"{base}/{SYSCTL_PATH}"] = (SYSCTL, 0o644)
        files[f"{base}/{COROSYNC_PATH}"] = (corosync_conf, 0o644)
        if "redis_password" in loaded.deployment.secrets:
            files[f"{base}/{dropin_path(haproxy_unit, '50-ngha-secrets.conf')}"] = (
                SECRETS_DROPIN, 0o644)
    return files
