import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REFERENCE = EXAMPLES / "reference-3ctl.yaml"
# One distinctive secret for every test that feeds one: if it shows up in any output,
# something echoed it.
SECRET = "S3cr3t-Dont-Echo-4242"
SECRET_ENV = {"NGHA_DATABASE_PASSWORD": SECRET, "NGHA_REDIS_PASSWORD": SECRET,
              "NGHA_RABBITMQ_PASSWORD": SECRET}


@pytest.fixture
def write_yaml(tmp_path):
    """Write a YAML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "deployment.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `make test` installs it (scripts/apt-install.sh)")
    return path


def ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def update_golden_requested() -> bool:
    """NGHA_UPDATE_GOLDEN=1 rewrites golden files (`make golden`). Refused when CI is set:
    a golden test that rewrites its expectations passes whatever the output."""
    if os.environ.get("NGHA_UPDATE_GOLDEN") != "1":
        return False
    if ci():
        pytest.fail("NGHA_UPDATE_GOLDEN=1 while CI is set: golden files are never rewritten "
                    "in CI (run `make golden` locally and commit the reviewed diff)")
    return True
