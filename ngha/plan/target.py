"""The target: everything the deployment wants on the live cluster, built once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ngha.model.load import LoadedDeployment, load_deployment
from ngha.model.secrets import Secrets
from ngha.profiles import build_desired_state
from ngha.profiles.desired import DesiredState
from ngha.render.nodefiles import NodeFile, NodeFiles, desired_node_files


@dataclass
class Target:
    loaded: LoadedDeployment
    desired: DesiredState
    nodes: tuple[NodeFiles, ...]
    secrets: Secrets
    source: Path
    _digests: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, deployment: str | Path, profile: str | None = None,
             environment: str | Path | None = None) -> "Target":
        loaded = load_deployment(deployment, environment, profile)
        desired = build_desired_state(loaded)
        return cls(loaded=loaded, desired=desired, nodes=desired_node_files(loaded, desired),
                   secrets=Secrets(loaded.deployment, deployment), source=Path(deployment))

    @property
    def profile(self) -> str:
        return self.loaded.profile

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.node for n in self.nodes)

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

    @cached_property
    def services(self) -> dict[str, str]:
        """deployed service -> its manager"""
        return {s.name: s.manager for s in self.loaded.services}
