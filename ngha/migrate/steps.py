"""The steps of a migration between the layouts, in the order that keeps every process
running and issues no stop and no start (found on the lab; docs/architecture.md says
why each is safe). Each step is idempotent: a migration killed at any point converges
when run again, because every step first looks at what is already done.

To next-gen, for the services leaving Pacemaker:
  1. their systemd drop-ins (Restart=always, no start limit) and retry-forever settings
     written: read only at their next start, so nothing restarts now;
  2. the cluster told not to act: maintenance-mode=true, and stop-orphan-resources=false
     so that resources removed from the CIB are not stopped as orphans later;
  3. their resources and every legacy constraint removed in one CIB patch;
  4. Pacemaker's runtime drop-in (Restart=no) removed, systemd reloaded, each unit
     enabled: systemd already supervises the process Pacemaker started through it;
  5. maintenance-mode=false: nothing is an orphan Pacemaker may stop;
  6. their operation history refreshed away (crm_resource --refresh of an id no longer
     configured removes its history and probes nothing);
  7. stop-orphan-resources restored.

To legacy, the way back: files as legacy wants them (ngha's drop-ins and retry
settings removed, units disabled, none stopped); maintenance mode; the legacy resources
and constraints added in one patch; Pacemaker probes and finds every service already
running; maintenance off: it adopts them, starting only what runs nowhere (its own
openstack-core).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ngha.apply.steps import write_node_files
from ngha.cib.merge import merge
from ngha.errors import NghaError
from ngha.facts import CibFact, CrmMonFact
from ngha.live.cib import apply_patch, make_patch
from ngha.live.cluster import LiveCluster
from ngha.live.errors import StaleCib
from ngha.live.wait import wait_until
from ngha.plan.target import Target

Progress = Callable[[str], None]
MARKER = "ngha-migration"  # cluster property: a migration is under way (and to where)
PACEMAKER_DROPIN = "50-pacemaker.conf"


@dataclass
class Migration:
    cluster: LiveCluster
    source: Target  # the layout left behind
    destination: Target  # the layout wanted
    progress: Progress

    @property
    def moving(self) -> list:
        """Services whose manager changes (resolved in the destination)."""
        before = self.source.services
        return [s for s in self.destination.loaded.services
                if before.get(s.name) and before[s.name] != s.manager]

    @property
    def removed_primitives(self) -> list[str]:
        """Primitive ids the source has and the destination does not."""
        def primitives(target: Target) -> set[str]:
            found = set()
            for resource in target.desired.cluster.resources:
                primitive = getattr(resource, "primitive", resource)
                found.add(primitive.id)
            return found
        return sorted(primitives(self.source) - primitives(self.destination))

    # --- properties --------------------------------------------------------------------

    def property(self, name: str) -> str | None:
        root = self.cluster.read_any(CibFact()).tree()
        pair = root.find(f"configuration/crm_config//nvpair[@name='{name}']")
        return pair.get("value") if pair is not None else None

    def set_property(self, name: str, value: str | None) -> None:
        argv = ["crm_attribute", "--type", "crm_config", "--name", name]
        argv += ["--delete"] if value is None else ["--update", value]
        self.cluster.run_any(argv, what=" ".join(argv))

    # --- the steps ---------------------------------------------------------------------

    def write_files(self) -> None:
        """The destination's node files; units Pacemaker will own disabled (not stopped);
        files only the source wanted removed. No restart: units read them when they
        next start."""
        write_node_files(self.cluster, self.destination, progress=self.progress)

    def hold_pacemaker(self) -> None:
        marker = self.property(MARKER)
        if marker is None:
            orphans = self.property("stop-orphan-resources") or "unset"
            self.set_property(MARKER, f"to-{self.destination.profile} "
                                      f"stop-orphan-resources={orphans}")
        self.set_property("stop-orphan-resources", "false")
        self.set_property("maintenance-mode", "true")

    def patch_cib(self) -> None:
        """One patch to the destination layout (in maintenance mode: no action follows)."""
        for _ in range(3):
            cib = self.cluster.read_any(CibFact())
            wanted, changes = merge(cib.tree(), self.destination.desired.cluster,
                                    self.destination.profile)
            patch = make_patch(cib, wanted)
            if patch.empty:
                return
            self.progress(f"CIB: {len(changes.resources_removed)} resources removed, "
                          f"{len(changes.resources_added)} added, "
                          f"{len(changes.constraints_removed)} constraints removed, "
                          f"{len(changes.constraints_added)} added (one patch)")
            try:
                apply_patch(self.cluster, patch)
                return
            except StaleCib:
                self.progress("CIB: it changed since it was read; reading it again")

    def hand_over_units(self) -> None:
        """To next-gen: Pacemaker's Restart=no drop-in goes, systemd reloads, the units
        are enabled. A running process is not touched by any of it."""
        if self.destination.profile != "nextgen":
            return
        units = [s.unit for s in self.moving if s.manager == "systemd"]
        if not units:
            return
        dropins = [f"/run/systemd/system/{u}.service.d/{PACEMAKER_DROPIN}" for u in units]
        for node, result in self.cluster.run_all(["rm", "-f", "--", *dropins]).items():
            _check(result, node, "remove Pacemaker's runtime drop-ins")
        for node, result in self.cluster.run_all(["systemctl", "daemon-reload"]).items():
            _check(result, node, "systemctl daemon-reload")
        for node, result in self.cluster.run_all(["systemctl", "enable", "--quiet",
                                                  *[f"{u}.service" for u in units]]).items():
            _check(result, node, "systemctl enable")

    def wait_for_probes(self) -> None:
        """Before leaving maintenance mode, Pacemaker must have probed every resource it
        was just given on every node (each has an operation history there): it then knows
        they run and adopts them instead of starting them."""
        def primitives(target: Target) -> set[str]:
            return {getattr(r, "primitive", r).id for r in target.desired.cluster.resources}
        new = sorted(primitives(self.destination) - primitives(self.source))

        def unprobed(view) -> list[str]:
            return [f"{p}@{n}" for p in new for n in self.cluster.nodes
                    if p not in view.history.get(n, {})]
        wait_until(lambda: self.cluster.read_any(CrmMonFact()), lambda v: not unprobed(v),
                   timeout=120, what="Pacemaker to probe the new resources",
                   describe=lambda v: ", ".join(unprobed(v)[:6]), interval=1)

    def release_pacemaker(self) -> None:
        self.set_property("maintenance-mode", "false")

    def forget_orphans(self) -> None:
        """History of resources no longer configured goes, or Pacemaker would stop them
        as orphans once stop-orphan-resources is back."""
        status = self.cluster.read_any(CibFact()).tree().find("status")
        for primitive in self.removed_primitives:
            if status is not None and status.find(f".//lrm_resource[@id='{primitive}']") \
                    is not None:
                self.progress(f"forgetting the history of {primitive}")
                self.cluster.run_any(["crm_resource", "--refresh", "--resource", primitive],
                                     timeout=120, what=f"crm_resource --refresh {primitive}")

    def restore_orphan_policy(self) -> None:
        marker = self.property(MARKER)
        original = "unset"
        if marker and "stop-orphan-resources=" in marker:
            original = marker.split("stop-orphan-resources=", 1)[1].split()[0]
        self.set_property("stop-orphan-resources", None if original == "unset" else original)
        self.set_property(MARKER, None)


def _check(result, node: str, what: str) -> None:
    if isinstance(result, NghaError):
        raise result
    result.check(what)
