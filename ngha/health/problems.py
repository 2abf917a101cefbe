"""What is wrong with a cluster, as data: each problem has a kind, what it is about, the
node (if one), a sentence for people and how bad it is. Status renders them, apply waits
until there are none, chaos judges "healthy again" by them, restart and migrate's
preflight refuse on them. Nobody matches sentences."""

from __future__ import annotations

from dataclasses import asdict, dataclass

HEALTHY, DEGRADED, DOWN = 0, 1, 2  # the Nagios convention `ngha status` exits with
VERDICT = {HEALTHY: "healthy", DEGRADED: "degraded", DOWN: "down"}

# kinds
NO_ANSWER = "no-answer"  # no node answers at all
NO_QUORUM = "no-quorum"
NODE_NOT_ONLINE = "node-not-online"  # offline, unreachable or standby
RUNS_NOWHERE = "runs-nowhere"
NOT_RUNNING = "not-running"  # not running on a node where it should
FAILED = "failed"  # Pacemaker marks an instance failed
WRONG_COUNT = "wrong-count"  # an active/passive resource on other than one node
NOT_PROMOTED = "not-promoted"  # fewer promoted instances than wanted
UNMANAGED = "unmanaged"
NOT_SYNCED = "not-synced"  # a Galera member outside the primary component or not synced
NOT_ROUTED = "not-routed"  # HAProxy has no healthy server for a backend
NOT_ANSWERING = "not-answering"  # a service's own endpoint does not answer
FAILED_ACTION = "failed-action"
FAILED_UNIT = "failed-unit"
MAINTENANCE = "maintenance"
MIGRATION = "migration"  # `ngha migrate` is under way
DIFFERS = "differs"  # the cluster differs from the deployment (two managers, ...)

# What a recovered fault leaves behind: reported and cleaned up, but not a sign that
# anything is not running now (chaos judges them on their own).
AFTERMATH = frozenset({FAILED_ACTION, FAILED_UNIT})


@dataclass(frozen=True)
class Problem:
    kind: str
    subject: str  # the service, resource, unit or node it is about; "cluster" for all
    node: str | None
    detail: str  # one sentence for people
    severity: int = DEGRADED

    def __str__(self) -> str:
        return self.detail

    def as_dict(self) -> dict:
        return asdict(self)


def verdict(problems: list[Problem]) -> int:
    return max((p.severity for p in problems), default=HEALTHY)


def current(problems: list[Problem]) -> list[Problem]:
    """The problems that say something is not as it should be now (not AFTERMATH)."""
    return [p for p in problems if p.kind not in AFTERMATH]


def summary(problems: list[Problem]) -> list[str]:
    """The problems as short sentences, worst first; the per-node ones of one thing
    folded into one ("keystone not running on ctl-1, ctl-2"), the numerous kinds
    counted ("2 failed actions")."""
    counted = {FAILED_ACTION: "failed actions", FAILED_UNIT: "failed units",
               DIFFERS: "differences from the deployment"}
    lines: list[tuple[int, str]] = []
    folded: dict[tuple[str, str], list[str]] = {}
    for problem in problems:
        if problem.kind in counted:
            continue
        if problem.kind == NOT_RUNNING and problem.node:
            nodes = folded.setdefault((problem.kind, problem.subject), [])
            if not nodes:
                lines.append((problem.severity, f"@{problem.subject}"))
            nodes.append(problem.node)
            continue
        lines.append((problem.severity, problem.detail))
    for kind, label in counted.items():
        count = sum(1 for p in problems if p.kind == kind)
        if count:
            lines.append((DEGRADED, f"{count} {label}"))
    text = []
    for severity, line in sorted(lines, key=lambda item: -item[0]):
        if line.startswith("@"):
            subject = line[1:]
            line = f"{subject} not running on {', '.join(folded[(NOT_RUNNING, subject)])}"
        text.append(line)
    return text
