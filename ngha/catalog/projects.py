"""Typed view of openstack.yaml: the OpenStack projects ngha configures for real (their
databases, Keystone registration, settings and schema steps), as data."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ngha.catalog.catalog import extra_catalog_files, validate_document
from ngha.errors import NghaError
from ngha.names import config_path_problem
from ngha.yamlfile import plain, read_yaml

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,63}")  # databases, users: pasted into SQL
IDENTIFIER_WORD = re.compile(r"[a-z][a-z0-9_-]{0,63}")  # Keystone service names, types
TABLE = re.compile(r"[a-z][a-z0-9_]{0,63}\.[a-z][a-z0-9_]{0,63}")
# a WHERE of one equality with a literal: what a schema step's check needs, nothing more
EQUALITY = re.compile(r"[a-z_]{1,64}='[A-Za-z0-9_.-]{0,64}'")
URL_PATH = re.compile(r"(/[A-Za-z0-9._~-]+|/%\((project_id|tenant_id)\)s)+")
PROJECT = re.compile(r"[a-z][a-z_]{0,63}")  # also a secret's name: <project>_service_password
SECTION = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,100}")
OPTION = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,100}")
ONE_LINE = re.compile(r"[^\r\n]*")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def matching(pattern: re.Pattern, what: str) -> AfterValidator:
    """A value that must match `pattern` in full, else "not <what>"."""
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"not {what}")
        return value
    return AfterValidator(check)


# Names that reach SQL, ini files, URLs or secrets' names: each type says what it may hold.
SqlName = Annotated[str, matching(IDENTIFIER, "a name (lower-case letters, digits, '_')")]
Word = Annotated[str, matching(IDENTIFIER_WORD, "a name (lower-case letters, digits, '_', '-')")]
Table = Annotated[str, matching(TABLE, "a table as database.table")]
Equality = Annotated[str, matching(EQUALITY, "one equality with a literal: column='value'")]
UrlPath = Annotated[str, matching(URL_PATH, "a URL path (e.g. /v2.1 or /v3/%(project_id)s)")]
ProjectName = Annotated[str, matching(PROJECT, "a project name (lower-case letters and '_')")]
Section = Annotated[str, matching(SECTION, "an ini section name")]
Option = Annotated[str, matching(OPTION, "an ini option name")]
Value = Annotated[str, matching(ONE_LINE, "one line")]
ConfigFile = Annotated[str, AfterValidator(lambda v: _no_problem(config_path_problem(v), v))]


def _no_problem(problem: str | None, value: str) -> str:
    if problem:
        raise ValueError(problem)
    return value


class KeystoneService(Strict):
    name: Word
    type: Word
    port: int = Field(ge=1, le=65535)
    path: UrlPath | Literal[""] = ""  # after host:port, e.g. /v2.1 or /v3/%(project_id)s


class Keystone(Strict):
    services: tuple[KeystoneService, ...] = ()
    roles: tuple[Word, ...] = ()


class RowCheck(Strict):
    table: Table
    where: Equality


class Done(Strict):
    """How a schema step is known to be done: a table, or a row, exists."""

    table: Table | None = None
    row: RowCheck | None = None

    @model_validator(mode="after")
    def _one(self) -> "Done":
        if (self.table is None) == (self.row is None):
            raise ValueError("give exactly one of 'table' or 'row'")
        return self


class SyncStep(Strict):
    command: tuple[str, ...]
    done: Done


class Project(Strict):
    name: str = ""
    user: SqlName
    config: ConfigFile
    databases: tuple[SqlName, ...] = ()
    keystone: Keystone = Keystone()
    authtoken: bool = False
    settings: dict[Section, dict[Option, Value]] = Field(default_factory=dict)
    sync: tuple[SyncStep, ...] = ()

    @property
    def config_dir(self) -> str:
        """The directory every unit of the project reads after its main file."""
        return f"{self.config}.d"


class Projects(Strict):
    keystone_authtoken: dict[Option, Value] = Field(default_factory=dict)
    projects: dict[ProjectName, Project] = Field(default_factory=dict)


def load_projects() -> Projects:
    """The shipped projects plus those of the site catalog files in $NGHA_EXTRA_CATALOG
    (the files that may add services may add projects too)."""
    return _load(tuple(str(p) for p in extra_catalog_files()))


@lru_cache(maxsize=4)
def _load(extra_files: tuple[str, ...]) -> Projects:
    source = resources.files("ngha.catalog").joinpath("openstack.yaml")
    with resources.as_file(source) as path:
        shipped = _parse(path)
    projects = dict(shipped.projects)
    for extra in extra_files:
        for name, project in _parse(Path(extra)).projects.items():
            if name in projects:
                raise NghaError(f"project {name!r} is already in the catalog", file=extra,
                                field=f"projects.{name}",
                                fix="choose another name; shipped projects cannot be "
                                    "redefined")
            projects[name] = project
    return shipped.model_copy(update={"projects": projects})


def _parse(path: Path) -> Projects:
    doc = read_yaml(path, "catalog")
    data = plain(doc.data) or {}
    if "projects" not in data and "keystone_authtoken" not in data:
        return Projects()  # a site file with services only
    data = {k: v for k, v in data.items() if k in ("projects", "keystone_authtoken")}
    parsed = validate_document(Projects, data, doc,
                               "see the field list at the top of ngha/catalog/openstack.yaml")
    named = {name: p.model_copy(update={"name": name}) for name, p in parsed.projects.items()}
    return parsed.model_copy(update={"projects": named})
