"""Hypothesis fuzz of the loader: any input gives a model or one NghaError, never a traceback."""

import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ngha.errors import NghaError
from ngha.model.load import load_deployment
from ngha.profiles import build_desired_state
from ngha.render.artifacts import artifact_files
from ngha.render.graph import dot_to_svg, render_dot
from tests.unit.test_bad_input import GOOD

# NGHA_FUZZ_SCALE=10 runs ten times as many examples (a deeper run by hand; CI uses 1).
SCALE = int(os.environ.get("NGHA_FUZZ_SCALE", "1"))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False), st.text(max_size=30),
                    st.sampled_from(["nextgen", "legacy", "192.0.2.10", "::1", "ctl-0",
                                     "keystone", "cinder-volume", "active-active", "all"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["name", "address", "mode", "file", "env", "roles",
                                     "netmask", "unit", "x"]) | st.text(max_size=8),
                    inner, max_size=4)), max_leaves=12)
FIELDS = ["cluster", "profile", "distro", "target", "corosync", "nodes", "vips", "services",
          "secrets", "fencing", "bogus"]


def _load_text(text: str, draw: bool = False) -> None:
    """Load and build every artefact in memory (the graph drawn by dot when `draw`):
    anything but a model or one NghaError is a bug."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded = load_deployment(path)
        except NghaError as exc:
            assert str(exc) and exc.exit_code == 2
            return
        desired = build_desired_state(loaded)
        files = artifact_files(loaded, desired)
        for relative in files:
            assert ".." not in relative.split("/") and not relative.startswith("/")
        dot = render_dot(desired, set(loaded.catalog.core_names()))
        if draw:
            dot_to_svg(dot)


def _good() -> dict:
    return YAML(typ="safe").load(GOOD)


@settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text(text):
    _load_text(text)


@settings(max_examples=400 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_one_field_replaced(field, value):
    data = _good()
    data[field] = value
    stream = io.StringIO()
    YAML(typ="safe").dump(data, stream)
    _load_text(stream.getvalue())


@settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 2), key=st.sampled_from(["name", "address", "roles", "extra"]),
       value=VALUES)
def test_node_field_replaced(index, key, value):
    data = _good()
    data["nodes"][index][key] = value
    stream = io.StringIO()
    YAML(typ="safe").dump(data, stream)
    _load_text(stream.getvalue())


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 2), key=st.sampled_from(["unit", "config_files", "mode", "name"]),
       value=VALUES | st.lists(st.text(max_size=20), max_size=3))
def test_service_override_replaced(index, key, value):
    """Overrides end up in file paths, XML ids, shell words and the graph: draw it too."""
    data = _good()
    services = [{"name": s} if isinstance(s, str) else s for s in data["services"]]
    services[index][key] = value
    data["services"] = services
    stream = io.StringIO()
    YAML(typ="safe").dump(data, stream)
    _load_text(stream.getvalue(), draw=True)


@settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, len(GOOD)), junk=st.text(max_size=5))
def test_truncated_and_spliced(cut, junk):
    _load_text(GOOD[:cut] + junk + GOOD[cut:])
