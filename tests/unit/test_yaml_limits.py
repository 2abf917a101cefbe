"""YAML is bounded: size, depth and alias expansion are checked on the composed node graph,
before any Python object is built; duplicate keys are named, their values never shown."""

import time

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.errors import NghaError
from ngha.yamlfile import MAX_BYTES, read_yaml
from tests.conftest import SECRET
from tests.unit.test_bad_input import GOOD

BILLION_LAUGHS = "cluster: demo\n" + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi"))


def refused(tmp_path, text: str) -> NghaError:
    path = tmp_path / "d.yaml"
    path.write_text(text)
    with pytest.raises(NghaError) as info:
        read_yaml(path, "deployment")
    return info.value


def test_billion_laughs_is_refused_at_once_with_its_line(tmp_path):
    assert len(BILLION_LAUGHS) < 1024
    start = time.perf_counter()
    error = refused(tmp_path, BILLION_LAUGHS)
    assert time.perf_counter() - start < 0.5
    assert "values once aliases are expanded" in error.message
    assert error.line == 7  # the first line whose aliases expand past the limit


def test_billion_laughs_through_the_cli(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(BILLION_LAUGHS)
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["render", str(path), "-o", str(tmp_path / "out")])
    assert time.perf_counter() - start < 1.0
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{path}:7:" in result.output and not (tmp_path / "out").exists()


def test_deep_nesting_is_refused(tmp_path):
    error = refused(tmp_path, "cluster: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than" in error.message and error.line == 1


def test_deep_nesting_through_aliases_is_refused(tmp_path):
    text = "a: &a [[[[[[[[[[x]]]]]]]]]]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [[[[[[[[[[*{chr(97 + i)}]]]]]]]]]]\n" for i in range(6))
    assert "nested more than" in refused(tmp_path, text).message


def test_size_is_capped_before_parsing(tmp_path):
    error = refused(tmp_path, "# " + "x" * MAX_BYTES + "\n")
    assert "larger than 1024 KiB" in error.message


def test_recursive_alias_is_refused(tmp_path):
    error = refused(tmp_path, "cluster: demo\nnodes: &n [a, *n]\n")
    assert "recursive alias" in error.message and error.line == 2


@pytest.mark.parametrize("text,line,key", [
    (f"secrets:\n  database_password: {{file: /x}}\n  database_password: {SECRET}\n", 3,
     "database_password"),
    (f"fencing:\n  devices:\n    - parameters: {{password: {SECRET}, password: {SECRET}x}}\n",
     3, "password"),
    (f"a: {SECRET}\na: {SECRET}\n", 2, "a"),
])
def test_duplicate_key_is_named_and_its_value_never_shown(tmp_path, text, line, key):
    error = refused(tmp_path, text)
    assert error.line == line and f"duplicate key {key!r}" in str(error)
    assert SECRET not in str(error)


def test_ordinary_anchors_and_merge_keys_still_load(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(GOOD.replace("  - nova-api\n", "  - &n nova-api\n") +
                    "x-defaults: &d {a: 1}\nx-use: {<<: *d, b: 2}\nx-again: *n\n")
    data = read_yaml(path, "deployment").data
    assert data["x-use"]["a"] == 1 and data["x-again"] == "nova-api"
