"""Loop files on disk: finding them by what a person typed, confined to the loops folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from domain.loops.files import find_loop_files


@pytest.fixture
def root(loops_root: Path, tmp_path: Path) -> Path:
    """A copy of the suite's loops folder, plus a non-MP4 and a link out of the folder."""
    copy = tmp_path / "loops"
    shutil.copytree(loops_root, copy)
    (copy / "notes.txt").write_text("not a loop")
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"not ours")
    os.symlink(outside, copy / "escaping-link.mp4")
    return copy


def test_nothing_typed_lists_every_loop_inside_the_folder(root: Path) -> None:
    assert find_loop_files(root, "", 50) == ["a.mp4", "b.mp4", "default.mp4", "sub/c.mp4"]


def test_every_typed_word_must_match_in_any_case(root: Path) -> None:
    assert find_loop_files(root, "SUB c", 50) == ["sub/c.mp4"]
    assert find_loop_files(root, "  b.MP4 ", 50) == ["b.mp4"]
    assert find_loop_files(root, "sub nothing", 50) == []


def test_at_most_limit_files(root: Path) -> None:
    assert find_loop_files(root, "mp4", 2) == ["a.mp4", "b.mp4"]
