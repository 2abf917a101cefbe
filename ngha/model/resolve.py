"""Resolve each deployed service: unit name, config files, mode and manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ngha.catalog import Catalog, CatalogService
from ngha.model.deployment import Deployment, ServiceSpec
from ngha.model.environment import Environment

Manager = Literal["pacemaker", "systemd"]


@dataclass(frozen=True)
class ResolvedService:
    name: str
    spec: CatalogService
    unit: str
    config_files: tuple[str, ...]
    mode: str  # active-active | active-passive
    manager: Manager

    @property
    def active_passive(self) -> bool:
        return self.mode == "active-passive"


def deployed_services(deployment: Deployment,
                      catalog: Catalog) -> list[tuple[str, ServiceSpec | None]]:
    """(name, the file's entry or None): core services are always part of the
    architecture, first unless listed; the rest as the file lists them."""
    listed = {spec.name: spec for spec in deployment.services}
    return [(n, None) for n in catalog.core_names() if n not in listed] + list(listed.items())


def unit_of(name: str, override: ServiceSpec | None, catalog: Catalog, distro: str) -> str:
    return (override.unit if override and override.unit else None) or \
        catalog.services[name].units[distro]


def resolve_services(deployment: Deployment, catalog: Catalog,
                     environment: Environment) -> tuple[ResolvedService, ...]:
    """A service declared active-passive is Pacemaker's whatever the environment says:
    systemd alone cannot keep exactly one instance running across the cluster.
    (Validation has refused any deployed service the environment marks OS::Heat::None.)"""
    resolved = []
    for name, override in deployed_services(deployment, catalog):
        entry = catalog.services[name]
        mode = (override.mode if override and override.mode else None) or entry.mode
        unit = unit_of(name, override, catalog, deployment.distro)
        config = (override.config_files if override and override.config_files is not None
                  else entry.config_files)
        owned = environment.owns(name) or mode == "active-passive"
        resolved.append(ResolvedService(name=name, spec=entry, unit=unit, config_files=config,
                                        mode=mode, manager="pacemaker" if owned else "systemd"))
    return tuple(resolved)
