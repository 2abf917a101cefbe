"""Network partitions and frozen nodes (crash and boot are in lifecycle)."""

from __future__ import annotations

from typing import Sequence

from ngha.lab import network, node
from ngha.lab.errors import LabRefused
from ngha.lab.session import Lab
from ngha.lab.state import CUT_SIDE, MAIN_SIDE, LabState


def _apply_sides(state: LabState) -> None:
    for record in state.nodes:
        # A crashed node has no port; boot plugs it into its recorded side.
        if node.is_alive(record) and network.port_exists(state.name, record.name):
            network.move_to_side(state.name, record.name, record.side)


def partition(name: str, cut: Sequence[str]) -> tuple[list[str], list[str]]:
    """Move the named nodes to the `cut` bridge: they keep seeing each other, the rest of
    the cluster and the client stay on `main`. Returns (main side, cut side)."""
    with Lab.locked(name) as lab:
        wanted = {lab.node(n).name for n in cut}
        if not wanted:
            raise LabRefused("name at least one node to cut off")
        if wanted == set(lab.state.node_names):
            raise LabRefused("cutting off every node is no partition; leave at least one out")
        for record in lab.state.nodes:
            record.side = CUT_SIDE if record.name in wanted else MAIN_SIDE
        _apply_sides(lab.state)
        lab.save()
        return ([n.name for n in lab.state.nodes if n.side == MAIN_SIDE],
                [n.name for n in lab.state.nodes if n.side == CUT_SIDE])


def heal(name: str) -> None:
    with Lab.locked(name) as lab:
        for record in lab.state.nodes:
            record.side = MAIN_SIDE
        _apply_sides(lab.state)
        lab.save()


def set_frozen(name: str, node_name: str, frozen: bool) -> None:
    """Freeze stops every process of the node at once (cgroup freezer), like a VM paused
    by its hypervisor: peers see silence, not a crash."""
    with Lab.locked(name) as lab:
        record = lab.node(node_name, running=True)
        if frozen:
            lab.cgroups.freeze(name, record.name)
        else:
            lab.cgroups.thaw(name, record.name)
        record.frozen = frozen
        lab.save()
