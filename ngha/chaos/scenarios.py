"""The failure scenarios: each injects one fault, brings the cluster back the way an
operator (or Pacemaker, or systemd) would, and says what it touched on purpose and when
the backend it broke was back, so the runner can judge the rest.

Scenario ids are a contract (`ngha chaos run ID`); more may be added, none renamed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ngha.chaos.context import Context, Outcome
from ngha.errors import NghaError
from ngha.facts import ClusterView, UnitsFact
from ngha.live import pacemaker, systemd
from ngha.transport.process import wait_for

DB_PATHS = ("keystone", "db_write")
KILL_LOOP_WAIT = 120.0  # for a killed service to be back: Pacemaker's monitor and start
BROKER_PATHS = ("rpc",)
CORE = ("galera", "rabbitmq", "redis")


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    run: Callable[[Context], Outcome]
    core_failure: bool = False  # next-gen must show no collateral restarts


# --- Galera ------------------------------------------------------------------------------

def _restart_cluster_wide(ctx: Context, service: str, name: str, back_when: Callable,
                          paths: tuple[str, ...]) -> Outcome:
    """Disabled, held down, enabled again: the clone stopped and started everywhere."""
    rid = ctx.resource(service)
    ctx.event(f"fault: pcs resource disable {rid}")
    pacemaker.disable(ctx.cluster, rid)
    ctx.wait(ctx.stopped(service), f"{name} stopped everywhere")
    time.sleep(ctx.hold(10, 30))
    ctx.event(f"recovery: pcs resource enable {rid}")
    pacemaker.enable(ctx.cluster, rid)
    back = ctx.wait(back_when, f"{name} back on every node", timeout=600)
    ctx.events.append((back, f"{name} back on every node"))
    return Outcome(targets={service}, backend_back={p: back for p in paths})


def galera_restart(ctx: Context) -> Outcome:
    return _restart_cluster_wide(ctx, "galera", "Galera", ctx.promoted("galera"), DB_PATHS)


def galera_kill_one(ctx: Context) -> Outcome:
    node = ctx.cluster.nodes[0]  # HAProxy's active Galera server: the writer
    ctx.event(f"fault: kill -9 mariadbd on {node}")
    ctx.kill(node, "mariadbd")
    galera = ctx.resource("galera")
    ctx.wait(lambda v: node not in v.promoted_on(galera),
             f"Pacemaker sees Galera down on {node}", timeout=120)
    back = ctx.wait(ctx.promoted("galera"), f"Galera promoted again on {node}",
                    timeout=600)
    ctx.events.append((back, f"Galera promoted again on {node}"))
    return Outcome(targets={"galera"}, backend_back={p: back for p in DB_PATHS})


# --- RabbitMQ ----------------------------------------------------------------------------

def rabbitmq_restart(ctx: Context) -> Outcome:
    return _restart_cluster_wide(ctx, "rabbitmq", "RabbitMQ", ctx.running("rabbitmq"),
                                 BROKER_PATHS)


def rabbitmq_kill_one(ctx: Context) -> Outcome:
    node = ctx.cluster.nodes[1]
    ctx.event(f"fault: kill -9 beam.smp on {node}")
    ctx.kill(node, "beam.smp")
    rid = ctx.resource("rabbitmq")
    ctx.wait(lambda v: node not in v.running_on(rid) or bool(v.failed_on(rid)),
             f"Pacemaker sees RabbitMQ down on {node}", timeout=120)
    back = ctx.wait(ctx.running("rabbitmq"), f"RabbitMQ back on {node}", timeout=600)
    ctx.events.append((back, f"RabbitMQ running again on {node}"))
    return Outcome(targets={"rabbitmq"}, backend_back={p: back for p in BROKER_PATHS})


# --- Redis -------------------------------------------------------------------------------

def redis_master_kill(ctx: Context) -> Outcome:
    master = ctx.view().promoted_on(ctx.resource("redis"))[0]
    ctx.event(f"fault: kill -9 redis-server on the master, {master}")
    ctx.kill(master, "redis-server")
    rid = ctx.resource("redis")
    ctx.wait(lambda v: master not in v.promoted_on(rid) or bool(v.failed_on(rid)),
             "Pacemaker sees the master gone", timeout=120)
    back = ctx.wait(lambda v: len(v.promoted_on(rid)) == 1
                    and len(v.running_on(rid)) == len(ctx.cluster.nodes),
                    "one Redis master and every replica back", timeout=300)
    ctx.events.append((back, "Redis master and replicas back"))
    return Outcome(targets={"redis"})


# --- HAProxy and the VIPs ----------------------------------------------------------------

def haproxy_kill_vip_holder(ctx: Context) -> Outcome:
    node = ctx.holder_of_vip("public")
    ctx.event(f"fault: kill -9 haproxy on {node}, the public VIP's holder")
    ctx.kill(node, "haproxy")
    # Pacemaker sees it only at its next monitor (the unit restarts nothing by itself:
    # Pacemaker's drop-in says Restart=no), so wait for that before "running everywhere"
    primitive = ctx.primitive("haproxy")
    ctx.wait(lambda v: any(f.node == node and f.resource == primitive
                           for f in v.failed_actions),
             f"Pacemaker sees HAProxy gone on {node}", timeout=180)
    back = ctx.wait(ctx.running("haproxy"), "HAProxy running everywhere", timeout=300)
    ctx.events.append((back, "HAProxy running on every node"))
    return Outcome(targets={"haproxy"}, backend_back={p: back for p in DB_PATHS + BROKER_PATHS})


def controller_crash(ctx: Context) -> Outcome:
    view = ctx.view()
    node, dc = ctx.holder_of_vip("control", view), view.dc
    moved = node == dc
    if moved:
        # A crashed DC adds an election and a join before anything moves (about 2 s more
        # on the lab under load): the budget is for the VIP's move, so the VIP leaves the
        # DC first. Before the fault, so outside every outage window.
        ctx.progress(f"moving the control VIP off the DC ({dc}) first")
        rid = ctx.vip_resource("control")
        # A ban, not a move: a preference for another node only ties with the
        # INFINITY stickiness, and the VIP stays (pcs resource move refuses for that).
        pacemaker.ban(ctx.cluster, rid, dc)
        try:
            ctx.wait(lambda v: any(n != dc for n in v.running_on(rid)),
                     "the control VIP off the DC", timeout=60)
        finally:  # stickiness keeps it where it went once the ban is gone
            pacemaker.clear(ctx.cluster, rid)
        node = ctx.holder_of_vip("control")
        time.sleep(2)  # the probes see it answering on its new node
    others = [n for n in ctx.cluster.nodes if n != node]
    ctx.event(f"fault: power loss of {node} (holds the control VIP)")
    crashed_at = time.time()
    ctx.crash(node)
    seen = ctx.wait(lambda v: v.quorum and node not in v.online and v.reporter != node,
                    f"the others see {node} offline", timeout=120)
    ctx.events.append((seen, f"{node} seen offline"))
    rid = ctx.vip_resource("control")
    started = ctx.started_at(_survivor_holding(ctx, rid, node), rid, crashed_at)
    if started:
        ctx.events.append((started, "control VIP started on a survivor"))
    time.sleep(ctx.hold(10, 30))
    fenced = _comes_back_by_itself(ctx, node, timeout=ctx.hold(20, 60))
    if not fenced:
        ctx.event(f"recovery: boot {node}")
        ctx.boot(node)
    back = ctx.wait(ctx.online(list(ctx.cluster.nodes)), f"{node} back in the cluster",
                    timeout=300)
    ctx.events.append((back, f"{node} back online" + (" (fenced: rebooted)" if fenced else "")))
    return Outcome(nodes={node}, notes={
        "survivors": others, "fenced": fenced, "control_vip_moved_off_dc": moved,
        # the cluster's side of the failover, to the microsecond: crash to VIP started
        "vip_started_seconds": round(started - crashed_at, 2) if started else None})


def _survivor_holding(ctx: Context, rid: str, crashed: str) -> str:
    """The node the resource runs on once it runs on one other than `crashed` (which
    crm_mon may still list until it is fenced)."""
    found: list[str] = []

    def on_survivor(view: ClusterView) -> bool:
        found[:] = [n for n in view.running_on(rid) if n != crashed]
        return bool(found)
    ctx.wait(on_survivor, f"{rid} on a survivor", timeout=120)
    return found[0]


def _comes_back_by_itself(ctx: Context, node: str, timeout: float) -> bool:
    """With fencing, Pacemaker reboots a lost node itself (the lab's fence agent boots
    it): give it that chance before booting it by hand."""
    return wait_for(lambda: ctx.is_alive(node), timeout, poll=1)


def partition_minority(ctx: Context) -> Outcome:
    from ngha.lab import faults
    node = ctx.cluster.nodes[-1]
    ctx.event(f"fault: {node} cut off from the others")
    faults.partition(ctx.lab.name, [node])
    try:
        ctx.wait(lambda v: v.quorum and node not in v.online and v.reporter != node,
                 f"the majority without {node}", timeout=120)
        time.sleep(ctx.hold(20, 60))
    finally:
        ctx.event("recovery: network healed")
        faults.heal(ctx.lab.name)
    ctx.boot(node)  # if fenced off while cut and not yet powered on again
    back = ctx.wait(ctx.online(list(ctx.cluster.nodes)), f"{node} back in the cluster",
                    timeout=300)
    ctx.events.append((back, f"{node} back online"))
    return Outcome(nodes={node})


# --- systemd's side ----------------------------------------------------------------------

def service_crash_loop(ctx: Context) -> Outcome:
    """ngha-probe killed 10 times in a row on one node: its manager must keep bringing
    it back (systemd: Restart=always with no start limit). A manager that gives up
    (Pacemaker bans a service from a node whose start failed) ends the loop early."""
    node = ctx.cluster.nodes[1]
    unit = "ngha-probe.service"
    manager = ctx.target.services.get("ngha-probe")
    before = _restarts(ctx, node, unit)
    ctx.event(f"fault: ngha-probe on {node} killed 10 times in a row")
    outcome = Outcome(targets={"ngha-probe"}, notes={"manager": manager})
    kills = 0
    for _ in range(10):
        if not _wait_active(ctx, node, unit, timeout=KILL_LOOP_WAIT):
            break
        systemd.kill(ctx.cluster, node, unit)
        kills += 1
        time.sleep(0.5)
    outcome.notes["kills"] = kills
    active = kills == 10 and _wait_active(ctx, node, unit, timeout=KILL_LOOP_WAIT)
    ctx.events.append((time.time(), f"ngha-probe {'active again' if active else 'still down'}"
                                    f" on {node} after {kills} kills"))
    if not active:
        outcome.failures.append(f"{unit} on {node} was not brought back after kill {kills} "
                                f"(its manager: {manager})")
        if manager == "pacemaker":  # what its operator has to do: clear the failure
            ctx.event("recovery: pcs resource cleanup (Pacemaker had given up on it)")
            pacemaker.cleanup(ctx.cluster, ctx.resource("ngha-probe"))
    elif manager == "systemd" and (restarted := _restarts(ctx, node, unit) - before) < 10:
        outcome.failures.append(f"systemd restarted {unit} {restarted} times, not 10")
    return outcome


def _restarts(ctx: Context, node: str, unit: str) -> int:
    state = ctx.unit(node, unit)
    return state.restarts if state else 0


def _wait_active(ctx: Context, node: str, unit: str, timeout: float) -> bool:
    def active() -> bool:
        state = ctx.unit(node, unit)
        return state is not None and state.running
    return wait_for(active, timeout, poll=0.5)


# --- the original validation tests (REFERENCE §6) -----------------------------------------

def _services(ctx: Context) -> list[str]:
    """The OpenStack-side services (not core, not active/passive)."""
    return [s.name for s in ctx.target.loaded.services
            if not s.spec.core and s.mode == "active-active"]


def _set_services(ctx: Context, running: bool) -> None:
    """Stop or start every OpenStack-side service through its manager."""
    for service in ctx.target.loaded.services:
        if service.name not in _services(ctx):
            continue
        if service.manager == "systemd":
            systemd.act_everywhere(ctx.cluster, "start" if running else "stop",
                                   [service.unit])
        elif running:
            pacemaker.enable(ctx.cluster, ctx.resource(service.name))
        else:
            pacemaker.disable(ctx.cluster, ctx.resource(service.name))


def _stop_services(ctx: Context) -> None:
    _set_services(ctx, running=False)


def _start_services(ctx: Context) -> None:
    _set_services(ctx, running=True)


def _stop_core(ctx: Context) -> None:
    for service in CORE:
        pacemaker.disable(ctx.cluster, ctx.resource(service))
    stopped = [ctx.stopped(s) for s in CORE]
    ctx.wait(lambda v: all(each(v) for each in stopped),
             "Galera, RabbitMQ and Redis stopped", timeout=600)


def _start_core(ctx: Context) -> float:
    for service in CORE:
        pacemaker.enable(ctx.cluster, ctx.resource(service))
    galera, rabbitmq = ctx.promoted("galera"), ctx.running("rabbitmq")
    return ctx.wait(lambda v: galera(v) and rabbitmq(v), "Galera and RabbitMQ back",
                    timeout=600)


def _services_running_with_core_down(ctx: Context, outcome: Outcome) -> None:
    """Next-gen's promise: systemd's services start and stay up while the core is down."""
    if ctx.profile != "nextgen":
        return
    units = [f"{s.unit}.service" for s in ctx.target.loaded.services
             if s.name in _services(ctx)]
    for node, states in ctx.cluster.read_all(UnitsFact(units)).items():
        for unit in units:
            state = None if isinstance(states, NghaError) else states.get(unit)
            if state is None or not state.running:
                outcome.failures.append(f"{unit} is {state.active_state if state else 'unknown'}"
                                        f" on {node} with the core down")


def _services_start_with_core_down(ctx: Context, core_first: bool) -> Outcome:
    """NG a (services stopped first) and NG b (core stopped first): then the services
    are started with the core down, and must come up and wait for it."""
    outcome = Outcome(targets=set(CORE) | set(_services(ctx)))
    if core_first:
        ctx.event("fault: Galera, RabbitMQ and Redis stopped, then the services")
        _stop_core(ctx)
        _stop_services(ctx)
    else:
        ctx.event("fault: services stopped, then Galera, RabbitMQ and Redis")
        _stop_services(ctx)
        _stop_core(ctx)
    ctx.event("services started with the core down")
    _start_services(ctx)
    time.sleep(ctx.hold(10, 60))
    return _check_then_start_core(ctx, outcome)


def _check_then_start_core(ctx: Context, outcome: Outcome) -> Outcome:
    """The services ran through the core's absence; then the core comes back and the
    API paths must follow it."""
    _services_running_with_core_down(ctx, outcome)
    ctx.event("recovery: core started")
    back = _start_core(ctx)
    outcome.backend_back = {p: back for p in DB_PATHS + BROKER_PATHS}
    return outcome


def ng_a(ctx: Context) -> Outcome:
    return _services_start_with_core_down(ctx, core_first=False)


def ng_b(ctx: Context) -> Outcome:
    return _services_start_with_core_down(ctx, core_first=True)


def ng_c(ctx: Context) -> Outcome:
    outcome = Outcome(targets=set(CORE))
    minutes = ctx.hold(1, 20)
    ctx.event(f"fault: Galera, RabbitMQ and Redis stopped for {minutes:g} min")
    _stop_core(ctx)
    time.sleep(minutes * 60)
    return _check_then_start_core(ctx, outcome)


# --- every node at once ------------------------------------------------------------------

def cold_start(ctx: Context) -> Outcome:
    """Nodes lost one after the other while writes go on, then all booted: Galera must
    bootstrap from the most advanced node, losing no acknowledged write. Fencing is off
    for the duration (a fenced node would come back on its own: no cold start)."""
    nodes = list(ctx.cluster.nodes)
    pacemaker.set_property(ctx.cluster, "stonith-enabled", "false")
    try:
        first, *rest = list(reversed(nodes))
        ctx.event(f"fault: power loss of {first}; writes go on")
        ctx.crash(first)
        time.sleep(ctx.hold(8, 20))
        for node in rest:
            ctx.event(f"fault: power loss of {node}")
            ctx.crash(node)
            time.sleep(2)
        time.sleep(ctx.hold(5, 20))
        ctx.event("recovery: every node booted")
        for node in nodes:
            ctx.boot(node)
        ctx.wait(ctx.online(nodes), "every node back in the cluster", timeout=300)
        back = ctx.wait(ctx.promoted("galera"), "Galera bootstrapped and promoted",
                        timeout=900)
        ctx.events.append((back, "Galera promoted on every node"))
    finally:
        pacemaker.set_property(ctx.cluster, "stonith-enabled", _stonith_wanted(ctx))
    return Outcome(nodes=set(nodes), backend_back={p: back for p in DB_PATHS})


def _stonith_wanted(ctx: Context) -> str:
    return ctx.target.desired.cluster.properties.get("stonith-enabled", "false")


SCENARIOS = [
    Scenario("galera-restart", "Galera stopped and started cluster-wide", galera_restart, True),
    Scenario("galera-kill-one", "Galera killed (-9) on one node", galera_kill_one, True),
    Scenario("rabbitmq-restart", "RabbitMQ stopped and started cluster-wide",
             rabbitmq_restart, True),
    Scenario("rabbitmq-kill-one", "RabbitMQ killed (-9) on one node", rabbitmq_kill_one, True),
    Scenario("redis-master-kill", "Redis master killed (-9)", redis_master_kill, True),
    Scenario("haproxy-kill-vip-holder", "HAProxy killed on the public VIP's holder",
             haproxy_kill_vip_holder),
    Scenario("controller-crash", "A controller loses power; its VIPs move",
             controller_crash),
    Scenario("partition-minority", "One node cut off from the others, then healed",
             partition_minority),
    Scenario("service-crash-loop", "A service killed 10 times in a row", service_crash_loop),
    Scenario("ng-a", "NG a: services stopped, core stopped, services started", ng_a),
    Scenario("ng-b", "NG b: core stopped, services stopped, services started", ng_b),
    Scenario("ng-c", "NG c: core down for 20 minutes (1 with --quick)", ng_c),
    Scenario("cold-start", "Every node lost, then booted: Galera bootstraps", cold_start),
]
BY_ID = {s.id: s for s in SCENARIOS}
