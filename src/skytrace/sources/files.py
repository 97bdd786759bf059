"""Recorded frame files in: Beast binary, AVR text, ``ts,hex`` CSV, JSONL; gzip or not.

Formats (``format=`` name, or detected from the first 64 KiB when ``None``):

    beast       escaped Beast binary as sent on port 30005 (a saved live stream)
    beast-raw   Beast frames concatenated without 0x1a doubling
    avr         AVR text records (``*HEX;``, ``@…;``, ``%…;``, ``<…;``), see sources.avr
    csv         one frame per line: a UTC epoch-seconds time, then a hex field that is either
                a Mode S / Mode A/C message (4, 14 or 28 digits) or a whole unescaped Beast
                frame (``1a32…``, ``1a33…``: counter and signal are taken from it). The hex
                field is the first later field that looks like one (quotes, a header line and
                a UTF-8 BOM are allowed), so ``ts,hex,icao,tc`` and ``ts,icao,hex`` both work.
    jsonl       one JSON object per line with the message in ``hex``/``msg``/``raw``/``message``
                and the time (optional) in ``ts``/``time_s``/``timestamp``/``time``/``t``

gzip is detected by its magic bytes. Detection: binary with 0x1a frame starts -> beast (or
beast-raw when the escaped reading tears many frames and the raw one does not); text starting
with an AVR marker -> avr; ``{`` -> jsonl; else csv.

Times: csv and jsonl lines carry their own. A Beast file with readsb UTC stamps (0x1a 0xe8,
as ``skytrace simulate`` and readsb's ``--dump-beast`` write them) is timed by them, each
receiver by its own counter (see sources.beast). Otherwise Beast and timestamped AVR carry a
12 MHz counter only, so each receiver (readsb receiver ids name several in one file) is timed
``anchor + (ticks - anchor ticks) / 12 MHz`` from where it first appears (sources.clock.
CounterTimeline; the file starts at ``start_s``, by default its modification time). AVR ``*``
records carry no time: they get ``start_s``. Receivers named by readsb ids are registered in
``registry`` (pass one registry to the readers of several files so their indexes differ).

Bad lines and frames are counted, with the line numbers of the first ``MAX_BAD_LINES`` kept,
and the good lines around them are kept. An unreadable file or an unknown format raises
``SourceError``. Not thread-safe.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

import numpy as np

from skytrace.errors import SourceError
from skytrace.model import FrameBatch, FrameKind
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import MLAT_MAGIC_TICKS, BeastParser, signal_byte_to_dbfs
from skytrace.sources.clock import CounterTimeline
from skytrace.sources.receivers import ReceiverRegistry

__all__ = [
    "FORMATS",
    "MAX_BAD_LINES",
    "FileReader",
    "detect_format",
    "iter_file_batches",
]

FORMATS: Final = ("beast", "beast-raw", "avr", "csv", "jsonl")
MAX_BAD_LINES: Final = 100
_SNIFF_BYTES: Final = 65536
_READ_BYTES: Final = 1 << 20
_BEAST_HEX_LENGTHS: Final = {2 * (2 + 9): 2, 2 * (2 + 14): 7, 2 * (2 + 21): 14}
_MSG_HEX_LENGTHS: Final = (4, 14, 28)
_JSON_HEX_KEYS: Final = ("hex", "msg", "raw", "message")
_JSON_TIME_KEYS: Final = ("ts", "time_s", "timestamp", "time", "t")
_HEXCHARS: Final = frozenset(b"0123456789abcdefABCDEF")


@dataclass(slots=True)
class FileCounters:
    bytes_in: int = 0
    frames: int = 0
    bad_lines: int = 0  # lines (text formats) or frames (binary) that could not be read
    garbage_bytes: int = 0
    bad_line_numbers: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


class _Gunzip:
    """Streaming gzip reader that keeps what it could decompress from a truncated file.

    (``gzip.GzipFile`` raises EOFError for a truncated member before handing out the data
    decompressed so far; this reader hands it out and sets ``truncated``.)
    """

    def __init__(self, fileobj: IO[bytes]) -> None:
        self.fileobj = fileobj
        self.truncated = False
        self._z = zlib.decompressobj(wbits=31)
        self._eof = False

    def read(self, size: int) -> bytes:
        out = b""
        while not out and not self._eof:
            raw = self.fileobj.read(size)
            if not raw:
                self._eof = True
                out = self._z.flush()
                self.truncated = not self._z.eof
                break
            try:
                out = self._z.decompress(raw)
                while self._z.eof and self._z.unused_data:  # concatenated members
                    rest = self._z.unused_data
                    self._z = zlib.decompressobj(wbits=31)
                    out += self._z.decompress(rest)
            except zlib.error as exc:
                raise SourceError(f"corrupt gzip data ({exc})") from exc
        return out

    def close(self) -> None:
        self.fileobj.close()

    def __enter__(self) -> _Gunzip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(path: Path) -> IO[bytes] | _Gunzip:
    try:
        fh: IO[bytes] = open(path, "rb")  # noqa: SIM115 - returned to the caller
        magic = fh.read(2)
        fh.seek(0)
        if magic == b"\x1f\x8b":
            return _Gunzip(fh)
        return fh
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def detect_format(path: Path) -> str:
    """Guess a file's format from its first bytes (see the module docstring)."""
    with _open(path) as fh:
        try:
            head = fh.read(_SNIFF_BYTES)
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc})") from exc
    return _detect(head, path)


def _detect(head: bytes, path: Path) -> str:
    if not head:
        raise SourceError(f"{path}: file is empty")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    binary = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32 or b > 126) > len(head[:4096]) // 20
    if binary:
        if head.count(b"\x1a2") + head.count(b"\x1a3") == 0:
            raise SourceError(f"{path}: unknown format (binary, but no Beast frames)")
        esc = BeastParser(escaped=True)
        esc.feed(head, 0.0)
        raw = BeastParser(escaped=False)
        raw.feed(head, 0.0)
        if esc.counters.bad_frames > 4 * raw.counters.bad_frames + 2:
            return "beast-raw"
        return "beast"
    if text[:1] in (b"*", b"@", b"%", b"<", b":"):
        return "avr"
    if text[:1] == b"{":
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    if b"," in first:
        return "csv"
    raise SourceError(
        f"{path}: unknown format (not Beast, AVR, CSV or JSONL); "
        f"give --format {{{','.join(FORMATS)}}}"
    )


class FileReader:
    """Read one recorded file as FrameBatches of at most ``batch_frames`` frames.

    ``counters`` fills in as the file is read; ``receiver`` / ``receiver_name`` label the
    frames (the file's name by default for the name).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        batch_frames: int = 65536,
        receiver: int = 1,
        receiver_name: str | None = None,
        start_s: float | None = None,
        registry: ReceiverRegistry | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        if format is not None and format not in FORMATS:
            raise SourceError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
        self.format = format or detect_format(self.path)
        self.batch_frames = max(1, batch_frames)
        self.receiver_name = receiver_name or self.path.name
        self.registry = registry if registry is not None else ReceiverRegistry()
        own = self.registry.index_for(self.receiver_name, str(path))  # readsb ids come after
        self.receiver = receiver if registry is None else own
        self.start_s = start_s if start_s is not None else self.path.stat().st_mtime
        self.timeline = CounterTimeline(self.start_s)
        self.counters = FileCounters()
        self.size_bytes = self.path.stat().st_size
        self.position_bytes = 0  # compressed bytes read so far (for progress)

    def __iter__(self) -> Iterator[FrameBatch]:
        with _open(self.path) as fh:
            raw_fh = fh.fileobj if isinstance(fh, _Gunzip) else fh
            if self.format in ("beast", "beast-raw"):
                beast = BeastParser(
                    escaped=self.format == "beast",
                    receiver=self.receiver,
                    receiver_name=self.receiver_name,
                    registry=self.registry,
                    utc_stamps=True,
                )
                gen = self._records(
                    beast, "Beast frame", "truncated Beast frame at the end of the file", fh, raw_fh
                )
            elif self.format == "avr":
                avr = AvrParser(receiver=self.receiver, max_record_bytes=4096)
                gen = self._records(
                    avr, "AVR record", "unterminated AVR record at the end of the file", fh, raw_fh
                )
            else:
                gen = self._lines(fh, raw_fh)
            try:
                yield from _rebatch(gen, self.batch_frames)
            except OSError as exc:
                raise SourceError(f"{self.path}: read error ({exc})") from exc
            if isinstance(fh, _Gunzip) and fh.truncated:
                # What was read is kept; the missing end is counted as one bad line.
                self._bad(-1, "gzip stream truncated")

    # -- readers --------------------------------------------------------------------------

    def _bad(self, line: int, reason: str) -> None:
        self.counters.bad_lines += 1
        if len(self.counters.bad_line_numbers) < MAX_BAD_LINES:
            self.counters.bad_line_numbers.append((line, reason))

    def _progress(self, raw_fh: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.position_bytes = raw_fh.tell()

    def _records(
        self,
        parser: BeastParser | AvrParser,
        what: str,
        at_end: str,
        fh: IO[bytes] | _Gunzip,
        raw_fh: IO[bytes],
    ) -> Iterator[FrameBatch]:
        """Feed the file to an incremental parser (Beast or AVR), counting its bad records.

        ``what`` names a record in the bad-record label; ``at_end`` is the label of a record
        the file ends in the middle of.
        """
        while chunk := fh.read(_READ_BYTES):
            self.counters.bytes_in += len(chunk)
            bad0 = parser.counters.bad_frames
            batch = parser.feed(chunk, math.nan)
            for _ in range(parser.counters.bad_frames - bad0):
                self._bad(-1, f"bad {what}")
            self._progress(raw_fh)
            yield self._finish(batch, from_ticks=True)
        if parser.pending_bytes:
            self._bad(-1, at_end)
        parser.flush()
        self.counters.garbage_bytes = parser.counters.garbage_bytes

    def _lines(self, fh: IO[bytes] | _Gunzip, raw_fh: IO[bytes]) -> Iterator[FrameBatch]:
        parse = self._csv_line if self.format == "csv" else self._json_line
        line_no = 0
        tail = b""
        while True:
            chunk = fh.read(_READ_BYTES)
            self.counters.bytes_in += len(chunk)
            data = tail + chunk
            if chunk:
                cut = data.rfind(b"\n")
                if cut < 0:
                    tail = data
                    continue
                tail = data[cut + 1 :]
                data = data[:cut]
            else:
                tail = b""
            times: list[float] = []
            msgs: list[bytes] = []
            heads: list[bytes] = []
            for raw in data.split(b"\n"):
                line_no += 1
                line = raw.strip()
                if line_no == 1:
                    line = line.lstrip(b"\xef\xbb\xbf")
                if not line or line.startswith(b"#"):
                    continue
                got = parse(line)
                if isinstance(got, str):
                    if line_no == 1 and self.format == "csv":
                        continue  # a header line
                    self._bad(line_no, got)
                    continue
                t, msg, head = got
                times.append(t)
                msgs.append(msg)
                heads.append(head)
            self._progress(raw_fh)
            if msgs:
                yield self._line_batch(times, msgs, heads)
            if not chunk:
                break

    def _csv_line(self, line: bytes) -> tuple[float, bytes, bytes] | str:
        fields = line.split(b",")
        if len(fields) < 2:
            return "expected time,hex"
        try:
            t = float(fields[0].strip(b"\" '"))
        except ValueError:
            return "time is not a number"
        for f in fields[1:]:
            h = f.strip(b"\" '")
            if not h or not _HEXCHARS.issuperset(h):
                continue
            n = len(h)
            if n in _BEAST_HEX_LENGTHS and h[:2] == b"1a":
                frame = bytes.fromhex(h.decode())
                return t, frame[9:], frame[:9]
            if n in _MSG_HEX_LENGTHS:
                return t, bytes.fromhex(h.decode()), b""
        return "no Mode S hex field"

    def _json_line(self, line: bytes) -> tuple[float, bytes, bytes] | str:
        try:
            obj = json.loads(line)
        except ValueError:
            return "not JSON"
        if not isinstance(obj, dict):
            return "not a JSON object"
        h = next((obj[k] for k in _JSON_HEX_KEYS if isinstance(obj.get(k), str)), None)
        if h is None:
            return "no hex field"
        h = h.strip()
        if len(h) not in _MSG_HEX_LENGTHS:
            return f"hex of {len(h)} digits"
        try:
            msg = bytes.fromhex(h)
        except ValueError:
            return "not hex"
        t = next((obj[k] for k in _JSON_TIME_KEYS if isinstance(obj.get(k), int | float)), None)
        return (float(t) if t is not None else self.start_s), msg, b""

    # -- batches --------------------------------------------------------------------------

    def _line_batch(self, times: list[float], msgs: list[bytes], heads: list[bytes]) -> FrameBatch:
        batch = FrameBatch.from_messages(msgs, time_s=times, receiver=self.receiver)
        has_head = np.fromiter((len(h) == 9 for h in heads), np.bool_, len(heads))
        if has_head.any():
            rows = np.flatnonzero(has_head)
            hb = np.frombuffer(b"".join(heads[i] for i in rows), np.uint8).reshape(-1, 9)
            ts8 = np.zeros((rows.size, 8), np.uint8)
            ts8[:, 2:] = hb[:, 2:8]
            ticks = ts8.view(">u8").ravel().astype(np.uint64)
            batch.receiver_ticks[rows] = ticks
            batch.signal_dbfs[rows] = signal_byte_to_dbfs(hb[:, 8])
            batch.kind[rows[ticks == MLAT_MAGIC_TICKS]] = FrameKind.MLAT
        batch.receivers = {self.receiver: self.receiver_name}
        self.counters.frames += len(batch)
        return batch

    def _finish(self, batch: FrameBatch, *, from_ticks: bool) -> FrameBatch:
        """Label the batch and give it times (see the module docstring). Beast frames keep
        the receiver and the UTC-stamp time the parser gave them."""
        if not batch.receivers:
            batch.receiver[:] = self.receiver
        batch.receivers = {**batch.receivers, self.receiver: self.receiver_name}
        stamped = np.isfinite(batch.time_s)
        t_now = self.timeline.latest_s
        batch.time_s[~stamped] = self.start_s if np.isnan(t_now) else t_now
        has = (batch.receiver_ticks != 0) & (batch.kind != FrameKind.MLAT) & ~stamped
        idx = np.flatnonzero(has)
        if from_ticks and idx.size:
            batch.time_s[idx] = self.timeline.times(
                batch.receiver[idx], batch.receiver_ticks[idx]
            )
            # Frames without a counter value take the time of the frame before them.
            fill = has | stamped
            last = np.maximum.accumulate(np.where(fill, np.arange(len(batch)), -1))
            ok = last >= 0
            batch.time_s[ok] = batch.time_s[last[ok]]
        self.counters.frames += len(batch)
        return batch


def _rebatch(batches: Iterator[FrameBatch], size: int) -> Iterator[FrameBatch]:
    """Yield batches of exactly ``size`` frames (the last one shorter), none empty."""
    pending: list[FrameBatch] = []
    count = 0
    for b in batches:
        if len(b) == 0:
            continue
        pending.append(b)
        count += len(b)
        while count >= size:
            joined = FrameBatch.concat(pending)
            yield joined[:size]
            rest = joined[size:]
            pending = [rest] if len(rest) else []
            count = len(rest)
    if count:
        yield FrameBatch.concat(pending)


def iter_file_batches(
    path: str | os.PathLike[str],
    batch_frames: int = 65536,
    format: str | None = None,
    *,
    receiver: int = 1,
) -> Iterator[FrameBatch]:
    """The frames of a recorded file as batches (see ``FileReader`` for the counters)."""
    yield from FileReader(path, format=format, batch_frames=batch_frames, receiver=receiver)
