"""The target: everything the deployment wants on the live cluster, built once, and the
one way every live command gets it together with the cluster it is for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ngha.facts.units import unit_name
from ngha.lab.session import default_deployment
from ngha.live.cluster import LiveCluster
from ngha.live.connect import connect
from ngha.model.load import LoadedDeployment, load_deployment
from ngha.model.secrets import Secrets
from ngha.profiles import build_desired_state
from ngha.profiles.desired import DesiredState
from ngha.profiles.resources import nodes_for
from ngha.render.nodefiles import NodeFile, NodeFiles


@dataclass
class Target:
    loaded: LoadedDeployment
    desired: DesiredState
    secrets: Secrets
    source: Path
    _digests: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, deployment: str | Path, profile: str | None = None,
             environment: str | Path | None = None) -> "Target":
        loaded = load_deployment(deployment, environment, profile)
        return cls(loaded=loaded, desired=build_desired_state(loaded),
                   secrets=Secrets(loaded.deployment, deployment), source=Path(deployment))

    @cached_property
    def nodes(self) -> tuple[NodeFiles, ...]:
        """Every node's managed files, rendered when first asked for (status needs none)."""
        from ngha.render.services import desired_node_files  # the templates: costly to load
        return desired_node_files(self.loaded, self.desired)

    def other_profile(self, profile: str) -> "Target":
        """The same deployment in another layout, with that layout's shipped environment
        (a migration's source)."""
        return Target.load(self.source, profile)

    @property
    def profile(self) -> str:
        return self.loaded.profile

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.desired.nodes)

    def node(self, name: str) -> NodeFiles:
        return next(n for n in self.nodes if n.node == name)

    def content(self, file: NodeFile) -> str:
        """The file as it must be on the node, secrets included."""
        return file.materialize(self.secrets.value)

    def digest(self, node: str, file: NodeFile) -> str:
        key = (node, file.path)
        if key not in self._digests:
            self._digests[key] = hashlib.sha256(self.content(file).encode()).hexdigest()
        return self._digests[key]

    def check_secrets(self) -> None:
        """Every secret a node file needs can be read: fail before anything changes."""
        for name in sorted({s for n in self.nodes for s in n.secrets}):
            self.secrets.value(name)

    @cached_property
    def desired_ids(self) -> dict[str, str]:
        """Pacemaker-owned service -> its top-level resource id (galera -> galera-master)."""
        return {s.service: s.resource for s in self.desired.services if s.resource}

    def service_nodes(self, service: str) -> list[str]:
        """The nodes a service may run on (its role's nodes; every node without roles)."""
        return nodes_for(self.loaded.deployment, service)

    @cached_property
    def allowed_nodes(self) -> dict[str, list[str]]:
        """Pacemaker resource id -> the nodes it may run on."""
        return {resource: self.service_nodes(service)
                for service, resource in self.desired_ids.items()}

    @cached_property
    def services(self) -> dict[str, str]:
        """deployed service -> its manager"""
        return {s.name: s.manager for s in self.loaded.services}

    @cached_property
    def configured(self) -> tuple[str, ...]:
        """The deployed services ngha configures (see LoadedDeployment)."""
        return tuple(s.name for s in self.loaded.configured_services)

    @cached_property
    def configured_units(self) -> frozenset[str]:
        """Their systemd units, as systemctl names them (nova-api.service)."""
        return frozenset(unit_name(s.unit) for s in self.loaded.services
                         if s.name in self.configured)

    @cached_property
    def held_back(self) -> frozenset[str]:
        """Pacemaker resources of services ngha configures: added stopped, and started
        once the one-off tasks they need (their schema) are done."""
        return frozenset(self.desired_ids[name] for name in self.configured
                         if name in self.desired_ids)


def open_target(deployment: str | Path | None = None, profile: str | None = None,
                environment: str | Path | None = None) -> tuple[LiveCluster, Target]:
    """The target read from DEPLOYMENT (default: the running lab's deployment file) and
    the cluster its `target:` setting reaches."""
    target = Target.load(deployment or default_deployment(), profile, environment)
    return connect(target.loaded.deployment), target
