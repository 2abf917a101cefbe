"""Load a deployment file (+ environment) into a validated, resolved model.

Order of checks, so the first message is the most useful one: YAML syntax, inline secrets
(before anything could echo them), schema (pydantic), then semantic rules (validate.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ngha.catalog import Catalog, extra_catalog_files, load_catalog
from ngha.catalog import Project, load_projects
from ngha.errors import NghaError
from ngha.model.deployment import SECRET_PARAMETER, Deployment
from ngha.model.environment import Environment, load_environment, shipped_environment
from ngha.model.resolve import ResolvedService, resolve_services
from ngha.model.validate import validate_semantics
from ngha.model.warning import LoadWarning
from ngha.yamlfile import YamlDocument, format_loc, plain, read_yaml

# Union/validator tags pydantic puts into error locations; they are not part of the file.
_PYDANTIC_TAG = re.compile(
    r"^(str|int|bool|\[key\]|dict\[.*\]|list\[.*\]|[A-Z]\w*|function-.*|literal\[.*\])$")


@dataclass(frozen=True)
class LoadedDeployment:
    """Everything a profile needs: the deployment, the environment and resolved services."""

    deployment: Deployment
    environment: Environment
    catalog: Catalog
    services: tuple[ResolvedService, ...]
    profile: str
    document: YamlDocument
    warnings: tuple[LoadWarning, ...] = ()

    @property
    def configured_services(self) -> tuple[ResolvedService, ...]:
        """The deployed services ngha configures (those of an OpenStack project, when the
        deployment has an `openstack:` section): the one definition render, plan and
        targets use."""
        if self.deployment.openstack is None:
            return ()
        return tuple(s for s in self.services if s.spec.project)

    @property
    def configured_projects(self) -> list[Project]:
        """Their projects, in catalog order of their services."""
        projects = load_projects().projects
        names = dict.fromkeys(s.spec.project for s in self.configured_services)
        return [projects[name] for name in names if name in projects]

    def input_files(self) -> list[Path]:
        """Every file this deployment was read from or refers to: render never writes
        over the directories holding them."""
        files = [self.document.path, self.environment.path, *extra_catalog_files()]
        files += [Path(ref.file) for ref in self.deployment.secrets.values() if ref.file]
        return files


def load_deployment(path: str | Path, environment: str | Path | None = None,
                    profile: str | None = None) -> LoadedDeployment:
    document, deployment = read_deployment(path)
    return with_profile(document, deployment, environment, profile)


def read_deployment(path: str | Path) -> tuple[YamlDocument, Deployment]:
    """The file read and checked once: YAML, inline secrets, schema."""
    document = read_yaml(path, "deployment")
    _refuse_inline_secrets(document)
    return document, _validate_schema(document)


def with_profile(document: YamlDocument, deployment: Deployment,
                 environment: str | Path | None = None,
                 profile: str | None = None) -> LoadedDeployment:
    """The deployment under one profile and environment (the file's own profile unless
    `profile` overrides it), checked against the catalog."""
    catalog = load_catalog()
    chosen_profile = profile or deployment.profile
    if chosen_profile not in ("nextgen", "legacy"):
        raise NghaError(f"unknown profile {chosen_profile!r}", field="profile",
                        fix="use --profile nextgen or --profile legacy")
    env = load_environment(environment or shipped_environment(chosen_profile), catalog)
    warnings = validate_semantics(document, deployment, catalog, env)
    services = resolve_services(deployment, catalog, env)
    return LoadedDeployment(deployment=deployment, environment=env, catalog=catalog,
                            services=services, profile=chosen_profile, document=document,
                            warnings=(*env.warnings, *warnings))


def _validate_schema(document: YamlDocument) -> Deployment:
    try:
        return Deployment.model_validate(plain(document.data))
    except ValidationError as exc:
        errors = exc.errors()
        err = errors[0]
        loc = _clean_loc(document.data, err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = f"missing required field {loc[-1]!r}"
        elif err["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}"
        elif err["type"] == "literal_error":
            message = message.replace("Input should be", "must be one of")
        fix = _fix_for(err["type"], loc)
        raise NghaError(message, file=document.path, line=document.line_of(loc),
                        field=format_loc(loc) or None, fix=fix) from None


def _clean_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    cleaned: list[Any] = []
    node = data
    for part in loc:
        in_data = isinstance(node, dict) and part in node
        if not in_data and isinstance(part, str) and _PYDANTIC_TAG.match(part):
            continue
        cleaned.append(part)
        if in_data or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
        else:
            node = None
    return tuple(cleaned)


def _fix_for(kind: str, loc: tuple[Any, ...]) -> str:
    field = format_loc(loc)
    if kind == "missing":
        return f"add '{loc[-1]}' (see examples/reference-3ctl.yaml)"
    if kind == "extra_forbidden":
        return f"remove '{field}' or check its spelling (see examples/reference-3ctl.yaml)"
    return f"correct '{field}' (see examples/reference-3ctl.yaml)"


def _refuse_inline_secrets(document: YamlDocument) -> None:
    """A secret value in the file would end up in backups, diffs and logs: refuse it."""
    data = document.data
    secrets = data.get("secrets")
    if isinstance(secrets, dict):
        for name, value in secrets.items():
            if not isinstance(value, dict):
                raise NghaError("secret given inline", file=document.path,
                                line=document.line_of(("secrets", name)),
                                field=f"secrets.{name}",
                                fix=f"store it in a file (mode 0600) or an environment variable and "
                                    f"write '{name}: {{file: /etc/ngha/{name}}}' or "
                                    f"'{name}: {{env: NGHA_{str(name).upper()}}}'")
    fencing = data.get("fencing")
    devices = fencing.get("devices") if isinstance(fencing, dict) else None
    for index, device in enumerate(devices if isinstance(devices, list) else []):
        params = device.get("parameters") if isinstance(device, dict) else None
        for key in params if isinstance(params, dict) else []:
            if SECRET_PARAMETER.search(str(key)) and not str(key).endswith("_script"):
                loc = ("fencing", "devices", index, "parameters", key)
                raise NghaError("fencing credential given inline (it would land in the CIB)",
                                file=document.path, line=document.line_of(loc),
                                field=format_loc(loc),
                                fix="use the agent's password_script parameter pointing to a "
                                    "root-only script that prints the password")
