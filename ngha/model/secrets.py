"""Secret values, read from where the deployment's references point (a file or an
environment variable), at the last moment and only by code that writes them into a
file with a restrictive mode on a node. Messages name the secret and its reference,
never its value.

Some secrets are derived rather than configured: the Erlang cookie RabbitMQ nodes share
is computed from the RabbitMQ password, so one secret fewer has to be handed out and
every node computes the same cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from ngha.errors import NghaError
from ngha.model.deployment import Deployment

# derived secret -> (the secret it is computed from, what it is for)
DERIVED = {"rabbitmq_cookie": ("rabbitmq_password", b"ngha erlang cookie")}
# Each OpenStack project's own passwords, <project>_database_password and
# <project>_service_password (its Keystone user): one secret each to hand out, yet no two
# projects share a password, and no password gives away another (HMAC is one-way).
PER_PROJECT = {"_database_password": "database_password",
               "_service_password": "service_password"}


def derivation(name: str) -> tuple[str, bytes] | None:
    """(the secret it is computed from, what it is for), or None for a configured one."""
    if name in DERIVED:
        return DERIVED[name]
    for suffix, base in PER_PROJECT.items():
        project = name.removesuffix(suffix)
        if name.endswith(suffix) and project and name != base:
            return base, f"ngha {suffix.strip('_')} of {project}".encode()
    return None


UNSAFE = "\"'\\#`$"


class SecretUnavailable(NghaError):
    """A secret the operation needs cannot be read."""


class Secrets:
    def __init__(self, deployment: Deployment, source: str | Path | None = None):
        self.deployment = deployment
        self.source = source  # the deployment file, for messages
        self._cache: dict[str, str] = {}

    def has(self, name: str) -> bool:
        derived = derivation(name)
        return (derived[0] if derived else name) in self.deployment.secrets

    def value(self, name: str) -> str:
        if name not in self._cache:
            derived = derivation(name)
            self._cache[name] = self._derive(*derived) if derived else self._read(name)
        return self._cache[name]

    def _derive(self, base: str, purpose: bytes) -> str:
        return hmac.new(self.value(base).encode(), purpose, hashlib.sha256).hexdigest().upper()

    def _read(self, name: str) -> str:
        ref = self.deployment.secrets.get(name)
        if ref is None:
            raise SecretUnavailable(f"this deployment needs the secret {name!r}",
                                    file=self.source, field="secrets",
                                    fix=f"add '{name}: {{file: /etc/ngha/secrets/{name}}}' "
                                        "(a root-only file holding it) under secrets")
        if ref.env is not None:
            value = os.environ.get(ref.env)
            where = f"environment variable {ref.env}"
        else:
            where = f"file {ref.file}"
            try:
                value = Path(ref.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SecretUnavailable(
                    f"cannot read {where}: {type(exc).__name__}", file=self.source,
                    field=f"secrets.{name}", fix="create it (mode 0600) or fix the path") \
                    from None
        value = (value or "").strip("\r\n")
        if not value:
            raise SecretUnavailable(f"{where} is empty or unset", file=self.source,
                                    field=f"secrets.{name}",
                                    fix="put the secret there (one line)")
        if any(c.isspace() or c in UNSAFE or not c.isprintable() for c in value):
            # it lands in redis.conf, an EnvironmentFile and ini files as one bare word
            raise SecretUnavailable(f"{where} holds spaces, quotes, backslashes or "
                                    "control characters", file=self.source,
                                    field=f"secrets.{name}",
                                    fix="use printable characters without spaces, quotes, "
                                        "'#' or backslashes (e.g. `openssl rand -hex 24`)")
        return value
