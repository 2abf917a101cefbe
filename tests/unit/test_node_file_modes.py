"""Every file ngha writes on a node that holds a secret is closed to the world, on every
deployment it ships as an example; and the shipped catalog reads the same whichever
reader reads it."""

from pathlib import Path

import pytest

from ngha.catalog.catalog import _parse, _parse_shipped
from ngha.profiles import build_desired_state
from ngha.render.services import desired_node_files
from ngha.model.load import load_deployment

from tests.conftest import SECRET_ENV

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("profile", ["nextgen", "legacy"])
def test_secret_bearing_files_have_no_world_bits(example, profile, monkeypatch):
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    loaded = load_deployment(example, profile=profile)
    checked = 0
    for node in desired_node_files(loaded, build_desired_state(loaded)):
        for file in node.files:
            if file.secrets:
                checked += 1
                assert file.mode & 0o007 == 0, f"{node.node}:{file.path} {oct(file.mode)}"
    assert checked, "no file holds a secret: the test checks nothing"


def test_the_shipped_catalog_reads_the_same_either_way():
    path = Path(__file__).parents[2] / "ngha" / "catalog" / "services.yaml"
    assert _parse_shipped(path) == _parse(path)
