"""One lab for every lab test that can share it: booted once per test session, taken
down at the end whatever happens (test_zz_down.py checks that down leaves nothing).

Tests that change the lab (crash, partition, apply) put it back as they found it."""

from __future__ import annotations

import pytest

from lab_support import SHARED_LAB, ngha


@pytest.fixture(scope="session")
def shared_lab():
    """The deployment file of the shared 3-node lab."""
    ngha("lab", "down", "--name", SHARED_LAB)  # the remains of an earlier, killed run
    try:
        up = ngha("lab", "up", "--name", SHARED_LAB, "--nodes", "3")
        yield up.stdout.strip()
    finally:
        ngha("lab", "down", "--name", SHARED_LAB, check=False)
