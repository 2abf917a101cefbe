"""Last of the lab tests (file order): `lab down` of the shared lab leaves nothing."""

from __future__ import annotations

import time

import pytest

from ngha.lab.session import lab_paths

from lab_support import LAB, SHARED_LAB, leftovers, ngha

pytestmark = [*LAB, pytest.mark.timeout(120)]


def test_down_leaves_nothing_behind(shared_lab):
    state_dir = lab_paths(SHARED_LAB).dir
    started = time.monotonic()
    ngha("lab", "down", "--name", SHARED_LAB)
    assert time.monotonic() - started < 10
    assert leftovers(SHARED_LAB, state_dir) == []
    gone = ngha("lab", "status", "--name", SHARED_LAB, check=False)
    assert gone.returncode == 1 and "is not up" in gone.stderr
