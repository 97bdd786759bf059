"""Helpers every importer shares: opening (gzip or plain) text, and the bad-line report.

This module owns how an import reports what it rejected: each bad line is a ``BadLine``
(1-based physical line number in the input, reason); an importer keeps every good row, counts
every bad one and keeps the first ``MAX_BAD_LINES_KEPT`` for the report. A file that is not
of the expected format at all (wrong header, not JSON, empty) raises ``RefdataError``.

It also owns the input bound: ``read_bytes`` and ``open_text`` never hand out more than
``max_input_bytes()`` bytes of (decompressed) input — default 256 MiB, set with
``$SKYTRACE_MAX_INPUT_MB`` — and raise ``RefdataError`` naming the limit instead. gzip input is
decompressed in bounded steps, so a gzip bomb costs at most the limit, not its full size.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final, cast

from skytrace.errors import RefdataError

__all__ = [
    "MAX_BAD_LINES_KEPT",
    "BadLine",
    "BadLines",
    "ImportReport",
    "check_input_size",
    "max_input_bytes",
    "open_text",
    "read_bytes",
]

MAX_BAD_LINES_KEPT = 100
_GZIP_MAGIC = b"\x1f\x8b"
MAX_INPUT_ENV: Final = "SKYTRACE_MAX_INPUT_MB"
_DEFAULT_MAX_INPUT_MB: Final = 256
_STEP_BYTES: Final = 1 << 20


def max_input_bytes() -> int:
    """The most bytes of (decompressed) input one file may give: ``$SKYTRACE_MAX_INPUT_MB``
    MiB, default 256 MiB (the largest usual input, a 10 m country set, is 38 MB)."""
    text = os.environ.get(MAX_INPUT_ENV, "").strip()
    try:
        mb = float(text) if text else _DEFAULT_MAX_INPUT_MB
    except ValueError:
        raise RefdataError(f"${MAX_INPUT_ENV}={text!r} is not a number of MiB") from None
    if not mb > 0:
        raise RefdataError(f"${MAX_INPUT_ENV}={text!r} must be positive")
    return int(mb * (1 << 20))


def _too_big(path: Path, limit: int) -> RefdataError:
    return RefdataError(
        f"{path}: more than {limit / (1 << 20):,.0f} MiB of input (after decompression); "
        f"set ${MAX_INPUT_ENV} to allow more"
    )


class _Bounded(io.RawIOBase):
    """A read-only binary stream that raises RefdataError past ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], path: Path, limit: int) -> None:
        self._inner, self._path, self._limit, self._read = inner, path, limit, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._read = self._inner.seek(offset, whence)  # a rewind starts the count again
        return self._read

    def tell(self) -> int:
        return self._read

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(min(len(buffer), self._limit + 1 - self._read))
        self._read += len(data)
        if self._read > self._limit:
            raise _too_big(self._path, self._limit)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


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
    """The whole file, gunzipped when it is gzip (by its magic bytes, not its name); at most
    ``max_input_bytes()`` (RefdataError beyond)."""
    with _open_raw(path) as f:
        try:
            return f.read()
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise RefdataError(f"{path}: broken gzip file: {exc}") from exc


def check_input_size(path: Path) -> None:
    """RefdataError when the file gives more than ``max_input_bytes()`` (decompressed), found
    by streaming through it in bounded steps; for readers that decompress on their own."""
    # A broken gzip stream ends the count; the reader that follows says what is wrong.
    with _open_raw(path) as f, contextlib.suppress(OSError, EOFError):
        while f.read(_STEP_BYTES):
            pass


def open_text(path: Path) -> IO[str]:
    """A text stream over a plain or gzip file (UTF-8, BOM removed, bad bytes replaced);
    reading past ``max_input_bytes()`` raises RefdataError."""
    return io.TextIOWrapper(_open_raw(path), encoding="utf-8-sig", errors="replace", newline="")


def _open_raw(path: Path) -> io.BufferedReader:
    """A bounded binary stream over the file's (decompressed) bytes."""
    _check_exists(path)
    limit = max_input_bytes()
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic != _GZIP_MAGIC and path.stat().st_size > limit:
        raise _too_big(path, limit)
    # The returned stream owns (and closes) the file.
    inner = cast(
        IO[bytes],
        gzip.open(path, "rb") if magic == _GZIP_MAGIC else path.open("rb"),  # noqa: SIM115
    )
    return io.BufferedReader(_Bounded(inner, path, limit), _STEP_BYTES)
