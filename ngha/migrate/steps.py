"""The steps of a migration between the layouts, in the order that keeps every process
running and issues no stop and no start (found on the lab; docs/architecture.md says
why each is safe). Each step describes itself (what `ngha migrate --plan` prints) and
runs itself, from the same object, so the plan cannot drift from what runs. Each is
idempotent: a migration killed at any point converges when run again, because every
step first looks at what is already done.

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
from ngha.errors import NghaError
from ngha.facts import LiveCib
from ngha.facts.units import PACEMAKER_DROPIN
from ngha.live import pacemaker, systemd
from ngha.live.cluster import LiveCluster
from ngha.live.configuration import plan_configuration, push_configuration
from ngha.live.wait import wait_until
from ngha.plan.nodes import observe_nodes, plan_nodes
from ngha.profiles.desired import Order
from ngha.targets import Target

Progress = Callable[[str], None]
MARKER = "ngha-migration"  # cluster property: a migration is under way (and to where)


@dataclass(frozen=True)
class Step:
    """One step: its name (what --plan lists, the log records and a test may kill after),
    what it does, per node where it acts, and the work itself."""

    name: str
    what: Callable[[], str]
    run: Callable[[], None]
    nodes: Callable[[], dict[str, list[str]]] | None = None

    def describe(self) -> dict:
        data: dict = {"step": self.name, "what": self.what()}
        if self.nodes is not None:
            data["nodes"] = self.nodes()
        return data


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
    def to_nextgen(self) -> bool:
        return self.destination.profile == "nextgen"

    @property
    def removed_primitives(self) -> list[str]:
        """Primitive ids the source has and the destination does not."""
        return sorted(_primitive_ids(self.source) - _primitive_ids(self.destination))

    @property
    def moving_units(self) -> list[str]:
        """The units systemd takes over (to next-gen)."""
        return [s.unit for s in self.moving if s.manager == "systemd"]

    # --- the list ----------------------------------------------------------------------

    def steps(self) -> list[Step]:
        names = ", ".join(s.name for s in self.moving) or "none"
        files = Step("write files", lambda: f"the {self.destination.profile} files for the "
                     f"services changing manager ({names}); Pacemaker's units disabled, none "
                     "stopped; no restart (units read them at their next start)",
                     self.write_files, self._file_changes)
        hold = Step("hold Pacemaker", lambda: "maintenance-mode=true, stop-orphan-resources="
                    f"false (what it was is kept in the {MARKER} property)",
                    self.hold_pacemaker)
        cib = Step("patch the CIB", self._describe_patch, self.patch_cib)
        release = Step("release Pacemaker", self._describe_release, self.release_pacemaker)
        restore = Step("restore the orphan policy", lambda: "stop-orphan-resources as it "
                       f"was; {MARKER} removed", self.restore_orphan_policy)
        if self.to_nextgen:
            units = Step("hand the units to systemd", lambda: "remove Pacemaker's runtime "
                         "Restart=no drop-in, daemon-reload, systemctl enable (no start: "
                         "they run)", self.hand_over_units,
                         lambda: {n: self.moving_units for n in self.cluster.nodes})
            forget = Step("forget the removed resources", lambda: "crm_resource --refresh "
                          f"of {', '.join(self.removed_primitives) or 'none'} (their "
                          "history; no probe)", self.forget_orphans)
            return [files, hold, cib, units, release, forget, restore]
        probes = Step("wait for Pacemaker's probes", lambda: "until Pacemaker has probed "
                      "every new resource on every node and found it running",
                      self.wait_for_probes)
        return [files, hold, cib, probes, release, restore]

    def _file_changes(self) -> dict[str, list[str]]:
        plan = plan_nodes(self.destination, *observe_nodes(self.cluster, self.destination))
        return {n: [f"{f.path} ({f.why})" for f in plan.files if f.node == n]
                + [f"{u.action} {u.unit}" for u in plan.units
                   if u.node == n and u.action == "disable"]
                for n in self.cluster.nodes}

    def _describe_patch(self) -> str:
        c = plan_configuration(pacemaker.read_cib(self.cluster),
                               self.destination.desired.cluster,
                               self.destination.profile).changes
        return (f"one patch: resources removed {list(c.resources_removed)}, added "
                f"{list(c.resources_added)}; constraints removed {len(c.constraints_removed)}"
                f", added {len(c.constraints_added)}")

    def _describe_release(self) -> str:
        helpers = self.new_helpers()
        held = self.ordered_after(helpers)
        return "maintenance-mode=false" + (
            f"; {held} unmanaged until Pacemaker has started {list(helpers)}, so their "
            "start restarts nothing" if held else "")

    # --- properties --------------------------------------------------------------------

    def property(self, name: str) -> str | None:
        return pacemaker.read_property(self.cluster, name)

    def set_property(self, name: str, value: str | None) -> None:
        pacemaker.set_property(self.cluster, name, value)

    # --- the steps' work ---------------------------------------------------------------

    def write_files(self) -> None:
        """The destination's node files; units Pacemaker will own disabled (not stopped);
        files only the source wanted removed. No restart: units read them when they
        next start."""
        write_node_files(self.cluster, self.destination, progress=self.progress,
                         restart=False)

    def hold_pacemaker(self) -> None:
        marker = self.property(MARKER)
        if marker is None:
            orphans = self.property("stop-orphan-resources") or "unset"
            self.set_property(MARKER, f"to-{self.destination.profile} "
                                      f"stop-orphan-resources={orphans}")
        self.set_property("stop-orphan-resources", "false")
        self.set_property("maintenance-mode", "true")

    def patch_cib(self) -> None:
        """One patch to the destination layout (in maintenance mode: no action follows,
        so there is no cascade for the gate to judge)."""
        push_configuration(self.cluster, self.destination.desired.cluster,
                           self.destination.profile, progress=self.progress)

    def hand_over_units(self) -> None:
        """To next-gen: Pacemaker's Restart=no drop-in goes, systemd reloads, the units
        are enabled. A running process is not touched by any of it."""
        units = self.moving_units
        if not units:
            return
        dropins = [f"/run/systemd/system/{u}.service.d/{PACEMAKER_DROPIN}" for u in units]
        for node, result in self.cluster.run_all(["rm", "-f", "--", *dropins]).items():
            _check(result, node, "remove Pacemaker's runtime drop-ins")
        for node in self.cluster.nodes:
            systemd.daemon_reload(self.cluster, node)
            systemd.enable(self.cluster, node, [f"{u}.service" for u in units])

    def wait_for_probes(self) -> None:
        """Before leaving maintenance mode, Pacemaker must have probed every resource it
        was just given on every node (each has an operation history there): it then knows
        they run and adopts them instead of starting them."""
        new = sorted(_primitive_ids(self.destination) - _primitive_ids(self.source))

        def unprobed(cib: LiveCib) -> list[str]:
            # The CIB's status, not crm_mon: crm_mon leaves out a resource whose only
            # history is a probe that found it stopped (legacy's openstack-core, on a
            # cluster that never ran legacy).
            status = cib.tree().find("status")

            def probed(primitive: str, node: str) -> bool:
                return status is not None and status.find(
                    f"node_state[@uname='{node}']/lrm/lrm_resources"
                    f"/lrm_resource[@id='{primitive}']") is not None
            return [f"{p}@{n}" for p in new for n in self.cluster.nodes if not probed(p, n)]
        wait_until(lambda: pacemaker.read_cib(self.cluster), lambda c: not unprobed(c),
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
            pacemaker.set_meta(self.cluster, rid, "is-managed", "false")
        self.set_property("maintenance-mode", "false")
        if held:
            # not crm_resource --wait: the restarts an unmanaged resource is spared stay
            # "pending" for it until the resource is managed again
            everywhere = set(self.cluster.nodes)
            wait_until(lambda: pacemaker.read_status(self.cluster),
                       lambda v: all(everywhere <= set(v.running_on(r)) if clone
                                     else v.running_on(r) for r, clone in helpers.items()),
                       timeout=300, what=f"Pacemaker to start {', '.join(helpers)}",
                       interval=1)
            cib = pacemaker.read_cib(self.cluster)
            for rid in held:  # the CIB as it was: is-managed and its block gone
                pacemaker.delete_meta(self.cluster, rid, "is-managed", cib)
        pacemaker.wait_for_idle(self.cluster, timeout=300)

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

    def forget_orphans(self) -> None:
        """History of resources no longer configured goes, or Pacemaker would stop them
        as orphans once stop-orphan-resources is back."""
        status = pacemaker.read_cib(self.cluster).tree().find("status")
        for primitive in self.removed_primitives:
            if status is not None and status.find(f".//lrm_resource[@id='{primitive}']") \
                    is not None:
                self.progress(f"forgetting the history of {primitive}")
                pacemaker.refresh(self.cluster, primitive)

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
