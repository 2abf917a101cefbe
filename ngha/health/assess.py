"""The health of a whole cluster from what was collected: each node's state, each
service's row, and every problem (Pacemaker's resources, systemd's services, failed
actions and units, maintenance, a migration under way, differences from the
deployment). status renders it; chaos and restart judge by its problems."""

from __future__ import annotations

from dataclasses import dataclass

from ngha.errors import NghaError
from ngha.facts import ClusterView, FailedAction
from ngha.health.collect import Collected
from ngha.health.problems import (DOWN, FAILED_ACTION, FAILED_UNIT, MAINTENANCE, MIGRATION,
                                  NO_ANSWER, NO_QUORUM, NODE_NOT_ONLINE, Problem, verdict)
from ngha.health.resources import resource_problems
from ngha.health.services import ServiceRow, row_problems, service_row
from ngha.live.pacemaker import property_value
from ngha.targets import Target

MIGRATION_MARKER = "ngha-migration"  # cluster property `ngha migrate` sets while under way


@dataclass
class Health:
    view: ClusterView | None  # the view the verdict is based on (the quorate partition's)
    nodes: dict[str, str]  # node -> online, offline, unreachable, standby
    services: list[ServiceRow]
    failed_units: list[dict]
    migration: str | None  # "to-nextgen ..." while `ngha migrate` is under way
    problems: list[Problem]

    @property
    def verdict(self) -> int:
        return verdict(self.problems)

    @property
    def failed_actions(self) -> tuple[FailedAction, ...]:
        return self.view.failed_actions if self.view else ()


def assess(target: Target, collected: Collected) -> Health:
    view = collected.best_view
    nodes = node_states(target.node_names, collected, view)
    rows = [service_row(s, target.desired_ids.get(s.name), target.node_names, view,
                        collected.units, collected.cib) for s in target.loaded.services]
    failed_units = [{"node": n, "unit": u.unit, "result": u.result}
                    for n, units in collected.units.items() if isinstance(units, dict)
                    for u in units.values() if u.active_state == "failed"]
    migration = (property_value(collected.cib, MIGRATION_MARKER)
                 if collected.cib is not None else None)
    problems = cluster_problems(nodes, view)
    online = [n for n, state in nodes.items() if state == "online"]
    if view is not None:
        problems += resource_problems(view, target.desired.cluster, target.allowed_nodes,
                                      skip_disabled=False)
    for row in rows:
        expected = [n for n in target.service_nodes(row.service) if n in online]
        problems += row_problems(row, expected)
    problems += [Problem(FAILED_ACTION, f.resource, f.node, f"failed action: {f.resource} "
                         f"{f.task} on {f.node}: {f.exit_status} {f.exit_reason}".rstrip())
                 for f in (view.failed_actions if view else ())]
    problems += [Problem(FAILED_UNIT, u["unit"], u["node"], f"failed unit: {u['unit']} on "
                         f"{u['node']}") for u in failed_units]
    if view is not None and view.maintenance_mode:
        problems.append(Problem(MAINTENANCE, "cluster", None, "maintenance mode is on"))
    if migration:
        problems.append(Problem(MIGRATION, "cluster", None,
                                f"a migration is under way ({migration.split()[0]}): run "
                                "`ngha migrate` again to finish it"))
    return Health(view=view, nodes=nodes, services=rows, failed_units=failed_units,
                  migration=migration, problems=problems)


def node_states(names: tuple[str, ...], collected: Collected,
                view: ClusterView | None) -> dict[str, str]:
    states = {}
    for node in names:
        mine = collected.views.get(node)
        if isinstance(collected.units.get(node), NghaError) and isinstance(mine, NghaError):
            states[node] = "unreachable"
        elif view is not None and node in view.offline:
            states[node] = "offline"
        elif view is not None and (record := view.node(node)) is not None and record.standby:
            states[node] = "standby"
        else:
            states[node] = "online"
    return states


def cluster_problems(nodes: dict[str, str], view: ClusterView | None) -> list[Problem]:
    problems = []
    if all(state == "unreachable" for state in nodes.values()):
        problems.append(Problem(NO_ANSWER, "cluster", None, "no node answers", DOWN))
    elif view is None or not view.quorum:
        problems.append(Problem(NO_QUORUM, "cluster", None, "no partition has quorum", DOWN))
    problems += [Problem(NODE_NOT_ONLINE, node, node, f"{node} is {state}")
                 for node, state in nodes.items() if state != "online"]
    return problems
