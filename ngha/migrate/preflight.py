"""Before a migration changes anything: the cluster whole and healthy, its CIB the
source layout of this deployment, every moving unit installed, every file writable.
Each failure is one message, exit 2, nothing touched."""

from __future__ import annotations

from ngha.cib.merge import merge, owned_ids
from ngha.errors import NghaError
from ngha.facts import UnitsFact
from ngha.health import summary
from ngha.health.resources import resource_problems, unmanaged_problems
from ngha.live import pacemaker
from ngha.migrate.steps import Migration


class PreflightRefused(NghaError):
    """The cluster is not in a state to migrate (exit 2, nothing changed)."""


def preflight(m: Migration, resuming: bool) -> None:
    cluster, source = m.cluster, m.source
    units = [f"{s.unit}.service" for s in m.moving]
    states = cluster.read_all(UnitsFact(units))
    unreachable = sorted(n for n, s in states.items() if isinstance(s, NghaError))
    view = pacemaker.read_status(cluster)
    missing = sorted(set(cluster.nodes) - set(view.online) - set(unreachable))
    if unreachable or missing or not view.quorum:
        problems = ([f"{n} unreachable" for n in unreachable]
                    + [f"{n} offline" for n in missing] + ([] if view.quorum else ["no quorum"]))
        raise PreflightRefused("the cluster is not whole: " + ", ".join(problems),
                               fix="bring every node back online first; nothing was changed")
    if view.failed_actions:
        first = view.failed_actions[0]
        raise PreflightRefused(f"{len(view.failed_actions)} failed actions (e.g. "
                               f"{first.resource} {first.task} on {first.node})",
                               fix="fix the cause, then `pcs resource cleanup`; nothing was "
                                   "changed")
    m.destination.check_secrets()  # every file of the destination can be written
    if resuming:
        m.progress("a migration was under way: resuming it")
        return
    if view.maintenance_mode:
        raise PreflightRefused("maintenance mode is on", fix="turn it off first "
                               "(`pcs property set maintenance-mode=false`); nothing was "
                               "changed")
    problems = (resource_problems(view, source.desired.cluster, source.allowed_nodes)
                + unmanaged_problems(view))
    if problems:
        raise PreflightRefused("not every resource runs where it should: "
                               + "; ".join(summary(problems)),
                               fix="`ngha status` shows what is wrong; nothing was changed")
    live = pacemaker.read_cib(cluster).tree()
    _, changes = merge(live, source.desired.cluster, source.profile)
    owned = set(owned_ids(live))
    if not changes.empty or not owned:
        differs = list(changes.resources_added + changes.resources_changed
                       + changes.resources_removed)
        raise PreflightRefused(
            f"the CIB is not this deployment's {source.profile} layout"
            + (f" (differs in {', '.join(differs[:5])})" if differs else
               " (ngha did not deploy it)"),
            fix=f"`ngha plan --profile {source.profile}` shows the differences; nothing was "
                "changed")
    others = [e.get("id") for e in live.find("configuration/resources")
              if e.get("id") not in owned]
    if others:
        m.progress(f"resources ngha did not create, left alone: {', '.join(others)}")
    for node, found in states.items():
        absent = [u for u, s in found.items() if not s.exists]
        if absent:
            raise PreflightRefused(f"{node}: {', '.join(absent)} not installed",
                                   fix="install the packages first; nothing was changed")
