"""Atomic file replacement: a reader sees the old file or the new one, never a part.

Every file that another process may read while skytrace writes it (aircraft.json,
receivers.json, the bound-ports file, reference-data tables, the store's version file)
goes through here: the data is written to a temporary file beside the target, flushed to
disk, and renamed over the target (``os.replace`` is atomic within one file system). On any
error the temporary file is removed and the previous target is left as it was.

Only regular files are ever replaced: a target that exists as a FIFO, a device, a socket or a
directory is refused (``UsageError``) before anything is written, so a path pointing at
``/dev/full`` or a named pipe is never turned into a regular file. A symbolic link is replaced
by the new file (the file it pointed to is left alone).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skytrace.errors import UsageError

__all__ = ["atomic_path", "check_regular_target", "write_text_atomic"]


def check_regular_target(path: Path) -> None:
    """``UsageError`` unless ``path`` is absent, a regular file or a symbolic link."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise UsageError(f"{path} exists and is not a regular file; skytrace will not replace it")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto it when the block ends without error.

    The caller writes the temporary path however it likes (text, Parquet, NumPy); the
    file is fsync'ed before the rename so that a crash cannot leave an empty target.
    """
    check_regular_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(0o644)  # mkstemp makes 0600; our files are as readable as any other
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: Path, text: str) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) atomically; returns ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
