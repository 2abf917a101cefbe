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
running; maintenance off with those services unmanaged for a moment: Pacemaker starts
what runs nowhere (its own openstack-core) without restarting what is ordered after it;
managed again, they are adopted as they run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from ngha.apply.steps import write_node_files
from ngha.cib.merge import merge
from ngha.errors import NghaError
from ngha.facts import CibFact, CrmMonFact
from ngha.facts.units import PACEMAKER_DROPIN
from ngha.live.cib import apply_patch, make_patch
from ngha.live.cluster import LiveCluster
from ngha.live.errors import StaleCib
from ngha.live.wait import wait_for_idle, wait_until
from ngha.plan.target import Target
from ngha.profiles.desired import Order

Progress = Callable[[str], None]
MARKER = "ngha-migration"  # cluster property: a migration is under way (and to where)


@dataclass
class Migration:
    cluster: LiveCluster
    source: Target  # the layout left behind
    destination: Target  # the layout wanted
    progress: Progress

    @cached_property
    def moving(self) -> list:
        """Services whose manager changes (resolved in the destination)."""
        before = self.source.services
        return [s for s in self.destination.loaded.services
                if before.get(s.name) and before[s.name] != s.manager]

    @property
    def removed_primitives(self) -> list[str]:
        """Primitive ids the source has and the destination does not."""
        return sorted(_primitive_ids(self.source) - _primitive_ids(self.destination))

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
        raise StaleCib("the CIB kept changing while the migration patched it",
                       fix="run `ngha migrate` again once the cluster is quiet")

    def hand_over_units(self) -> None:
        """To next-gen: Pacemaker's Restart=no drop-in goes, systemd reloads, the units
        are enabled. A running process is not touched by any of it."""
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
        new = sorted(_primitive_ids(self.destination) - _primitive_ids(self.source))

        def unprobed(cib) -> list[str]:
            # The CIB's status, not crm_mon: crm_mon leaves out a resource whose only
            # history is a probe that found it stopped (legacy's openstack-core, on a
            # cluster that never ran legacy).
            status = cib.tree().find("status")
            def probed(primitive: str, node: str) -> bool:
                return status is not None and status.find(
                    f"node_state[@uname='{node}']/lrm/lrm_resources"
                    f"/lrm_resource[@id='{primitive}']") is not None
            return [f"{p}@{n}" for p in new for n in self.cluster.nodes if not probed(p, n)]
        wait_until(lambda: self.cluster.read_any(CibFact()), lambda c: not unprobed(c),
                   timeout=120, what="Pacemaker to probe the new resources",
                   describe=lambda c: ", ".join(unprobed(c)[:6]), interval=1)

    def release_pacemaker(self) -> None:
        """Maintenance off, and wait until Pacemaker has done what follows from it (the
        measurements count it). To legacy, what is ordered after openstack-core (the
        services Pacemaker takes over, and its own A/P ones) is held unmanaged meanwhile:
        openstack-core runs nowhere on a cluster that never ran legacy, and its start
        would restart every one of them. Unmanaged, they wait while it starts; managed
        again, they are found running with their order satisfied, and left alone."""
        helpers = self.new_helpers()
        held = self.ordered_after(helpers)
        for rid in held:
            argv = ["crm_resource", "--resource", rid, "--meta", "--set-parameter",
                    "is-managed", "--parameter-value", "false"]
            self.cluster.run_any(argv, what=" ".join(argv))
        self.set_property("maintenance-mode", "false")
        if held:
            # not crm_resource --wait: the restarts an unmanaged resource is spared stay
            # "pending" for it until the resource is managed again
            everywhere = set(self.cluster.nodes)
            wait_until(lambda: self.cluster.read_any(CrmMonFact()),
                       lambda v: all(everywhere <= set(v.roles_on(r)) if clone
                                     else v.roles_on(r) for r, clone in helpers.items()),
                       timeout=300, what=f"Pacemaker to start {', '.join(helpers)}",
                       interval=1)
            self._manage_again(held)
        wait_for_idle(self.cluster, timeout=300)

    def new_helpers(self) -> dict[str, bool]:
        """Resources the destination adds that no moving service is (legacy's
        openstack-core), each with whether it is a clone (started on every node)."""
        known = {r.id for r in self.source.desired.cluster.resources}
        known |= set(self.taken_over_resources())
        return {r.id: hasattr(r, "primitive") for r in self.destination.desired.cluster.resources
                if r.id not in known}

    def ordered_after(self, helpers) -> list[str]:
        """Every resource the destination orders after one of `helpers`, directly or
        not: the ones a helper's start would restart (the services taken over, and
        any already there that legacy also orders after openstack-core)."""
        then: dict[str, set[str]] = {}
        for c in self.destination.desired.cluster.constraints:
            if isinstance(c, Order) and c.kind == "Mandatory":
                then.setdefault(c.first, set()).add(c.then)
        found: set[str] = set()
        todo = list(helpers)
        while todo:
            for rid in then.get(todo.pop(), ()):
                if rid not in found:
                    found.add(rid)
                    todo.append(rid)
        return sorted(found - set(helpers))

    def taken_over_resources(self) -> list[str]:
        """Top-level ids of the resources of services moving to Pacemaker."""
        ids = self.destination.desired_ids
        return [ids[s.name] for s in self.moving if s.manager == "pacemaker" and s.name in ids]

    def _manage_again(self, rids: list[str]) -> None:
        """is-managed goes again, and with it the block crm_resource made for it, so the
        CIB is as it was (a resumed migration finds some already managed)."""
        root = self.cluster.read_any(CibFact()).tree()
        for rid in rids:
            pair = root.find(f"configuration/resources//*[@id='{rid}']/meta_attributes"
                             f"/nvpair[@name='is-managed']")
            if pair is None:
                continue
            argv = ["crm_resource", "--resource", rid, "--meta", "--delete-parameter",
                    "is-managed"]
            self.cluster.run_any(argv, what=" ".join(argv))
            block = pair.getparent()
            if len(block) == 1:
                xml = f'<meta_attributes id="{block.get("id")}"/>'
                self.cluster.run_any(["cibadmin", "--delete", "--scope", "resources",
                                      "--xml-text", xml], what="cibadmin --delete " + xml)

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


def _primitive_ids(target: Target) -> set[str]:
    return set(target.desired.cluster.primitive_ids().values())


def _check(result, node: str, what: str) -> None:
    if isinstance(result, NghaError):
        raise result
    result.check(what)
