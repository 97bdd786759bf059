"""The data directory: --data-dir naming a file or an unwritable place is a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skytrace.config import resolve_data_dir
from skytrace.errors import UsageError


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    for create in (False, True):
        with pytest.raises(UsageError, match="is not a directory"):
            resolve_data_dir(path, create=create)


def test_a_data_dir_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="cannot create the data directory"):
        resolve_data_dir(tmp_path / "file" / "data", create=True)


def test_an_unwritable_data_dir_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root may write anywhere, so the permission answer is what the test controls.
    path = tmp_path / "ro"
    path.mkdir(mode=0o500)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path)
    with pytest.raises(UsageError, match="not writable"):
        resolve_data_dir(path, create=True)


def test_the_data_dir_is_created_with_parents(tmp_path: Path) -> None:
    assert resolve_data_dir(tmp_path / "a" / "b", create=True).is_dir()
