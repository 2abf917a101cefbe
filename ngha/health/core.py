"""The core services' own view of themselves, beyond Pacemaker's roles: every Galera
member in the primary component and synced (what "Galera synced" means everywhere in
ngha), and HAProxy sending a backend's requests to a healthy server."""

from __future__ import annotations

from ngha.errors import NghaError
from ngha.facts import ServerState, WsrepStatus
from ngha.health.problems import NOT_ROUTED, NOT_SYNCED, Problem


def galera_problems(members: dict[str, WsrepStatus | NghaError]) -> list[Problem]:
    """`members`: each Galera node's wsrep status (or why it gave none)."""
    problems = []
    size = len(members)
    for node, status in members.items():
        if isinstance(status, NghaError):
            problems.append(Problem(NOT_SYNCED, "galera", node,
                                    f"Galera on {node} does not answer ({status.message})"))
        elif not status.synced:
            problems.append(Problem(NOT_SYNCED, "galera", node,
                                    f"Galera on {node} is {status.local_state_comment or '?'} "
                                    f"in a {status.cluster_status or '?'} component"))
        elif status.cluster_size < size:
            problems.append(Problem(NOT_SYNCED, "galera", node,
                                    f"Galera on {node} sees {status.cluster_size} of {size} "
                                    "members"))
    return problems


def routing_problems(servers: dict[str, dict[tuple[str, str], ServerState] | NghaError],
                     backend: str) -> list[Problem]:
    """`servers`: each HAProxy node's server states. A problem for every HAProxy that has
    no server of `backend` up."""
    problems = []
    for node, states in servers.items():
        if isinstance(states, NghaError):
            problems.append(Problem(NOT_ROUTED, backend, node,
                                    f"HAProxy on {node} does not answer ({states.message})"))
        elif not any(s.up for (b, _), s in states.items() if b == backend):
            problems.append(Problem(NOT_ROUTED, backend, node,
                                    f"HAProxy on {node} has no {backend} server up"))
    return problems
