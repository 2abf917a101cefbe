"""Before scenarios run: the lab's cluster, with the profile asked for in place."""

from __future__ import annotations

from ngha.apply.run import apply
from ngha.cib.merge import owned_profile
from ngha.chaos.context import Progress
from ngha.errors import NghaError
from ngha.live import pacemaker
from ngha.live.cluster import LiveCluster
from ngha.targets import Target, open_target


def prepare_lab(deployment: str | None, profile: str | None,
                progress: Progress) -> tuple[LiveCluster, Target]:
    cluster, target = open_target(deployment, profile)
    if target.loaded.deployment.target != "lab":
        raise NghaError("failure scenarios run on the built-in lab only (they crash nodes "
                        "and cut networks)", fix="use the lab's deployment file")
    running = owned_profile(pacemaker.read_cib(cluster).tree())
    switching = running != target.profile
    if switching:
        progress(f"applying {target.profile} to the lab (it runs {running or 'nothing'})")
    # Switching layouts restarts what the new one orders differently: accepted here, as
    # the scenarios start from a fresh baseline. In place, apply only checks.
    apply(cluster, target, force=switching, progress=progress)
    return cluster, target
