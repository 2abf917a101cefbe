"""Golden files, like Pacemaker's scheduler regression suite: rendered deployments are
checked in, so any change in output is a visible diff in review.

Regenerate after an intended change with `make golden` (NGHA_UPDATE_GOLDEN=1), never in CI:
a test that rewrites its expectations cannot fail.
"""

from pathlib import Path

import pytest
from lxml import etree

from ngha.model.load import load_deployment
from ngha.render.artifacts import render_all
from ngha.render.destination import MANIFEST
from tests.conftest import EXAMPLES, update_golden_requested

GOLDEN = Path(__file__).parent
INPUTS = GOLDEN / "inputs"
CASES = {
    "reference-nextgen": (EXAMPLES / "reference-3ctl.yaml", "nextgen"),
    "reference-legacy": (EXAMPLES / "reference-3ctl.yaml", "legacy"),
    "lab-nextgen": (EXAMPLES / "lab-3ctl.yaml", "nextgen"),
    "lab-legacy": (EXAMPLES / "lab-3ctl.yaml", "legacy"),
    "fencing-nextgen": (INPUTS / "fencing-3ctl.yaml", "nextgen"),
    "fencing-2node-nextgen": (INPUTS / "fencing-2node.yaml", "nextgen"),
    "ipv6-nextgen": (INPUTS / "ipv6-3ctl.yaml", "nextgen"),
    "roles-nextgen": (INPUTS / "roles-3ctl.yaml", "nextgen"),
    "debian-nextgen": (INPUTS / "debian-3ctl.yaml", "nextgen"),
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
    loaded = load_deployment(deployment, profile=profile)
    render_all(loaded, out, with_svg=False)
    expected_dir = GOLDEN / case
    if update_golden_requested():
        import shutil
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns(MANIFEST))
    actual, expected = tree(out), tree(expected_dir)
    assert sorted(actual) == sorted(expected), "set of rendered files changed"
    for name in expected:
        assert actual[name] == expected[name], f"{case}/{name} differs from the golden file"
    if loaded.deployment.fencing and loaded.deployment.fencing.devices:
        assert_stonith_enabled(out / "cib.xml")


def assert_stonith_enabled(cib_file: Path) -> None:
    """Fencing configured but stonith-enabled=false would leave every device idle."""
    cib = etree.parse(str(cib_file))
    values = cib.xpath("//crm_config//nvpair[@name='stonith-enabled']/@value")
    assert values == ["true"], f"{cib_file}: stonith-enabled is {values}"
    devices = cib.xpath("//primitive[@class='stonith']")
    assert devices, f"{cib_file}: fencing configured but no stonith resource"
    for device in devices:
        target = device.xpath("instance_attributes/nvpair[@name='pcmk_host_list']/@value")[0]
        scores = cib.xpath(f"//rsc_location[@rsc='{device.get('id')}'][@node='{target}']/@score")
        assert scores == ["-INFINITY"], f"{device.get('id')} may run on {target}: {scores}"


def test_update_golden_is_refused_in_ci(monkeypatch):
    monkeypatch.setenv("NGHA_UPDATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never rewritten in CI"):
        update_golden_requested()
    monkeypatch.setenv("CI", "")
    assert update_golden_requested()
    monkeypatch.delenv("NGHA_UPDATE_GOLDEN")
    assert not update_golden_requested()
