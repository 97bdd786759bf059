"""Atomic replacement: readers see the old file or the new one, never a part of either."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skytrace.errors import UsageError
from skytrace.fileio import atomic_path, write_text_atomic


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "doc.json"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["doc.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    write_text_atomic(target, "good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer died")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.json"]


def test_a_fifo_or_a_directory_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    directory = tmp_path / "dir"
    directory.mkdir()
    for target in (fifo, directory):
        with pytest.raises(UsageError, match="not a regular file"):
            write_text_atomic(target, "x")
    assert fifo.is_fifo() and directory.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "pipe"]


def test_a_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    pointed = tmp_path / "kept.txt"
    pointed.write_text("kept")
    link = tmp_path / "link.txt"
    link.symlink_to(pointed)
    write_text_atomic(link, "new")
    assert not link.is_symlink() and link.read_text() == "new"
    assert pointed.read_text() == "kept"
