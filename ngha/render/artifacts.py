"""Render every artefact of a deployment into one directory, atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from ngha.cib.build import build_cib, to_text
from ngha.cib.verify import crm_verify
from ngha.errors import ToolFailed
from ngha.model.load import LoadedDeployment
from ngha.profiles import build_desired_state
from ngha.profiles.desired import DesiredState
from ngha.render.destination import check_destination
from ngha.render.graph import dot_to_svg, render_dot
from ngha.render.nodefiles import redacted
from ngha.render.services import desired_node_files
from ngha.render.pcs import render_pcs_script
from ngha.render.summary import summarize
from ngha.render.systemd import units_list
from ngha.render.tree import atomic_tree


@dataclass(frozen=True)
class Rendered:
    directory: Path
    desired: DesiredState
    summary: dict
    profile: str
    verified: bool = False


def render_deployment(loaded: LoadedDeployment, out_dir: str | Path, verify: bool = True,
                      force: bool = False) -> Rendered:
    """The `render` use case; with verify, crm_verify must accept the CIB before anything
    replaces out_dir."""
    def verify_cib(staging: Path) -> None:
        result = crm_verify(staging / "cib.xml")
        if not result.ok:
            raise ToolFailed(f"crm_verify rejected the rendered CIB, nothing was written:\n"
                             f"{result.output}", file=loaded.document.path)

    rendered = render_all(loaded, out_dir, check=verify_cib if verify else None, force=force)
    return Rendered(rendered.directory, rendered.desired, rendered.summary, rendered.profile,
                    verified=verify)


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
    return Rendered(directory=Path(out_dir), desired=desired, summary=summary,
                    profile=loaded.profile)


def _version() -> str:
    try:
        return metadata.version("ngha")
    except metadata.PackageNotFoundError:
        return "unknown"


def artifact_files(loaded: LoadedDeployment, desired: DesiredState) -> dict[str, tuple[str, int]]:
    """relative path -> (content, mode) for everything except graph and summary: the
    CIB, the pcs script, and each node's files under nodes/<node>/."""
    files: dict[str, tuple[str, int]] = {
        "cib.xml": (to_text(build_cib(desired.cluster)), 0o644),
        "pcs-commands.sh": (render_pcs_script(desired.cluster, desired.profile), 0o755),
    }
    for node in desired_node_files(loaded, desired):
        base = f"nodes/{node.node}"
        for file in node.files:
            # secrets are never written here: a marker names each one
            files[f"{base}/{file.relative}"] = (file.materialize(redacted, encode=False), file.mode)
        files[f"{base}/units.json"] = (json.dumps(units_list(node), indent=2) + "\n", 0o644)
    return files
