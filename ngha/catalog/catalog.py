"""Typed view of services.yaml. The data lives in YAML so a new service needs no code."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError,
                      field_validator, model_validator)

from ruamel.yaml import YAML, YAMLError

from ngha.errors import NghaError
from ngha.names import config_path_problem, service_name_problem, unit_name_problem
from ngha.yamlfile import YamlDocument, format_loc, plain, read_yaml

Distro = Literal["rdo", "debian"]
Mode = Literal["active-active", "active-passive"]
# Names the catalog puts into Pacemaker ids, XML attributes and haproxy.cfg.
XML_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,100}")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,100}")
AGENT = re.compile(r"[a-z]+(:[A-Za-z0-9_.${}-]+){1,2}")
HAPROXY_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
HTTP_PATH = re.compile(r"/[A-Za-z0-9/_.~-]{0,200}")
TRIPLEO_NAME = re.compile(r"[A-Za-z0-9]{1,100}")
PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]{0,100}")


def _check(pattern: re.Pattern, value: str | None, what: str) -> str | None:
    if value is not None and not pattern.fullmatch(value):
        raise ValueError(f"not {what}")
    return value


def _checked_by(problem_of):
    """An AfterValidator raising `problem_of(value)` when there is one."""
    def check(value: str) -> str:
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value
    return AfterValidator(check)


UnitName = Annotated[str, _checked_by(unit_name_problem)]
ConfigPath = Annotated[str, _checked_by(config_path_problem)]
ServiceName = Annotated[str, _checked_by(service_name_problem)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Op(Strict):
    """One Pacemaker operation; extra keys (on-fail, role) go into the op element as is."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    interval: str = "0s"
    timeout: str | None = None
    role: str | None = None

    @model_validator(mode="after")
    def _extra_names(self) -> "Op":
        # extra keys become attributes of the <op> element and words of the pcs script
        for name in self.model_extra or {}:
            _check(ATTRIBUTE_NAME, name, "an operation attribute name (e.g. on-fail)")
        return self


class OrderAfter(Strict):
    """"This service starts after `service`" in the legacy layout (optionally colocated)."""

    service: ServiceName
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

    @field_validator("agent")
    @classmethod
    def _agent(cls, value: str) -> str:
        return _check(AGENT, value, "a resource agent (class:provider:type)")

    @field_validator("id", "clone_id")
    @classmethod
    def _ids(cls, value: str | None) -> str | None:
        return _check(XML_ID, value, "a Pacemaker id (letters, digits, '_', '.', '-')")

    @field_validator("instance_attributes", "meta", "clone_meta")
    @classmethod
    def _attribute_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            _check(ATTRIBUTE_NAME, name, "an attribute name (letters, digits, '_', '-')")
        return value


class LegacySpec(Strict):
    agent: str | None = None  # default systemd:<unit>
    after: tuple[OrderAfter, ...] = ()
    ops: tuple[Op, ...] | None = None

    @field_validator("agent")
    @classmethod
    def _agent(cls, value: str | None) -> str | None:
        return _check(AGENT, value, "a resource agent (class:provider:type)")


class ApiSpec(Strict):
    """The HAProxy front of an API service."""

    name: str
    port: int = Field(ge=1, le=65535)
    networks: tuple[str, ...] = ("public", "internal_api")
    check: str | None = None  # HTTP path for an httpchk; None means a TCP check

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check(HAPROXY_NAME, value, "an HAProxy section name (letters, digits, '_.-')")

    @field_validator("check")
    @classmethod
    def _check_path(cls, value: str | None) -> str | None:
        return _check(HTTP_PATH, value, "an HTTP path (e.g. /v3)")


class Launch(Strict):
    """How the distribution's unit starts the service (Debian: an init script that reads
    /etc/default/<defaults> after building its arguments), so ngha can bind it to the
    node's own address and make it read ngha's settings after the main config file."""

    uwsgi: ConfigPath | None = None  # the uwsgi ini of an API run under uwsgi
    defaults: UnitName | None = None  # /etc/default/<name>; default: the unit's name
    pyargv: bool = False  # its config arguments go through uwsgi's --pyargv
    # the application's wsgi file, when ngha must wrap it: `configure_mappers` makes every
    # SQLAlchemy mapper ready once the application is loaded, for code that reads a
    # relationship another model's import defines before any query has (neutron-api, Zed)
    wsgi_file: ConfigPath | None = None
    configure_mappers: bool = False
    # uwsgi threads per process, when the application cannot have the deployment's
    # (tuning.openstack_api_threads): one whose import monkey-patches eventlet must not
    # share its process with other native threads
    threads: int | None = Field(None, ge=1, le=256)


class CatalogService(Strict):
    name: str = ""
    description: str = ""
    core: bool = False
    units: dict[Distro, UnitName]
    mode: Mode = "active-active"
    mode_fixed: bool = False
    type: Literal["simple", "oneshot"] = "simple"
    database: bool = False
    broker: bool = False
    redis: bool = False
    config_files: tuple[ConfigPath, ...] = ()
    tripleo: str | None = None
    api: ApiSpec | None = None
    pacemaker: PacemakerSpec | None = None
    legacy: LegacySpec = LegacySpec()
    # configured for real when the deployment has an `openstack:` section (openstack.yaml)
    project: ServiceName | None = None
    packages: dict[Distro, tuple[str, ...]] = Field(default_factory=dict)
    launch: Launch = Launch()

    @field_validator("packages")
    @classmethod
    def _packages(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for names in value.values():
            for name in names:
                _check(PACKAGE, name, "a package name (e.g. nova-api)")
        return value

    # A site-local catalog is user input: its names end up in paths, ids and shell words.
    @field_validator("tripleo")
    @classmethod
    def _tripleo(cls, value: str | None) -> str | None:
        return _check(TRIPLEO_NAME, value, "a TripleO service name (letters and digits)")


class PseudoResource(Strict):
    """A legacy-only resource (openstack-core, delay) that exists to hang ordering on."""

    agent: str
    instance_attributes: dict[str, str] = Field(default_factory=dict)
    needs: str | None = None
    after: tuple[OrderAfter, ...] = ()
    ops: tuple[Op, ...] = ()


class Catalog(Strict):
    services: dict[ServiceName, CatalogService]
    legacy_pseudo_resources: dict[ServiceName, PseudoResource] = Field(default_factory=dict)
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
        catalog = _parse_shipped(path)
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


def _parse_shipped(path: Path) -> Catalog:
    """The shipped catalog, read fast (libyaml through ruamel.yaml.clib: every command
    reads it, and the line-numbered reader costs a fifth of a second). It is ngha's own
    file: should it ever be invalid, it is read again the careful way, for the message
    with its line."""
    try:
        data = YAML(typ="safe", pure=False).load(path.read_text())
        catalog = Catalog.model_validate(data)
    except (YAMLError, ValidationError):
        return _parse(path)
    named = {name: svc.model_copy(update={"name": name}) for name, svc in catalog.services.items()}
    return catalog.model_copy(update={"services": named})


def _parse(path: Path) -> Catalog:
    doc = read_yaml(path, "catalog")
    # a site file may also hold projects (openstack.yaml's fields): read by catalog/projects.py
    data = plain(doc.data)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in ("projects", "keystone_authtoken")}
    catalog = validate_document(Catalog, data, doc,
                                "see the field list at the top of ngha/catalog/services.yaml")
    named = {name: svc.model_copy(update={"name": name}) for name, svc in catalog.services.items()}
    return catalog.model_copy(update={"services": named})


def validate_document(model: type[BaseModel], data: object, doc: YamlDocument, fix: str):
    """`data` (read from doc) as `model`, or one NghaError naming the file, line and
    field of the first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(part for part in err["loc"] if part != "[key]")
        raise NghaError(err["msg"].removeprefix("Value error, "), file=doc.path,
                        line=doc.line_of(loc), field=format_loc(loc), fix=fix) from None
