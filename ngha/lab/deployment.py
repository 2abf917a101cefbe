"""The deployment-file skeleton `lab up` writes, and the secret files it points to."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ngha.lab.state import DEFAULT_TOKEN_MS
from ngha.lab.state import LabState

SECRET_NAMES = ("database_password", "rabbitmq_password", "redis_password")


def write_secrets(secrets_dir: Path) -> dict[str, Path]:
    """Random secrets, readable by root only; an existing file is kept (idempotent)."""
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    paths = {}
    for name in SECRET_NAMES:
        path = secrets_dir / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(24) + "\n")
        paths[name] = path
    return paths


def render_deployment(state: LabState, secret_files: dict[str, Path]) -> str:
    nodes = "".join(
        f"  - {{name: {n.name}, address: {n.address}}}\n" for n in state.nodes
    )
    vips = "".join(f"  {name}: {address}\n" for name, address in state.vips.items())
    secret_lines = "".join(
        f"  {name}: {{file: {path}}}\n" for name, path in sorted(secret_files.items())
    )
    token = state.token_ms or DEFAULT_TOKEN_MS
    return (
        f"# Written by `ngha lab up` for lab {state.name} ({state.subnet}).\n"
        f"cluster: {state.name}\n"
        "profile: nextgen\n"
        "distro: debian\n"
        "target: lab\n"
        f"corosync: {{transport: knet, token: {token}, crypto: false}}\n"
        "nodes:\n"
        f"{nodes}"
        "vips:\n"
        f"{vips}"
        "services: [keystone, memcached]\n"
        "secrets:\n"
        f"{secret_lines}"
    )


def write_deployment(state: LabState, path: Path, secrets_dir: Path) -> Path:
    path.write_text(render_deployment(state, write_secrets(secrets_dir)))
    return path
