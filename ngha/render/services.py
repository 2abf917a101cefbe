"""All of each node's managed files: what every layout needs (HAProxy, corosync, the
restart drop-ins and retry settings of systemd-owned services) plus what each deployed
core or ngha service needs to actually run clustered."""

from __future__ import annotations

from ngha.model.load import LoadedDeployment
from ngha.profiles.desired import DesiredState, NodeState
from ngha.render.clustercheck import SOCKET_UNIT, clustercheck_files
from ngha.render.context import NodeContext
from ngha.render.corosync import COROSYNC_PATH, render_corosync
from ngha.render.galera import galera_files
from ngha.render.haproxy import (SECRETS_DROPIN, SECRETS_FILE, SYSCTL, SYSCTL_PATH,
                                 haproxy_environment, render_haproxy)
from ngha.render.keystone import keystone_files
from ngha.render.nodefiles import NodeDirectory, NodeFile, NodeFiles
from ngha.render.openstack import openstack_files
from ngha.render.oslo import fragment_path, render_fragment
from ngha.render.probe import probe_files
from ngha.render.rabbitmq import rabbitmq_files
from ngha.render.redis import redis_files
from ngha.render.systemd import dropin_path, restart_dropins

PROBE_UNITS = {"ngha-probe": "ngha-probe", "ngha-probe-worker": "ngha-probe-worker"}


def desired_node_files(loaded: LoadedDeployment, desired: DesiredState) -> tuple[NodeFiles, ...]:
    """Every node's managed files: what render writes under nodes/ and apply pushes."""
    return tuple(node_files_for(loaded, desired, node) for node in desired.nodes)


def node_files_for(loaded: LoadedDeployment, desired: DesiredState,
                   state: NodeState) -> NodeFiles:
    ctx = NodeContext(loaded, desired, state)
    deployed = {s.name: s for s in loaded.services}
    files: list[NodeFile | NodeDirectory] = []
    files += [NodeFile("/" + path, content) for path, content in restart_dropins(state).items()]
    files += [NodeFile("/" + fragment_path(config), render_fragment(sections),
                       restarts=_units_reading(loaded, config))
              for config, sections in state.oslo.items()]
    haproxy_unit = deployed["haproxy"].unit if "haproxy" in deployed else "haproxy"
    files.append(NodeFile("/etc/haproxy/haproxy.cfg", render_haproxy(loaded),
                          restarts=(haproxy_unit,), reload=True))
    files.append(NodeFile("/" + SYSCTL_PATH, SYSCTL))
    files.append(NodeFile("/" + COROSYNC_PATH, render_corosync(loaded.deployment)))
    if "redis_password" in loaded.deployment.secrets and "redis" in deployed:
        files.append(NodeFile("/" + dropin_path(haproxy_unit, "50-ngha-secrets.conf"),
                              SECRETS_DROPIN))
        files.append(NodeFile(SECRETS_FILE, haproxy_environment(), mode=0o600,
                              restarts=(haproxy_unit,)))
    infrastructure: list[str] = []
    if "galera" in deployed:
        files += galera_files(ctx) + clustercheck_files(ctx)
        infrastructure.append(SOCKET_UNIT)
    if "rabbitmq" in deployed:
        files += rabbitmq_files(ctx)
    if "redis" in deployed:
        files += redis_files(ctx)
    if "keystone" in deployed:
        files += keystone_files(ctx)
    files += openstack_files(ctx)
    probes = [deployed[name].unit for name in PROBE_UNITS if name in deployed]
    if probes:
        files += probe_files(ctx, probes)
    return NodeFiles(
        node=state.name,
        files=tuple(f for f in files if isinstance(f, NodeFile)),
        directories=tuple(f for f in files if isinstance(f, NodeDirectory)),
        enable=state.enable, disable=state.disable,
        infrastructure=tuple(infrastructure), sysctl=("/" + SYSCTL_PATH,))


def _units_reading(loaded: LoadedDeployment, config_file: str) -> tuple[str, ...]:
    """systemd units of the services that read this oslo config file: a change of their
    retry settings takes effect when they restart."""
    return tuple(s.unit for s in loaded.services
                 if config_file in s.config_files and s.manager == "systemd")
