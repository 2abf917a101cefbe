"""Every file ngha manages on each node, as data: path, content, mode, owner, and what a
change to it requires. Produced once from the desired state; `render` writes exactly
this under nodes/<node>/, and `apply` pushes exactly this to the node.
"""

from __future__ import annotations

from dataclasses import dataclass

from ngha.model.load import LoadedDeployment
from ngha.profiles.desired import DesiredState, UnitPlan
from ngha.render.corosync import COROSYNC_PATH, render_corosync
from ngha.render.haproxy import SECRETS_DROPIN, SYSCTL, SYSCTL_PATH, render_haproxy
from ngha.render.oslo import fragment_path, render_fragment
from ngha.render.systemd import dropin_path, restart_dropins


@dataclass(frozen=True)
class NodeFile:
    path: str  # absolute, on the node
    content: str
    mode: int = 0o644
    owner: str = "root"
    group: str = "root"

    @property
    def relative(self) -> str:
        return self.path.lstrip("/")

    @property
    def is_systemd_unit(self) -> bool:
        """A unit or drop-in: systemd must reload before it takes effect."""
        return self.path.startswith(("/etc/systemd/system/", "/usr/local/lib/systemd/",
                                     "/lib/systemd/system/"))


@dataclass(frozen=True)
class NodeFiles:
    node: str
    files: tuple[NodeFile, ...]
    enable: tuple[UnitPlan, ...]  # systemd-owned units: enabled, running everywhere
    disable: tuple[UnitPlan, ...]  # Pacemaker-owned units: disabled in systemd

    def file(self, path: str) -> NodeFile | None:
        return next((f for f in self.files if f.path == path), None)


def desired_node_files(loaded: LoadedDeployment, desired: DesiredState) -> tuple[NodeFiles, ...]:
    haproxy_cfg = render_haproxy(loaded)
    corosync_conf = render_corosync(loaded.deployment)
    haproxy_unit = next((s.unit for s in loaded.services if s.name == "haproxy"), "haproxy")
    result = []
    for node in desired.nodes:
        files = [NodeFile("/" + path, content) for path, content in restart_dropins(node).items()]
        files += [NodeFile("/" + fragment_path(config), render_fragment(sections))
                  for config, sections in node.oslo.items()]
        files.append(NodeFile("/etc/haproxy/haproxy.cfg", haproxy_cfg))
        files.append(NodeFile("/" + SYSCTL_PATH, SYSCTL))
        files.append(NodeFile("/" + COROSYNC_PATH, corosync_conf))
        if "redis_password" in loaded.deployment.secrets:
            files.append(NodeFile("/" + dropin_path(haproxy_unit, "50-ngha-secrets.conf"),
                                  SECRETS_DROPIN))
        result.append(NodeFiles(node=node.name, files=tuple(files), enable=node.enable,
                                disable=node.disable))
    return tuple(result)
