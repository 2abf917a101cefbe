"""The environment file: which services Pacemaker owns.

Two formats are accepted:
- ngha's own:   pacemaker_services: [haproxy, galera, ...]   (or: all)
- TripleO's:    resource_registry: {OS::TripleO::Services::<Name>: <template path>}
                a path under pacemaker/ means Pacemaker owns it; OS::Heat::None means the
                service is not deployed. Real environment files map more than ngha places:
                an entry for a service the catalog does not know is reported as ignored (a
                warning), unless its name is close to a known one (a likely typo: an error).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ngha.catalog import Catalog
from ngha.errors import NghaError
from ngha.model.warning import LoadWarning
from ngha.names import did_you_mean
from ngha.yamlfile import YamlDocument, read_yaml

TRIPLEO_PREFIX = "OS::TripleO::Services::"
HEAT_NONE = "OS::Heat::None"
# How close (difflib ratio, ignoring case) a TripleO name must be to a known one to count as
# a typo of it: catches Keystnoe, NovaApy, HAProxy; lets NeutronCorePlugin or GnocchiApi be.
TYPO_RATIO = 0.85


@dataclass(frozen=True)
class Environment:
    path: Path
    pacemaker_all: bool = False
    pacemaker: frozenset[str] = frozenset()
    not_deployed: frozenset[str] = frozenset()  # TripleO OS::Heat::None entries
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # service -> line
    warnings: tuple[LoadWarning, ...] = ()

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
            raise NghaError("unknown service: not in the catalog", file=doc.path, line=line,
                            field=f"pacemaker_services[{index}]",
                            fix=did_you_mean(name, catalog.services)
                            + f"use a catalog name ({_some(catalog)}); `ngha catalog` lists all")
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
    warnings: list[LoadWarning] = []
    for key, target in registry.items():
        key_text = str(key)
        line = doc.line_of(("resource_registry", key))
        if not key_text.startswith(TRIPLEO_PREFIX):
            if key_text.lower().startswith(TRIPLEO_PREFIX.lower()):
                exact = TRIPLEO_PREFIX + key_text[len(TRIPLEO_PREFIX):]
                warnings.append(LoadWarning(
                    f"{key_text} ignored: Heat resource types are case-sensitive, so this is "
                    f"not {exact}", file=doc.path, line=line,
                    fix=f"write {exact} if the entry is meant for that service"))
            continue  # networks, ports, other registry entries are not ours
        tripleo_name = key_text[len(TRIPLEO_PREFIX):]
        if tripleo_name in catalog.tripleo_ignored:
            continue
        if tripleo_name not in by_name:
            typo_of = _likely_typo(tripleo_name, [*by_name, *catalog.tripleo_ignored])
            if typo_of:
                raise NghaError(f"TripleO service {tripleo_name!r} is not in the ngha catalog",
                                file=doc.path, line=line, field=f"resource_registry.{key}",
                                fix=f"did you mean {TRIPLEO_PREFIX}{typo_of}? (Heat names are "
                                    "case-sensitive)")
            warnings.append(LoadWarning(
                f"{key_text} ignored: not a service ngha places (none in its catalog; "
                "configuration-only services such as NeutronCorePlugin have no unit)",
                file=doc.path, line=line,
                fix="nothing to do if that service needs no cluster manager; otherwise add it "
                    "to a site-local catalog (NGHA_EXTRA_CATALOG)"))
            continue
        name = by_name[tripleo_name]
        lines[name] = line or 1
        if str(target) == HEAT_NONE:
            absent.add(name)
        elif "pacemaker/" in str(target).replace("\\", "/"):
            owned.add(name)
    lines["top"] = doc.line_of(("resource_registry",)) or 1
    return Environment(path=doc.path, pacemaker=frozenset(owned), not_deployed=frozenset(absent),
                       lines=lines, warnings=tuple(warnings))


def _likely_typo(name: str, known: list[str]) -> str | None:
    """The known TripleO name `name` is most likely a misspelling of, if any."""
    def ratio(other: str) -> float:
        return difflib.SequenceMatcher(None, name.lower(), other.lower()).ratio()
    best = max(known, key=ratio, default=None)
    return best if best is not None and ratio(best) >= TYPO_RATIO else None


def _some(catalog: Catalog) -> str:
    return ", ".join(list(catalog.services)[:4]) + ", ..."
