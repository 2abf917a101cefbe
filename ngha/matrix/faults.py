"""The matrix's faults: each breaks one backend (or the cluster's network) once, from a
healthy cluster, brings it back as an operator would, and says when the backend was
healthy again, the time every cell's `seconds_after_backend` counts from.

Fault ids are a contract (`ngha chaos matrix --faults`); more may be added, none renamed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ngha.chaos.context import Context
from ngha.chaos.scenarios import partition_minority
from ngha.live import pacemaker, systemd
from ngha.live.errors import ClusterError

GALERA, RABBITMQ, CORE = ("galera",), ("rabbitmq",), ("galera", "rabbitmq", "redis")


@dataclass
class FaultOutcome:
    backend_back: float | None = None  # the backend healthy again
    nodes: set[str] = field(default_factory=set)  # nodes crashed or cut off on purpose
    restarted_at: float | None = None  # services restarted on purpose (start-without-*)
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    id: str
    title: str
    backend: str  # what `seconds_after_backend` counts from: galera, rabbitmq, core, cluster,
    # cinder-volume
    run: Callable[[Context, frozenset[str]], FaultOutcome]  # (ctx, the measured services)
    rows: tuple[str, ...] = ()  # only these rows are measured (empty: every row)
    flows: dict[str, str] = field(default_factory=dict)  # row -> the flow it runs instead
    # rows measured in one run of the fault (0: every row at once); each group of rows
    # gets its own run from a healthy cluster
    rows_at_once: int = 0
    # the fault comes while a run of the measured rows' flows is under way (it is about an
    # object in progress); the cell fails when none was
    during_flow: bool = False


def _healthy(ctx: Context, services: tuple[str, ...]) -> Callable:
    """Galera promoted, RabbitMQ and Redis running, on every node, with quorum (Redis:
    one master, every replica running)."""
    conditions = []
    for service in services:
        if service == "galera":
            conditions.append(ctx.promoted("galera"))
        elif service == "redis":
            rid, nodes = ctx.resource("redis"), set(ctx.cluster.nodes)
            conditions.append(lambda v, rid=rid, nodes=nodes:
                              len(v.promoted_on(rid)) == 1 and nodes <= set(v.running_on(rid)))
        else:
            conditions.append(ctx.running(service))
    return lambda view: all(condition(view) for condition in conditions)


def _stop(ctx: Context, services: tuple[str, ...]) -> None:
    for service in services:
        pacemaker.disable(ctx.cluster, ctx.resource(service))
    stopped = [ctx.stopped(s) for s in services]
    ctx.wait(lambda v: all(each(v) for each in stopped), f"{', '.join(services)} stopped",
             timeout=600)


def _start(ctx: Context, services: tuple[str, ...]) -> float:
    ctx.event(f"recovery: pcs resource enable {' '.join(map(ctx.resource, services))}")
    for service in services:
        pacemaker.enable(ctx.cluster, ctx.resource(service))
    back = ctx.wait(_healthy(ctx, services), f"{', '.join(services)} healthy again",
                    timeout=900)
    ctx.events.append((back, f"{', '.join(services)} healthy again"))
    return back


def _down_for(services: tuple[str, ...], quick: float, full: float) -> Callable:
    def run(ctx: Context, measured: frozenset[str]) -> FaultOutcome:
        seconds = ctx.hold(quick, full)
        ctx.event(f"fault: {', '.join(services)} disabled for {seconds:g} s")
        _stop(ctx, services)
        time.sleep(seconds)
        return FaultOutcome(backend_back=_start(ctx, services))
    return run


def _start_without(services: tuple[str, ...]) -> Callable:
    """Every measured OpenStack service restarted while the backend is down: does a
    service started into an outage come up serving once it is back? (Legacy: Pacemaker
    has stopped them all with the backend, its order constraints: nothing left to
    restart.) Only the measured ones: on the 2-core lab, every unit of the control plane
    starting at once when Galera came back made Keystone's token requests take 4-5 s,
    a measure of the lab's CPU, not of the services."""
    def run(ctx: Context, measured: frozenset[str]) -> FaultOutcome:
        ctx.event(f"fault: {', '.join(services)} disabled, "
                  "then every measured service restarted")
        _stop(ctx, services)
        units = [s.unit for s in ctx.target.loaded.services
                 if s.name in measured and s.manager == "systemd"]
        restarted_at = None
        if units:
            restarted_at = ctx.event(f"systemctl restart {' '.join(units)} on every node")
            # not waited for: started into the outage, they wait for Galera or RabbitMQ
            systemd.act_everywhere(ctx.cluster, "restart", units, wait=False)
        time.sleep(ctx.hold(20, 60))
        return FaultOutcome(backend_back=_start(ctx, services), restarted_at=restarted_at)
    return run


def _restart(services: tuple[str, ...]) -> Callable:
    def run(ctx: Context, measured: frozenset[str]) -> FaultOutcome:
        ctx.event(f"fault: {', '.join(services)} stopped and started cluster-wide")
        _stop(ctx, services)
        time.sleep(ctx.hold(10, 30))
        return FaultOutcome(backend_back=_start(ctx, services))
    return run


def _partition(ctx: Context, measured: frozenset[str]) -> FaultOutcome:
    outcome = partition_minority(ctx)
    back = ctx.wait(_healthy(ctx, CORE), "every node back in Galera, RabbitMQ and Redis",
                    timeout=900)
    ctx.events.append((back, "the cluster whole again"))
    return FaultOutcome(backend_back=back, nodes=outcome.nodes)


def _volume_failover(ctx: Context, measured: frozenset[str]) -> FaultOutcome:
    """Power loss of the node running cinder-volume while volumes are being created (the
    volume flow runs one after the other): the volume service must run elsewhere, and
    no volume may stay `creating`."""
    rid = ctx.resource("cinder-volume")
    node = next(iter(ctx.view().running_on(rid)), None)
    if node is None:
        raise ClusterError("cinder-volume runs nowhere")
    ctx.event(f"fault: power loss of {node} (runs cinder-volume)")
    ctx.crash(node)
    back = ctx.wait(lambda v: any(n != node for n in v.running_on(rid)),
                    "cinder-volume running on another node", timeout=300)
    ctx.events.append((back, "cinder-volume running elsewhere"))
    time.sleep(ctx.hold(10, 30))
    ctx.event(f"recovery: boot {node}")
    ctx.boot(node)
    ctx.wait(ctx.online(list(ctx.cluster.nodes)), f"{node} back in the cluster", timeout=300)
    return FaultOutcome(backend_back=back, nodes={node})


FAULTS = [
    Fault("galera-restart", "Galera stopped and started cluster-wide", "galera",
          _restart(GALERA)),
    Fault("rabbitmq-restart", "RabbitMQ stopped and started cluster-wide", "rabbitmq",
          _restart(RABBITMQ)),
    Fault("galera-down", "Galera disabled for 5 minutes (quick: 60 s)", "galera",
          _down_for(GALERA, 60, 300)),
    Fault("rabbitmq-down", "RabbitMQ disabled for 5 minutes (quick: 60 s)", "rabbitmq",
          _down_for(RABBITMQ, 60, 300)),
    Fault("core-down", "Galera, RabbitMQ and Redis disabled for 5 minutes (quick: 60 s)",
          "core", _down_for(CORE, 60, 300)),
    # Two rows per run: on the lab's 2 cores, every unit of the control plane (12 on each
    # node) restarted at once put the load average at 30, Galera took 580 s to be promoted
    # everywhere and RabbitMQ's monitor timed out; the cells measured the lab's CPU.
    Fault("start-without-db", "Every service restarted while Galera is down", "galera",
          _start_without(GALERA), rows_at_once=2),
    Fault("start-without-broker", "Every service restarted while RabbitMQ is down",
          "rabbitmq", _start_without(RABBITMQ), rows_at_once=2),
    Fault("partition-minority", "One node cut off for 60 s (quick: 20 s)", "cluster",
          _partition),
    Fault("volume-failover", "cinder-volume's node loses power while volumes are created",
          "cinder-volume", _volume_failover, rows=("cinder",), during_flow=True),
    Fault("engine-broker-loss", "RabbitMQ restarted while Heat stacks are in progress",
          # the slow stack flow runs one after the other: a stack is in progress
          "rabbitmq", _restart(RABBITMQ), rows=("heat",),
          flows={"heat": "stack-slow-create"}, during_flow=True),
]
BY_ID = {f.id: f for f in FAULTS}
