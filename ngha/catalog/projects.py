"""Typed view of openstack.yaml: the OpenStack projects ngha configures for real (their
databases, Keystone registration, settings and schema steps), as data."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ngha.errors import NghaError
from ngha.names import config_path_problem
from ngha.yamlfile import format_loc, plain, read_yaml

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,63}")  # databases, users: pasted into SQL
IDENTIFIER_WORD = re.compile(r"[a-z][a-z0-9_-]{0,63}")  # Keystone service names, types
TABLE = re.compile(r"[a-z][a-z0-9_]{0,63}\.[a-z][a-z0-9_]{0,63}")
# a WHERE of one equality with a literal: what a schema step's check needs, nothing more
EQUALITY = re.compile(r"[a-z_]{1,64}='[A-Za-z0-9_.-]{0,64}'")
SECTION = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,100}")
OPTION = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,100}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _match(pattern: re.Pattern, value: str, what: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"not {what}")
    return value


class KeystoneService(Strict):
    name: str
    type: str
    port: int = Field(ge=1, le=65535)
    path: str = ""  # after host:port, e.g. /v2.1 or /v3/%(project_id)s

    @field_validator("name", "type")
    @classmethod
    def _word(cls, value: str) -> str:
        return _match(IDENTIFIER_WORD, value, "a name (letters, digits, '_', '-')")



class Keystone(Strict):
    services: tuple[KeystoneService, ...] = ()
    roles: tuple[str, ...] = ()


class RowCheck(Strict):
    table: str
    where: str

    @field_validator("table")
    @classmethod
    def _table(cls, value: str) -> str:
        return _match(TABLE, value, "a table as database.table")

    @field_validator("where")
    @classmethod
    def _where(cls, value: str) -> str:
        return _match(EQUALITY, value, "one equality with a literal: column='value'")


class Done(Strict):
    """How a schema step is known to be done: a table, or a row, exists."""

    table: str | None = None
    row: RowCheck | None = None

    @field_validator("table")
    @classmethod
    def _table(cls, value: str | None) -> str | None:
        return value if value is None else _match(TABLE, value, "a table as database.table")


class SyncStep(Strict):
    command: tuple[str, ...]
    done: Done


class Project(Strict):
    name: str = ""
    user: str
    config: str
    databases: tuple[str, ...] = ()
    keystone: Keystone = Keystone()
    authtoken: bool = False
    settings: dict[str, dict[str, str]] = Field(default_factory=dict)
    sync: tuple[SyncStep, ...] = ()

    @field_validator("user")
    @classmethod
    def _user(cls, value: str) -> str:
        return _match(IDENTIFIER, value, "a user name (lower-case letters, digits, '_')")

    @field_validator("config")
    @classmethod
    def _config(cls, value: str) -> str:
        problem = config_path_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("databases")
    @classmethod
    def _databases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            _match(IDENTIFIER, name, "a database name (lower-case letters, digits, '_')")
        return value

    @field_validator("settings")
    @classmethod
    def _settings(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for section, options in value.items():
            _match(SECTION, section, "an ini section name")
            for option, text in options.items():
                _match(OPTION, option, "an ini option name")
                if "\n" in text:
                    raise ValueError("a value must be one line")
        return value

    @property
    def config_dir(self) -> str:
        """The directory every unit of the project reads after its main file."""
        return f"{self.config}.d"


class Projects(Strict):
    keystone_authtoken: dict[str, str] = Field(default_factory=dict)
    projects: dict[str, Project] = Field(default_factory=dict)


def load_projects(extra_files: tuple[Path, ...] = ()) -> Projects:
    return _load(tuple(str(p) for p in extra_files))


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
    try:
        parsed = Projects.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(part for part in err["loc"] if part != "[key]")
        raise NghaError(err["msg"].removeprefix("Value error, "), file=path,
                        line=doc.line_of(loc), field=format_loc(loc),
                        fix="see the field list at the top of ngha/catalog/openstack.yaml") \
            from None
    named = {name: p.model_copy(update={"name": name}) for name, p in parsed.projects.items()}
    return parsed.model_copy(update={"projects": named})
