"""Golden files, like Pacemaker's scheduler regression suite: the rendered reference
deployment is checked in, so any change in output is a visible diff in review.

Regenerate after an intended change with `make golden` (NGHA_UPDATE_GOLDEN=1), never in CI:
a test that rewrites its expectations cannot fail.
"""

from pathlib import Path

import pytest

from ngha.model.load import load_deployment
from ngha.render.artifacts import render_all
from ngha.render.destination import MANIFEST
from tests.conftest import EXAMPLES, update_golden_requested

GOLDEN = Path(__file__).parent
CASES = {
    "reference-nextgen": (EXAMPLES / "reference-3ctl.yaml", "nextgen"),
    "reference-legacy": (EXAMPLES / "reference-3ctl.yaml", "legacy"),
    "lab-nextgen": (EXAMPLES / "lab-3ctl.yaml", "nextgen"),
}


def tree(root: Path) -> dict[str, str]:
    """Rendered files by relative path; the manifest (it carries the ngha version) is
    checked by the render tests instead."""
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_output_matches_golden(case, tmp_path):
    deployment, profile = CASES[case]
    out = tmp_path / case
    render_all(load_deployment(deployment, profile=profile), out, with_svg=False)
    expected_dir = GOLDEN / case
    if update_golden_requested():
        import shutil
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns(MANIFEST))
    actual, expected = tree(out), tree(expected_dir)
    assert sorted(actual) == sorted(expected), "set of rendered files changed"
    for name in expected:
        assert actual[name] == expected[name], f"{case}/{name} differs from the golden file"


def test_update_golden_is_refused_in_ci(monkeypatch):
    monkeypatch.setenv("NGHA_UPDATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never rewritten in CI"):
        update_golden_requested()
    monkeypatch.setenv("CI", "")
    assert update_golden_requested()
    monkeypatch.delenv("NGHA_UPDATE_GOLDEN")
    assert not update_golden_requested()
