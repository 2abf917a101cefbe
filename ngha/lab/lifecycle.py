"""lab up / down / crash / boot."""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from pydantic import ValidationError

from ngha.errors import NghaError
from ngha.lab import addressing, cluster, fencing, network, node, sshkeys
from ngha.lab.cgroups import CgroupLayout
from ngha.lab.deployment import write_deployment, write_openrc
from ngha.lab.errors import LabError, LabRefused, NodeIsDown, NodeIsRunning
from ngha.lab.layout import CLIENT_NAME, LabPaths, NetnsNames, node_name
from ngha.lab.lock import lab_lock
from ngha.lab.prerequisites import check_prerequisites
from ngha.lab.provision import provision_node
from ngha.lab.session import Lab, lab_paths
from ngha.lab.state import (
    CRASHED,
    DEFAULT_TOKEN_MS,
    RUNNING,
    ClientRecord,
    LabState,
    NodeRecord,
    save_state,
    try_load_state,
)
from ngha.lab.teardown import lab_exists, teardown
from ngha.model.deployment import Corosync

Progress = Callable[[str], None]
QUORUM_TIMEOUT = 240.0


@dataclass(frozen=True)
class UpResult:
    state: LabState
    deployment_file: Path
    seconds_to_quorum: float


def _quiet(_: str) -> None:
    pass


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM/SIGHUP become KeyboardInterrupt so `up` still removes what it made."""
    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def new_state(name: str, plan: addressing.AddressPlan, token_ms: int,
              openstack: bool = True) -> LabState:
    names = NetnsNames(name)
    return LabState(
        openstack=openstack,
        name=name,
        subnet=str(plan.subnet),
        token_ms=token_ms,
        client=ClientRecord(CLIENT_NAME, str(plan.client), names.client),
        nodes=[NodeRecord(n, str(a), names.node(n)) for n, a in plan.nodes],
        vips={v: str(a) for v, a in plan.vips},
    )


def _check_token(token_ms: int) -> None:
    """The same bound as a deployment file's corosync.token, so the file `up` writes loads."""
    try:
        Corosync(token=token_ms)
    except ValidationError as exc:
        raise LabRefused(f"--token {token_ms}: {exc.errors()[0]['msg']}") from None


def up(name: str, nodes: int = 3, subnet: str | None = None,
       token_ms: int = DEFAULT_TOKEN_MS, progress: Progress = _quiet,
       timeout: float = QUORUM_TIMEOUT, openstack: bool = True) -> UpResult:
    paths = lab_paths(name)
    layout = check_prerequisites(paths.root)
    routes = addressing.host_routes()
    net = (addressing.validate_subnet(addressing.parse_subnet(subnet), routes)
           if subnet else addressing.default_subnet(routes))
    _check_token(token_ms)
    plan = addressing.plan_addresses(net, [node_name(i) for i in range(nodes)])
    with lab_lock(paths.dir):
        existing = try_load_state(paths.state_file, name)
        if existing is not None and existing.complete:
            raise LabRefused(f"lab {name} is already up ({paths.dir})",
                             fix=f"remove it first with `ngha lab down --name {name}`")
        if lab_exists(paths, layout):
            progress(f"removing the remains of an interrupted `lab up` of {name}")
            teardown(paths, layout, remove_dir=False)
        state = new_state(name, plan, token_ms, openstack)
        save_state(state, paths.state_file)
        try:
            with _interruptible():
                return _build(paths, layout, state, progress, timeout)
        except BaseException as exc:
            progress(f"lab up failed ({exc or type(exc).__name__}); removing what it made")
            try:
                teardown(paths, layout, remove_dir=True)
            except NghaError as cleanup:
                raise LabError(f"lab up of {name} failed ({_one_line(exc)}) and so did the "
                               f"cleanup: {cleanup.message}",
                               fix=f"retry `ngha lab down --name {name}`") from None
            if isinstance(exc, KeyboardInterrupt):
                raise LabError(
                    f"lab up of {name} interrupted; everything it made was removed") from None
            if isinstance(exc, (NghaError, OSError)):
                raise LabError(f"lab up of {name} failed: {_one_line(exc)} "
                               "(everything it made was removed)", fix=_fix(exc)) from None
            raise


def _build(paths: LabPaths, layout: CgroupLayout, state: LabState, progress: Progress,
           timeout: float) -> UpResult:
    started = time.monotonic()
    progress(f"lab {state.name}: {len(state.nodes)} nodes on {state.subnet}")
    client_key = sshkeys.ensure_client_key(paths.client_key, state.name)
    host_keys = {n.name: sshkeys.generate_keypair(f"root@{n.name}") for n in state.nodes}
    node_addrs = [(n.name, n.address) for n in state.nodes]
    paths.known_hosts.write_text(sshkeys.render_known_hosts(
        [(n.name, n.address, host_keys[n.name].public) for n in state.nodes]))
    paths.ssh_config.write_text(
        sshkeys.render_ssh_config(node_addrs, paths.client_key, paths.known_hosts))
    deployment = write_deployment(state, paths.deployment_file, paths.secrets_dir)
    write_openrc(state, paths.openrc, paths.secrets_dir)

    fence_key = fencing.write_key(paths.fence_key)

    progress("creating the lab network (bridges, client, fence daemon, node namespaces)")
    network.create_fabric(state.name)
    network.plug(state.name, CLIENT_NAME, state.client.netns, state.client.address,
                 state.prefixlen)
    fencing.plug_daemon_ports(state)
    for record in state.nodes:
        network.plug(state.name, record.name, record.netns, record.address, state.prefixlen)
        provision_node(paths.upper(record.name), paths.root, state, record,
                       host_keys[record.name], client_key, fence_key)
    fencing.start_daemon(paths, state)

    paths.shared.mkdir(mode=0o755, exist_ok=True)
    progress("booting nodes")
    for record in state.nodes:
        _start_node(paths, layout, state, record)
    save_state(state, paths.state_file)

    progress("waiting for every node to be online with quorum")
    transport = Lab(paths, state).transport()
    try:
        cluster.wait_until(transport, state.node_names,
                           cluster.all_online_with_quorum(state.node_names),
                           timeout=timeout, what="all nodes online with quorum")
    except LabError as exc:
        raise LabError(f"{exc.message}; {cluster.failed_units(transport, state.node_names)}")
    seconds_to_quorum = time.monotonic() - started
    cluster.disable_stonith(transport, state.node_names[0])
    state.complete = True
    save_state(state, paths.state_file)
    return UpResult(state, deployment, seconds_to_quorum)


def _start_node(paths: LabPaths, layout: CgroupLayout, state: LabState,
                record: NodeRecord) -> None:
    node.launch(paths, layout, state.name, record)
    record.pid1, record.pid1_start = node.find_pid1(
        layout, state.name, record.name, paths.console_log(record.name))
    record.power = RUNNING
    record.frozen = False


def down(name: str) -> bool:
    """Returns False when there was nothing to remove."""
    paths = lab_paths(name)
    layout = CgroupLayout.detect()
    with lab_lock(paths.dir):
        found = lab_exists(paths, layout) or any(paths.dir.iterdir())
        teardown(paths, layout, remove_dir=True)
    return found


def crash(name: str, target: str) -> NodeRecord:
    """Power loss: the node's PID namespace is killed and its NIC (namespace) removed;
    its disk (overlay upper directory) is kept for `boot`."""
    with Lab.locked(name) as lab:
        record = lab.node(target)
        if not node.is_alive(record):
            raise NodeIsDown(f"node {record.name} is already down",
                             fix=f"start it with `ngha lab boot --name {name} {record.name}`")
        layout = lab.cgroups
        node.kill(layout, name, record)
        network.unplug(name, record.name, record.netns)
        layout.remove(name, record.name)
        record.power, record.pid1, record.pid1_start, record.frozen = CRASHED, None, None, False
        lab.save()
        return record


def boot(name: str, target: str, wait: bool = True,
         timeout: float = QUORUM_TIMEOUT) -> float:
    """Cold start of a crashed node from its kept disk; with wait, returns the seconds
    until the nodes on its side of the network (itself included) see it online."""
    with Lab.locked(name) as lab:
        record = lab.node(target)
        if node.is_alive(record):
            raise NodeIsRunning(f"node {record.name} is already running")
        started = time.monotonic()
        layout = lab.cgroups
        layout.remove(name, record.name)  # stale sub-cgroups of the previous boot
        network.unplug(name, record.name, record.netns)
        network.plug(name, record.name, record.netns, record.address, lab.state.prefixlen,
                     side=record.side)
        _start_node(lab.paths, layout, lab.state, record)
        lab.save()
    if not wait:
        return time.monotonic() - started
    peers = [n.name for n in lab.state.nodes
             if n.side == record.side and node.is_alive(n) and not n.frozen]
    cluster.wait_until(lab.transport(), peers,
                       lambda v: record.name in v.online, timeout=timeout,
                       what=f"{record.name} to rejoin")
    return time.monotonic() - started


def _one_line(exc: BaseException) -> str:
    return exc.message if isinstance(exc, NghaError) else (str(exc) or type(exc).__name__)


def _fix(exc: BaseException) -> str | None:
    return exc.fix if isinstance(exc, NghaError) else None
