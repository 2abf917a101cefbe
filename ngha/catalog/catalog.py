"""Typed view of services.yaml. The data lives in YAML so a new service needs no code."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ngha.errors import NghaError
from ngha.yamlfile import format_loc, plain, read_yaml

Distro = Literal["rdo", "debian"]
Mode = Literal["active-active", "active-passive"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Op(Strict):
    """One Pacemaker operation; extra keys (on-fail, role) go into the op element as is."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    interval: str = "0s"
    timeout: str | None = None
    role: str | None = None


class OrderAfter(Strict):
    """"This service starts after `service`" in the legacy layout (optionally colocated)."""

    service: str
    action: Literal["start", "promote"] = "start"
    colocated: bool = False
    kind: Literal["Mandatory", "Optional", "Serialize"] = "Mandatory"
    require_all: bool | None = None


class PacemakerSpec(Strict):
    """How Pacemaker runs a core service (agent, clone kind, attributes)."""

    kind: Literal["clone", "promotable", "primitive"]
    agent: str
    id: str | None = None  # default: the unit name
    clone_id: str | None = None  # default: <id>-clone
    instance_attributes: dict[str, str] = Field(default_factory=dict)
    meta: dict[str, str] = Field(default_factory=dict)
    clone_meta: dict[str, str] = Field(default_factory=dict)
    ops: tuple[Op, ...] = ()


class LegacySpec(Strict):
    agent: str | None = None  # default systemd:<unit>
    after: tuple[OrderAfter, ...] = ()
    ops: tuple[Op, ...] | None = None


class ApiSpec(Strict):
    """The HAProxy front of an API service."""

    name: str
    port: int = Field(ge=1, le=65535)
    networks: tuple[str, ...] = ("public", "internal_api")
    check: str | None = None  # HTTP path for an httpchk; None means a TCP check


class CatalogService(Strict):
    name: str = ""
    description: str = ""
    core: bool = False
    units: dict[Distro, str]
    mode: Mode = "active-active"
    mode_fixed: bool = False
    type: Literal["simple", "oneshot"] = "simple"
    database: bool = False
    broker: bool = False
    redis: bool = False
    config_files: tuple[str, ...] = ()
    tripleo: str | None = None
    api: ApiSpec | None = None
    pacemaker: PacemakerSpec | None = None
    legacy: LegacySpec = LegacySpec()


class PseudoResource(Strict):
    """A legacy-only resource (openstack-core, delay) that exists to hang ordering on."""

    agent: str
    instance_attributes: dict[str, str] = Field(default_factory=dict)
    needs: str | None = None
    after: tuple[OrderAfter, ...] = ()
    ops: tuple[Op, ...] = ()


class Catalog(Strict):
    services: dict[str, CatalogService]
    legacy_pseudo_resources: dict[str, PseudoResource] = Field(default_factory=dict)
    tripleo_ignored: tuple[str, ...] = ()

    def by_tripleo_name(self) -> dict[str, str]:
        return {svc.tripleo: name for name, svc in self.services.items() if svc.tripleo}

    def core_names(self) -> list[str]:
        return [name for name, svc in self.services.items() if svc.core]


EXTRA_CATALOG_ENV = "NGHA_EXTRA_CATALOG"


def load_catalog() -> Catalog:
    """The shipped catalog plus site-local service files named in $NGHA_EXTRA_CATALOG
    (colon-separated YAML files with a `services:` mapping), so an operator can add a
    service without touching ngha."""
    return _load(os.environ.get(EXTRA_CATALOG_ENV, ""))


def extra_catalog_files() -> list[Path]:
    return [Path(p) for p in os.environ.get(EXTRA_CATALOG_ENV, "").split(":") if p]


@lru_cache(maxsize=4)
def _load(extra_files: str) -> Catalog:
    source = resources.files("ngha.catalog").joinpath("services.yaml")
    with resources.as_file(source) as path:
        catalog = _parse(path)
    services = dict(catalog.services)
    for extra in filter(None, extra_files.split(":")):
        extra_catalog = _parse(Path(extra))
        for name in extra_catalog.services:
            if name in services:
                raise NghaError(f"service {name!r} is already in the catalog", file=extra,
                                field=f"services.{name}",
                                fix="choose another name; shipped services cannot be redefined")
        services.update(extra_catalog.services)
    return catalog.model_copy(update={"services": services})


def _parse(path: Path) -> Catalog:
    doc = read_yaml(path, "catalog")
    try:
        catalog = Catalog.model_validate(plain(doc.data))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise NghaError(err["msg"], file=path, line=doc.line_of(err["loc"]),
                        field=format_loc(err["loc"]),
                        fix="see the field list at the top of ngha/catalog/services.yaml") from None
    named = {name: svc.model_copy(update={"name": name}) for name, svc in catalog.services.items()}
    return catalog.model_copy(update={"services": named})
