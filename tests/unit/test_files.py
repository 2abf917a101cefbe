"""write_atomically: whole or not at all, with the mode asked for."""

from __future__ import annotations

import os

import pytest

from ngha.files import write_atomically


def test_a_new_file_renamed_over_the_old_one(tmp_path):
    path = tmp_path / "out.json"
    write_atomically(path, b"one\n")
    first = path.stat().st_ino
    write_atomically(path, b"two\n")
    assert path.read_bytes() == b"two\n"
    assert path.stat().st_ino != first  # a reader holding the old file sees it whole
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_the_mode_is_the_umasks_unless_given(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "shared", b"x")
        write_atomically(tmp_path / "metrics", b"x", mode=0o644)
    finally:
        os.umask(old)
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "metrics").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    (tmp_path / "taken").mkdir()  # a directory where the file should go
    with pytest.raises(OSError):
        write_atomically(tmp_path / "taken", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert (tmp_path / "taken").is_dir()
