"""One way in: any recorded byte stream (file or stdin) -> blocks of frames with line numbers.

``FrameStream(stream, name, format)`` reads a stream in ``READ_BYTES`` chunks and yields
``LineBlock``s (frames, the line or frame number of each, the bad lines). Formats (``format``
name, or detected from the first ``SNIFF_BYTES`` by ``detect_format``):

    beast       escaped Beast binary as on port 30005 (``sources.beast.BeastParser``)
    beast-raw   Beast frames without 0x1a doubling
    avr         AVR text records (``sources.avr.parse_avr_block``), numbered by line
    csv         ``time,hex[,...]`` lines (``readers.text``)
    hex         one message (or unescaped Beast frame) in hex per line (``readers.text``)
    jsonl       JSON lines (``readers.jsonl``); a stream starting with ``[`` is one JSON array

gzip is recognised by its magic bytes (never by a file name) and decompressed on the fly,
keeping what it could from a truncated stream. Detection, on the decompressed bytes: text
with an AVR marker first -> avr, ``{``/``[`` -> jsonl, a comma -> csv, hex -> hex; binary
whose Beast reading leaves few stray bytes -> beast (or beast-raw); binary that looks like
8-bit I/Q samples (every byte near 127) is refused with a message saying so (skytrace does
not demodulate); other binary is refused. A line longer than ``MAX_LINE_BYTES`` is a bad line
(quoted truncated) and skipped without being held in memory. Not thread-safe.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Final

import numpy as np

from skytrace.errors import SourceError
from skytrace.sources.avr import parse_avr_block
from skytrace.sources.beast import BeastParser
from skytrace.sources.readers.jsonl import MAX_ARRAY_BYTES, parse_json_array, parse_json_lines
from skytrace.sources.readers.text import BadLine, LineBlock, echo_text, parse_lines
from skytrace.sources.receivers import ReceiverRegistry

__all__ = [
    "FORMATS",
    "MAX_LINE_BYTES",
    "FrameStream",
    "Gunzip",
    "detect_format",
    "open_maybe_gzip",
]

FORMATS: Final = ("beast", "beast-raw", "avr", "csv", "hex", "jsonl")
SNIFF_BYTES: Final = 65536
READ_BYTES: Final = 4 << 20
MAX_LINE_BYTES: Final = 1 << 20
_MAX_AVR_RECORD: Final = 4096
_AVR_MARKERS: Final = (b"*", b"@", b"%", b"<", b":")
_GZIP_MAGIC: Final = b"\x1f\x8b"


class Gunzip:
    """Streaming gzip reader that keeps what it could decompress from a truncated stream.

    (``gzip.GzipFile`` raises EOFError for a truncated member before handing out the data
    decompressed so far; this reader hands it out and sets ``truncated``.)
    """

    def __init__(self, fileobj: IO[bytes], head: bytes = b"") -> None:
        self.fileobj = fileobj
        self.truncated = False
        self._z = zlib.decompressobj(wbits=31)
        self._eof = False
        self._head = head

    def read(self, size: int) -> bytes:
        out = b""
        while not out and not self._eof:
            raw = self._head + self.fileobj.read(size) if self._head else self.fileobj.read(size)
            self._head = b""
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

    def __enter__(self) -> Gunzip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Prefixed:
    """``head`` (already read) followed by the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes] | Gunzip) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out + self._stream.read(max(size - len(out), 1))
        return self._stream.read(size)


def open_maybe_gzip(stream: IO[bytes]) -> IO[bytes] | Gunzip:
    """``stream``, or a decompressing reader when it starts with the gzip magic bytes."""
    head = stream.read(2)
    if head == _GZIP_MAGIC:
        return Gunzip(stream, head)
    return _Prefixed(head, stream)  # type: ignore[return-value]


def _looks_iq(head: bytes) -> bool:
    """8-bit unsigned I/Q samples: nearly every byte within 64 of the 127.5 midpoint."""
    u = np.frombuffer(head[:SNIFF_BYTES], np.uint8)
    return u.size >= 1024 and float(np.mean((u >= 64) & (u <= 192))) > 0.95


def _first_content_line(head: bytes) -> bytes:
    for raw in head.lstrip(b"\xef\xbb\xbf").split(b"\n"):
        line = raw.strip()
        if line and not line.startswith(b"#"):
            return line
    return b""


def detect_format(head: bytes, name: str) -> str:
    """The format of a stream from its first (decompressed) bytes; see the module docstring."""
    if not head:
        raise SourceError(f"{name}: no data (the file is empty)")
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32 or b > 126)
    if controls > len(sample) // 20:
        esc = BeastParser(escaped=True)
        esc.feed(head, 0.0)
        if esc.counters.frames and esc.counters.garbage_bytes < len(head) // 4:
            raw = BeastParser(escaped=False)
            raw.feed(head, 0.0)
            if esc.counters.bad_frames > 4 * raw.counters.bad_frames + 2:
                return "beast-raw"
            return "beast"
        if _looks_iq(head):
            raise SourceError(
                f"{name}: this looks like raw I/Q samples (8-bit, from an SDR), which skytrace "
                "does not demodulate; demodulate it first (e.g. with dump1090 or readsb "
                "--ifile) and give skytrace their Beast or AVR output"
            )
        raise SourceError(f"{name}: unknown format (binary, but not Beast or gzip)")
    first = _first_content_line(head)
    if first[:1] in _AVR_MARKERS:
        return "avr"
    if first[:1] in (b"{", b"["):
        return "jsonl"
    if b"," in first:
        return "csv"
    if first and all(c in b"0123456789abcdefABCDEF" for c in first):
        return "hex"
    raise SourceError(
        f"{name}: unknown format (not Beast, AVR, CSV, hex lines or JSON lines); "
        f"give --format {{{','.join(FORMATS)}}}"
    )


@dataclass(slots=True)
class StreamCounters:
    bytes_in: int = 0  # decompressed bytes read
    garbage_bytes: int = 0  # bytes outside any frame or record (Beast, AVR)
    bad_frames: int = 0  # bad Beast frames / AVR records (also listed as BadLines)


class FrameStream:
    """Blocks of frames from one byte stream (see the module docstring).

    Beast frames are numbered 1, 2, ... in ``LineBlock.line``; text formats by line.
    ``receiver``/``registry``/``utc_stamps`` go to the Beast parser (readsb receiver ids and
    UTC stamps). Frames carry NaN time unless their input gave one (CSV/JSON time, a Beast
    UTC stamp); counters are in ``receiver_ticks``.
    """

    def __init__(
        self,
        stream: IO[bytes],
        name: str,
        format: str | None = None,
        *,
        receiver: int = 0,
        receiver_name: str | None = None,
        registry: ReceiverRegistry | None = None,
        utc_stamps: bool = True,
    ) -> None:
        if format is not None and format not in FORMATS:
            raise SourceError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
        self.name = name
        self._raw = stream
        self._fh = open_maybe_gzip(stream)
        self.gzip = isinstance(self._fh, Gunzip)
        try:
            head = self._fh.read(SNIFF_BYTES)
        except OSError as exc:
            raise SourceError(f"{name}: cannot read ({exc})") from exc
        self._head = head
        self.format = format or detect_format(head, name)
        self.receiver = receiver
        self.receiver_name = receiver_name
        self.registry = registry
        self.utc_stamps = utc_stamps
        self.counters = StreamCounters()
        self.json_array = self.format == "jsonl" and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["

    @property
    def truncated(self) -> bool:
        """The gzip stream ended before its end marker."""
        return isinstance(self._fh, Gunzip) and self._fh.truncated

    def _chunks(self) -> Iterator[bytes]:
        chunk = self._head
        self._head = b""
        while chunk:
            self.counters.bytes_in += len(chunk)
            yield chunk
            try:
                chunk = self._fh.read(READ_BYTES)
            except OSError as exc:
                raise SourceError(f"{self.name}: read error ({exc})") from exc

    def __iter__(self) -> Iterator[LineBlock]:
        if self.format in ("beast", "beast-raw"):
            yield from self._beast()
        elif self.format == "avr":
            yield from self._avr()
        elif self.json_array:
            yield from self._json_array()
        else:
            yield from self._lines()
        if self.truncated:
            yield LineBlock.only_bad([BadLine(-1, "gzip stream truncated")])

    # -- formats --------------------------------------------------------------------------

    def _beast(self) -> Iterator[LineBlock]:
        parser = BeastParser(
            escaped=self.format == "beast",
            receiver=self.receiver,
            receiver_name=self.receiver_name,
            registry=self.registry,
            utc_stamps=self.utc_stamps,
        )
        number = 0
        for chunk in self._chunks():
            bad0 = parser.counters.bad_frames
            batch = parser.feed(chunk, np.nan)
            bad = [BadLine(-1, "bad Beast frame")] * (parser.counters.bad_frames - bad0)
            lines = np.arange(number + 1, number + 1 + len(batch), dtype=np.int64)
            number += len(batch)
            yield LineBlock(batch, lines, bad)
        pending = parser.pending_bytes
        parser.flush()
        self.counters.garbage_bytes = parser.counters.garbage_bytes
        self.counters.bad_frames = parser.counters.bad_frames
        if pending:
            yield LineBlock.only_bad(
                [BadLine(-1, "truncated Beast frame at the end of the file")],
            )

    def _avr(self) -> Iterator[LineBlock]:
        tail = b""
        line0 = 1  # line number at the start of ``tail``
        for chunk in self._chunks():
            buf = tail + chunk
            cut = buf.rfind(b";")
            if cut < 0:
                body, tail = b"", buf
            else:
                body, tail = buf[: cut + 1], buf[cut + 1 :]
            yield self._avr_block(body, line0)
            line0 += body.count(b"\n")
            if len(tail) > _MAX_AVR_RECORD:
                # no record end in sight: drop all but what could still start a record
                keep = tail[-_MAX_AVR_RECORD:]
                at = max(keep.rfind(m) for m in _AVR_MARKERS)
                kept = keep[at:] if at >= 0 else b""
                dropped = tail[: len(tail) - len(kept)]
                self.counters.garbage_bytes += len(dropped)
                line0 += dropped.count(b"\n")
                tail = kept
        if tail.strip():
            self.counters.bad_frames += 1
            self.counters.garbage_bytes += len(tail)
            at = line0 + tail[: len(tail) - len(tail.lstrip())].count(b"\n")
            bad = [
                BadLine(
                    at, "unterminated AVR record at the end of the file", echo_text(tail.strip())
                )
            ]
            yield LineBlock.only_bad(bad)

    def _avr_block(self, body: bytes, line0: int) -> LineBlock:
        if not body:
            return LineBlock.only_bad([])
        batch, at, bad_at, garbage = parse_avr_block(body, np.nan, self.receiver)
        self.counters.garbage_bytes += garbage
        self.counters.bad_frames += int(bad_at.size)
        nl = np.flatnonzero(np.frombuffer(body, np.uint8) == 10)
        lines = line0 + np.searchsorted(nl, at)
        bad = []
        for off in bad_at.tolist():
            end = body.find(b";", off)
            bad.append(
                BadLine(
                    line0 + int(np.searchsorted(nl, off)),
                    "bad AVR record (wrong length or not hex)",
                    echo_text(body[off : end + 1]),
                )
            )
        return LineBlock(batch, lines.astype(np.int64), bad)

    def _json_array(self) -> Iterator[LineBlock]:
        parts = []
        size = 0
        for chunk in self._chunks():
            size += len(chunk)
            if size > MAX_ARRAY_BYTES:
                raise SourceError(
                    f"{self.name}: a JSON array over {MAX_ARRAY_BYTES >> 20} MiB; write one "
                    "object per line (JSON lines) instead"
                )
            parts.append(chunk)
        yield parse_json_array(b"".join(parts))

    def _lines(self) -> Iterator[LineBlock]:
        line0 = 1
        tail = b""
        skipping = False  # inside a line longer than MAX_LINE_BYTES
        first_content_seen = False
        for chunk in self._chunks():
            if skipping:
                nl = chunk.find(b"\n")
                if nl < 0:
                    continue
                chunk = chunk[nl + 1 :]
                skipping = False
                line0 += 1
            buf = tail + chunk
            cut = buf.rfind(b"\n")
            if cut < 0:
                body, tail = b"", buf
            else:
                body, tail = buf[: cut + 1], buf[cut + 1 :]
            if body:
                yield self._parse(body, line0, not first_content_seen)
                first_content_seen = first_content_seen or bool(body.strip())
                line0 += body.count(b"\n")
            if len(tail) > MAX_LINE_BYTES:
                yield LineBlock.only_bad(
                    [BadLine(line0, f"line longer than {MAX_LINE_BYTES:,} bytes", echo_text(tail))],
                )
                first_content_seen = True
                tail, skipping = b"", True
        if tail and not skipping:
            yield self._parse(tail, line0, not first_content_seen)

    def _parse(self, body: bytes, line0: int, header_possible: bool) -> LineBlock:
        if self.format == "jsonl":
            return parse_json_lines(body, line0)
        return parse_lines(body, line0, timed=self.format == "csv", header_possible=header_possible)
