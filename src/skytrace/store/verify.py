"""Checking store files before readers query them: damaged files are skipped and reported.

DuckDB reads Parquet without checking page checksums, so a file with a few zeroed bytes can
answer ``count(*)`` and return silently wrong rows. Readers therefore read every file whole
with checksum verification (``positions.verify_file``) the first time they see it, and skip
the ones that fail (logged at WARNING on ``skytrace.store``, listed in ``FileChecker.damaged``).

A file is identified by (path, size, mtime in ns): any rewrite changes one of them, so a
changed file is checked again. What passed is remembered in ``store/verified.json`` (written
atomically, best effort: a reader without write access only loses the memory), so the cost of
a check is paid once per file, not per command. Not thread-safe (one per reader).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from skytrace.errors import DamagedFileError
from skytrace.fileio import write_text_atomic
from skytrace.store import positions as pos

__all__ = ["FileChecker"]

log = logging.getLogger("skytrace.store")

CACHE_NAME: Final = "verified.json"
MAX_ENTRIES: Final = 100_000


class FileChecker:
    """Which of a store's files read back whole (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.damaged: dict[Path, str] = {}  # file -> why it was skipped
        self._known: dict[str, list[int]] = self._load()
        self._dirty = False

    def _load(self) -> dict[str, list[int]]:
        try:
            data = json.loads((self.root / CACHE_NAME).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def good(self, files: Iterable[Path]) -> list[Path]:
        """The files that verify (in order); the others are recorded and logged once."""
        out: list[Path] = []
        for f in files:
            try:
                st = f.stat()
            except FileNotFoundError:
                continue  # compacted away since it was listed
            key = str(f.relative_to(self.root)) if f.is_relative_to(self.root) else str(f)
            stamp = [st.st_size, st.st_mtime_ns]
            if self._known.get(key) == stamp:
                out.append(f)
                continue
            try:
                pos.verify_file(f)
            except FileNotFoundError:
                continue
            except DamagedFileError as exc:
                if f not in self.damaged:
                    log.warning("skipping %s", exc)
                self.damaged[f] = exc.reason
                continue
            self._known[key] = stamp
            self._dirty = True
            out.append(f)
        self._save()
        return out

    def _save(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        # Segments live an hour at most: forget the ones compacted away.
        gone = [k for k in self._known if k.endswith(".npy") and not (self.root / k).exists()]
        for k in gone:
            del self._known[k]
        known = dict(list(self._known.items())[-MAX_ENTRIES:])
        with contextlib.suppress(OSError):  # a read-only store: check again next time
            write_text_atomic(self.root / CACHE_NAME, json.dumps(known))
