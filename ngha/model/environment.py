"""The environment file: which services Pacemaker owns.

Two formats are accepted:
- ngha's own:   pacemaker_services: [haproxy, galera, ...]   (or: all)
- TripleO's:    resource_registry: {OS::TripleO::Services::<Name>: <template path>}
                a path under pacemaker/ means Pacemaker owns it; OS::Heat::None means the
                service is not deployed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ngha.catalog import Catalog
from ngha.errors import NghaError
from ngha.yamlfile import YamlDocument, read_yaml

TRIPLEO_PREFIX = "OS::TripleO::Services::"
HEAT_NONE = "OS::Heat::None"


@dataclass(frozen=True)
class Environment:
    path: Path
    pacemaker_all: bool = False
    pacemaker: frozenset[str] = frozenset()
    not_deployed: frozenset[str] = frozenset()  # TripleO OS::Heat::None entries
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # service -> line

    def owns(self, service: str) -> bool:
        return self.pacemaker_all or service in self.pacemaker


def shipped_environment(profile: str) -> Path:
    """Path of the default environment file for a profile (nextgen, legacy)."""
    return Path(str(resources.files("ngha.environments").joinpath(f"{profile}.yaml")))


def load_environment(path: str | Path, catalog: Catalog) -> Environment:
    doc = read_yaml(path, "environment")
    if "resource_registry" in doc.data:
        return _tripleo(doc, catalog)
    return _native(doc, catalog)


def _native(doc: YamlDocument, catalog: Catalog) -> Environment:
    unknown = [k for k in doc.data if k != "pacemaker_services"]
    if unknown:
        key = unknown[0]
        raise NghaError(f"unknown key {key!r}", file=doc.path, line=doc.line_of((key,)),
                        field=str(key),
                        fix="an environment has 'pacemaker_services: [...]' (or a TripleO "
                            "'resource_registry:')")
    if "pacemaker_services" not in doc.data:
        raise NghaError("missing 'pacemaker_services'", file=doc.path, line=1,
                        fix="list the services Pacemaker owns, e.g. pacemaker_services: "
                            "[haproxy, rabbitmq, galera, redis, cinder-volume]")
    value = doc.data["pacemaker_services"]
    if value == "all":
        return Environment(path=doc.path, pacemaker_all=True)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise NghaError("must be a list of service names or 'all'", file=doc.path,
                        line=doc.line_of(("pacemaker_services",)), field="pacemaker_services",
                        fix="write e.g. pacemaker_services: [haproxy, galera]")
    lines: dict[str, int] = {}
    for index, name in enumerate(value):
        line = doc.line_of(("pacemaker_services", index))
        if name not in catalog.services:
            raise NghaError(f"unknown service {name!r}", file=doc.path, line=line,
                            field=f"pacemaker_services[{index}]",
                            fix=f"use a catalog name ({_some(catalog)}); `ngha catalog` lists all")
        lines[name] = line or 1
    lines["top"] = doc.line_of(("pacemaker_services",)) or 1
    return Environment(path=doc.path, pacemaker=frozenset(value), lines=lines)


def _tripleo(doc: YamlDocument, catalog: Catalog) -> Environment:
    registry = doc.data["resource_registry"]
    if not isinstance(registry, dict):
        raise NghaError("resource_registry must be a mapping", file=doc.path,
                        line=doc.line_of(("resource_registry",)), field="resource_registry",
                        fix="write 'OS::TripleO::Services::<Name>: <template path>' entries")
    by_name = catalog.by_tripleo_name()
    owned: set[str] = set()
    absent: set[str] = set()
    lines: dict[str, int] = {}
    for key, target in registry.items():
        if not str(key).startswith(TRIPLEO_PREFIX):
            continue  # networks, ports, other registry entries are not ours
        tripleo_name = str(key)[len(TRIPLEO_PREFIX):]
        line = doc.line_of(("resource_registry", key))
        if tripleo_name in catalog.tripleo_ignored:
            continue
        if tripleo_name not in by_name:
            raise NghaError(f"TripleO service {tripleo_name!r} is not in the ngha catalog",
                            file=doc.path, line=line, field=f"resource_registry.{key}",
                            fix="remove the entry, or add the service to the catalog "
                                "(ngha/catalog/services.yaml, 'tripleo:' field)")
        name = by_name[tripleo_name]
        lines[name] = line or 1
        if str(target) == HEAT_NONE:
            absent.add(name)
        elif "pacemaker/" in str(target).replace("\\", "/"):
            owned.add(name)
    lines["top"] = doc.line_of(("resource_registry",)) or 1
    return Environment(path=doc.path, pacemaker=frozenset(owned), not_deployed=frozenset(absent),
                       lines=lines)


def _some(catalog: Catalog) -> str:
    return ", ".join(list(catalog.services)[:4]) + ", ..."
