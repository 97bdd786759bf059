"""Helpers every importer shares: opening (gzip or plain) text, and the bad-line report.

This module owns how an import reports what it rejected: each bad line is a ``BadLine``
(1-based physical line number in the input, reason); an importer keeps every good row, counts
every bad one and keeps the first ``MAX_BAD_LINES_KEPT`` for the report. A file that is not
of the expected format at all (wrong header, not JSON, empty) raises ``RefdataError``.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from skytrace.errors import RefdataError

__all__ = ["MAX_BAD_LINES_KEPT", "BadLine", "BadLines", "ImportReport", "open_text", "read_bytes"]

MAX_BAD_LINES_KEPT = 100
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int  # 1-based line number in the (decompressed) input, or entry number (see where)
    reason: str
    where: str = "line"  # "line", or "entry"/"feature" for JSON inputs


@dataclass(slots=True)
class BadLines:
    """Counts every rejected line, keeps the first few for the report."""

    count: int = 0
    kept: list[BadLine] = field(default_factory=list)

    def add(self, line: int, reason: str, where: str = "line") -> None:
        self.count += 1
        if len(self.kept) < MAX_BAD_LINES_KEPT:
            self.kept.append(BadLine(line, reason, where))


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one import did."""

    kind: str
    source: str
    format: str
    rows: int
    bad_rows: int
    bad_lines: tuple[BadLine, ...] = ()
    notes: tuple[str, ...] = ()


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise RefdataError(f"{path}: no such file")
    if path.is_dir():
        raise RefdataError(f"{path}: is a directory, expected a file")


def read_bytes(path: Path) -> bytes:
    """The whole file, gunzipped when it is gzip (by its magic bytes, not its name)."""
    _check_exists(path)
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise RefdataError(f"{path}: broken gzip file: {exc}") from exc
    return data


def open_text(path: Path) -> IO[str]:
    """A text stream over a plain or gzip file (UTF-8, BOM removed, bad bytes replaced)."""
    _check_exists(path)
    with path.open("rb") as probe:
        magic = probe.read(2)
    # The returned wrapper owns (and closes) the underlying binary stream.
    raw = cast(
        IO[bytes],
        gzip.open(path, "rb") if magic == _GZIP_MAGIC else path.open("rb"),  # noqa: SIM115
    )
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
