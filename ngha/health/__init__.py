"""One health model for every command: what is wrong with a cluster, as structured
problems (kind, what, node, detail, severity). status renders them, apply waits on them,
chaos judges "healthy again" and restore by them, restart and migrate's preflight refuse
on them. "What counts as running" is facts.crm_mon.RUNNING_ROLES."""

from ngha.health.assess import Health, assess
from ngha.health.collect import Collected, collect
from ngha.health.problems import (AFTERMATH, DEGRADED, DOWN, HEALTHY, VERDICT, Problem,
                                  current, summary, verdict)
from ngha.targets import Target
from ngha.live.cluster import LiveCluster


def cluster_health(cluster: LiveCluster, target: Target) -> Health:
    """The cluster's health now, read from every node."""
    return assess(target, collect(cluster, target))


__all__ = ["AFTERMATH", "DEGRADED", "DOWN", "HEALTHY", "VERDICT", "Collected", "Health",
           "Problem", "assess", "cluster_health", "collect", "current", "summary", "verdict"]
