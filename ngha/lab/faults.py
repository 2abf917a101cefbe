"""Network partitions and frozen nodes (crash and boot are in lifecycle)."""

from __future__ import annotations

from typing import Sequence

from ngha.lab import network, node
from ngha.lab.access import lab_paths, load_lab
from ngha.lab.cgroups import CgroupLayout
from ngha.lab.errors import LabError
from ngha.lab.lock import lab_lock
from ngha.lab.state import CUT_SIDE, MAIN_SIDE, LabState, save_state


def _apply_sides(state: LabState) -> None:
    for record in state.nodes:
        # A crashed node has no port; boot plugs it into its recorded side.
        if node.is_alive(record) and network.port_exists(state.name, record.name):
            network.move_to_side(state.name, record.name, record.side)


def partition(name: str, cut: Sequence[str]) -> tuple[list[str], list[str]]:
    """Move the named nodes to the `cut` bridge: they keep seeing each other, the rest of
    the cluster and the client stay on `main`. Returns (main side, cut side)."""
    paths = lab_paths(name)
    with lab_lock(paths.dir):
        state = load_lab(name)
        wanted = {state.node(n).name for n in cut}
        if not wanted:
            raise LabError("name at least one node to cut off")
        if wanted == set(state.node_names):
            raise LabError("cutting off every node is no partition; leave at least one out")
        for record in state.nodes:
            record.side = CUT_SIDE if record.name in wanted else MAIN_SIDE
        _apply_sides(state)
        save_state(state, paths.state_file)
        return ([n.name for n in state.nodes if n.side == MAIN_SIDE],
                [n.name for n in state.nodes if n.side == CUT_SIDE])


def heal(name: str) -> None:
    paths = lab_paths(name)
    with lab_lock(paths.dir):
        state = load_lab(name)
        for record in state.nodes:
            record.side = MAIN_SIDE
        _apply_sides(state)
        save_state(state, paths.state_file)


def set_frozen(name: str, node_name: str, frozen: bool) -> None:
    """Freeze stops every process of the node at once (cgroup freezer), like a VM paused
    by its hypervisor: peers see silence, not a crash."""
    paths = lab_paths(name)
    layout = CgroupLayout.detect()
    with lab_lock(paths.dir):
        state = load_lab(name)
        record = state.node(node_name)
        if not node.is_alive(record):
            raise LabError(f"node {record.name} is not running ({record.status})")
        if frozen:
            layout.freeze(name, record.name)
        else:
            layout.thaw(name, record.name)
        record.frozen = frozen
        save_state(state, paths.state_file)
