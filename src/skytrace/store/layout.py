"""Where the store keeps its files, its schema version and the one-writer lock.

    <data_dir>/store/
        VERSION                  {"schema_version": 1}: refused when newer, migrated when older
        writer.lock              held (flock) by the writer; JSON {"pid", "started_s", "server"}
        catalog.duckdb(.wal)     the writer's DuckDB database (flights, events, ...)
        positions/YYYY-MM-DD/HH/ position Parquet files of one UTC hour
        snapshot/                Parquet snapshots of the catalog that readers query
        quarantine/              damaged files moved out of the live tree, for a person

The lock is an advisory ``flock`` on ``writer.lock``: the kernel drops it when the process
dies (even by SIGKILL), so a crashed writer never leaves a stale lock behind. The file's
content is only information for error messages and for finding a running server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from skytrace.errors import StoreError, StoreLockedError
from skytrace.fileio import write_text_atomic

__all__ = [
    "SCHEMA_VERSION",
    "StoreLayout",
    "WriterLock",
    "check_version",
    "read_lock_info",
    "refuse_foreign",
    "write_version",
]

SCHEMA_VERSION: Final = 3  # 2: flight time uncertainty and source counts, receiver state;
# 3: distinct receivers per flight


@dataclass(frozen=True, slots=True)
class StoreLayout:
    data_dir: Path

    @property
    def root(self) -> Path:
        return self.data_dir / "store"

    @property
    def version_file(self) -> Path:
        return self.root / "VERSION"

    @property
    def lock_file(self) -> Path:
        return self.root / "writer.lock"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.duckdb"

    @property
    def positions(self) -> Path:
        return self.root / "positions"

    @property
    def quarantine(self) -> Path:
        """Where files that do not read back are moved (never deleted)."""
        return self.root / "quarantine"

    @property
    def snapshot(self) -> Path:
        return self.root / "snapshot"

    @property
    def flights_snapshot(self) -> Path:
        return self.snapshot / "flights"

    @property
    def events_snapshot(self) -> Path:
        return self.snapshot / "events"


def write_version(layout: StoreLayout, version: int = SCHEMA_VERSION) -> None:
    write_text_atomic(layout.version_file, json.dumps({"schema_version": version}) + "\n")


def check_version(layout: StoreLayout, *, create: bool) -> int:
    """The store's schema version: a newer one than this skytrace knows is refused; a new
    store (``create``) gets this version. An older one is returned as it is: the writer
    migrates it on open (``skytrace.store.catalog.migrate``, then ``write_version``), and
    readers read it, a value its rows lack reading as unknown."""
    path = layout.version_file
    if not path.exists():
        if create:
            write_version(layout)
        return SCHEMA_VERSION
    try:
        version = int(json.loads(path.read_text())["schema_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path} is not a skytrace store version file ({exc})") from exc
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the store in {layout.root} has schema version {version}, newer than this "
            f"skytrace understands ({SCHEMA_VERSION}); upgrade skytrace or use another --data-dir"
        )
    if version < 1:
        raise StoreError(f"{path}: schema version {version} was never written by skytrace")
    return version


def read_lock_info(layout: StoreLayout) -> dict[str, object]:
    """What the lock file says (pid, started_s, server); {} when absent or unreadable."""
    try:
        info = json.loads(layout.lock_file.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


class WriterLock:
    """The exclusive right to write a store, held until ``release`` or process death."""

    def __init__(self, layout: StoreLayout) -> None:
        self.layout = layout
        self._fh: TextIO | None = None

    def acquire(self) -> None:
        fh = open(self.layout.lock_file, "a+")  # noqa: SIM115 - held for the store's lifetime
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            pid = read_lock_info(self.layout).get("pid", "?")
            raise StoreLockedError(
                f"the store in {self.layout.root} is in use by process {pid} (its one writer); "
                "stop that process, or query through the server it runs"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "started_s": time.time(), "server": ""}))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def refuse_foreign(layout: StoreLayout) -> None:
    """Refuse to write into a ``store/`` directory skytrace did not make (no VERSION marker)
    unless it is empty, and a data directory or store that is not a directory."""
    if layout.data_dir.exists() and not layout.data_dir.is_dir():
        raise StoreError(f"the data directory {layout.data_dir} is not a directory")
    root = layout.root
    if not root.exists() and not root.is_symlink():
        return
    if not root.is_dir():
        raise StoreError(f"{root} is not a directory; give another --data-dir")
    if layout.version_file.exists():
        return
    # A writer killed between creating its lock and writing VERSION leaves only the lock.
    foreign = [p.name for p in root.iterdir() if p.name != layout.lock_file.name]
    if foreign:
        raise StoreError(
            f"{root} exists but was not made by skytrace (no VERSION file; it holds "
            f"{', '.join(sorted(foreign)[:3])}{', ...' if len(foreign) > 3 else ''}); "
            "skytrace will not write into it: move it away or give another --data-dir"
        )
