"""``skytrace decode``: decode recorded Mode S / ADS-B frames to JSON lines or CSV.

Input (``PATH``, ``-`` for stdin; with neither, stdin, or the bundled sample when stdin is a
terminal or empty):

    hex     one message per line (14 or 28 hex digits, 4 for Mode A/C)
    csv     ``time,hex[,...]`` per line, time in epoch seconds or ISO 8601; the hex field is
            the first field after the time that looks like a message or a whole unescaped
            Beast frame (``1a33...``); a header line is allowed
    jsonl   one JSON object per line, message in ``hex``/``msg``/``raw``/``message``, time in
            ``ts``/``time_s``/``timestamp``/``time``/``t``
    avr     ``*HEX;``, ``:HEX;``, ``@`` / ``%`` + 12-digit counter, ``<`` + counter + signal
    beast / beast-raw   Beast binary (escaped as on port 30005 / unescaped), read with
            ``skytrace.sources.beast.BeastParser``

The format is detected from the first bytes unless ``--format`` says. Output: one record per
input line (text) or frame (Beast), in input order, with ``line`` (or ``frame``), the time and
message hex when the input has them, and the decoded fields named as in
docs/decoded-fields.md. A line that cannot be read or decoded is written with its ``error``
and reported on stderr with its line number; the lines around it still decode.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from skytrace.decode import FIELDS, decode_batch
from skytrace.errors import SourceError, UsageError
from skytrace.sources.beast import BeastParser

HELP = "decode Mode S / ADS-B frames from a file or stdin to JSON lines or CSV"

FORMATS: Final = ("auto", "hex", "csv", "jsonl", "avr", "beast", "beast-raw")
_BLOCK_LINES: Final = 20_000
_READ_BYTES: Final = 1 << 20
_SNIFF_BYTES: Final = 65_536
_MAX_REPORTED: Final = 20
_PROGRESS_BYTES: Final = 4 << 20
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_MSG_HEX_LENGTHS: Final = (4, 14, 28)
_BEAST_HEX_LENGTHS: Final = (22, 32, 46)  # 1a + type + 6 counter + signal + 2/7/14 bytes
_JSON_HEX_KEYS: Final = ("hex", "msg", "raw", "message")
_JSON_TIME_KEYS: Final = ("ts", "time_s", "timestamp", "time", "t")
_META: Final = ("line", "frame", "time_s", "receiver_ticks", "signal_dbfs", "hex")
_FIELD_NAMES: Final = tuple(f.name for f in FIELDS)
_SAMPLE: Final = ("data", "samples", "decode_sample.txt")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        help="file to decode, '-' for stdin (default: stdin, or the bundled sample when "
        "stdin is a terminal)",
    )
    parser.add_argument("--format", choices=FORMATS, default="auto", help="input format")
    parser.add_argument("--csv", action="store_true", help="write CSV instead of JSON lines")
    parser.add_argument("--only", help="keep only these downlink formats, e.g. df17 or df17,df18")
    parser.add_argument("--icao", help="keep only these addresses, hex, comma separated")
    parser.add_argument(
        "--fields", help="comma-separated decoded fields to write (default: all present)"
    )
    parser.add_argument(
        "--no-correct", action="store_true", help="do not correct single-bit errors"
    )
    parser.add_argument(
        "--meteo",
        action="store_true",
        help="let Comm-B inference consider the meteorological registers 4,4 and 4,5",
    )
    parser.add_argument("-o", "--output", help="write to this file instead of stdout")


@dataclass(slots=True)
class _Record:
    """One input line or frame on its way to the decoder."""

    meta: dict[str, Any]
    message: str | bytes | None  # None: the line could not be read at all
    problem: str = ""  # why the line could not be read


@dataclass(slots=True)
class _Stats:
    records: int = 0
    written: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    reported: list[str] = field(default_factory=list)
    source_problems: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    only = _parse_only(args.only)
    icaos = _parse_icao(args.icao)
    fields = _parse_fields(args.fields)
    stream, name = _open_input(args.path)
    stats = _Stats()
    with contextlib.ExitStack() as stack:
        if name != "<stdin>":
            stack.callback(stream.close)
        out = _open_output(args.output, stack)
        writer = _Writer(out, as_csv=args.csv, fields=fields)
        head = stream.read(_SNIFF_BYTES)
        if not head and args.path is None:
            # No PATH and nothing on stdin (e.g. </dev/null in a script): show the sample.
            stream, name = _sample()
            stack.callback(stream.close)
            head = stream.read(_SNIFF_BYTES)
        fmt = args.format if args.format != "auto" else _detect(head, name)
        progress = stack.enter_context(_progress(stream, name))
        for block in _records(stream, head, fmt, stats):
            _decode_block(
                block, writer, stats, only, icaos, correct=not args.no_correct, meteo=args.meteo
            )
            progress()
        out.flush()
    _report(stats, name, fmt)
    return 0


# --- arguments ----------------------------------------------------------------------------


def _parse_only(text: str | None) -> frozenset[int] | None:
    if not text:
        return None
    dfs = set()
    for token in text.lower().replace(" ", "").split(","):
        digits = token.removeprefix("df")
        if not digits.isdigit() or int(digits) > 24:
            raise UsageError(f"--only takes downlink formats like df17,df11, not {token!r}")
        dfs.add(int(digits))
    return frozenset(dfs)


def _parse_icao(text: str | None) -> frozenset[str] | None:
    if not text:
        return None
    out = set()
    for token in text.replace(" ", "").split(","):
        if len(token) != 6 or not _HEX.issuperset(token):
            raise UsageError(f"--icao takes 6-digit hex addresses like 7277cf, not {token!r}")
        out.add(token.lower())
    return frozenset(out)


def _parse_fields(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    names = tuple(t for t in text.replace(" ", "").split(",") if t)
    unknown = [n for n in names if n not in _FIELD_NAMES and n not in _META and n != "error"]
    if unknown:
        raise UsageError(
            f"unknown field(s) {', '.join(unknown)}; see docs/decoded-fields.md for the names"
        )
    return names


def _open_input(path: str | None) -> tuple[IO[bytes], str]:
    if path == "-" or (path is None and not sys.stdin.isatty()):
        return sys.stdin.buffer, "<stdin>"
    if path is None:
        return _sample()
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        return p.open("rb"), str(p)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _sample() -> tuple[IO[bytes], str]:
    return resources.files("skytrace").joinpath(*_SAMPLE).open("rb"), "bundled sample"


def _open_output(path: str | None, stack: contextlib.ExitStack) -> IO[str]:
    if path is None:
        return sys.stdout
    try:
        return stack.enter_context(Path(path).open("w", encoding="utf-8", newline=""))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def _progress(stream: IO[bytes], name: str) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr for a big file read from a terminal session."""
    try:
        total = os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation):
        total = 0
    if total < _PROGRESS_BYTES or not sys.stderr.isatty():
        yield lambda: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"decoding {Path(name).name}", total=total)

        def update() -> None:
            with contextlib.suppress(OSError, ValueError):
                bar.update(task, completed=stream.tell())

        yield update


# --- input --------------------------------------------------------------------------------


def _detect(head: bytes, name: str) -> str:
    """The input format from its first bytes (see the module docstring)."""
    if not head:
        return "hex"
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32 or b > 126)
    if controls > len(sample) // 20:
        if b"\x1a2" in head or b"\x1a3" in head or b"\x1a1" in head:
            return "beast"
        raise SourceError(f"{name}: binary input without Beast frames; give --format")
    first = _first_content_line(head)
    if first[:1] in (b"*", b"@", b"%", b"<", b":"):
        return "avr"
    if first[:1] == b"{":
        return "jsonl"
    if b"," in first:
        return "csv"
    return "hex"


def _first_content_line(head: bytes) -> bytes:
    for raw in head.lstrip(b"\xef\xbb\xbf").splitlines():
        line = raw.strip()
        if line and not line.startswith(b"#"):
            return line
    return b""


def _records(stream: IO[bytes], head: bytes, fmt: str, stats: _Stats) -> Iterator[list[_Record]]:
    if fmt in ("beast", "beast-raw"):
        yield from _beast_records(stream, head, escaped=fmt == "beast", stats=stats)
        return
    parse = {"hex": _hex_line, "csv": _csv_line, "jsonl": _json_line, "avr": _avr_line}[fmt]
    block: list[_Record] = []
    first = True
    for line_no, text in _lines(stream, head):
        stripped = text.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#"):
            continue
        record = parse(stripped, line_no, first)
        first = False
        if record is None:
            continue  # a header line
        block.append(record)
        if len(block) >= _BLOCK_LINES:
            yield block
            block = []
    if block:
        yield block


def _lines(stream: IO[bytes], head: bytes) -> Iterator[tuple[int, str]]:
    raw = io.BufferedReader(_Prefixed(head, stream), buffer_size=_READ_BYTES)
    yield from enumerate(io.TextIOWrapper(raw, encoding="utf-8", errors="replace"), start=1)


class _Prefixed(io.RawIOBase):
    """A read-only stream: the already sniffed ``head`` followed by the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def _hex_line(text: str, line_no: int, first: bool = False) -> _Record:
    return _Record({"line": line_no}, text)


def _looks_like_message(token: str) -> bool:
    return len(token) in _MSG_HEX_LENGTHS + _BEAST_HEX_LENGTHS and _HEX.issuperset(token)


def _from_hex_field(meta: dict[str, Any], token: str) -> _Record:
    """A message field, or a whole unescaped Beast frame in hex (its message is taken out)."""
    if (
        len(token) in _BEAST_HEX_LENGTHS
        and token[:3].lower() in ("1a1", "1a2", "1a3")
        and _HEX.issuperset(token)
    ):
        meta["receiver_ticks"] = int(token[4:16], 16)
        _put_signal(meta, int(token[16:18], 16))
        token = token[18:]
    return _Record(meta, token)


def _csv_line(text: str, line_no: int, first: bool = False) -> _Record | None:
    parts = [p.strip().strip('"').strip("'") for p in text.split(",")]
    meta: dict[str, Any] = {"line": line_no}
    time_s = _float_or_none(parts[0])
    if time_s is None:
        if first and not any(_looks_like_message(p) for p in parts):
            return None  # a header line
        return _Record(meta, None, f"first field {parts[0][:20]!r} is not a time")
    meta["time_s"] = time_s
    rest = parts[1:]
    if not rest:
        return _Record(meta, None, "no message field")
    token = next((p for p in rest if _looks_like_message(p)), rest[0])
    return _from_hex_field(meta, token)


def _json_line(text: str, line_no: int, first: bool = False) -> _Record:
    meta: dict[str, Any] = {"line": line_no}
    try:
        obj = json.loads(text)
    except ValueError:
        return _Record(meta, None, "not valid JSON")
    if not isinstance(obj, dict):
        return _Record(meta, None, "not a JSON object")
    for key in _JSON_TIME_KEYS:
        value = obj.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            meta["time_s"] = float(value)
            break
    for key in _JSON_HEX_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            return _from_hex_field(meta, value.strip())
    return _Record(meta, None, f"no message field ({'/'.join(_JSON_HEX_KEYS)})")


def _avr_line(text: str, line_no: int, first: bool = False) -> _Record:
    meta: dict[str, Any] = {"line": line_no}
    marker, body = text[:1], text[1:]
    if marker not in ("*", ":", "@", "%", "<") or not body.endswith(";"):
        return _Record(meta, None, "not an AVR record (*...; @...; %...; <...; :...;)")
    body = body[:-1]
    if marker in ("@", "%", "<"):
        head = 14 if marker == "<" else 12
        if len(body) <= head or not _HEX.issuperset(body[:head]):
            return _Record(meta, None, "AVR record without its counter")
        meta["receiver_ticks"] = int(body[:12], 16)
        if marker == "<":
            _put_signal(meta, int(body[12:14], 16))
        body = body[head:]
    return _Record(meta, body)


def _beast_records(
    stream: IO[bytes], head: bytes, *, escaped: bool, stats: _Stats
) -> Iterator[list[_Record]]:
    parser = BeastParser(escaped=escaped)
    frame_no = 0
    chunk = head
    while chunk:
        bad_before = parser.counters.bad_frames
        batch = parser.feed(chunk)
        if parser.counters.bad_frames > bad_before:
            stats.source_problems.append(
                f"{parser.counters.bad_frames - bad_before} torn or unknown Beast frame(s) "
                f"after frame {frame_no}"
            )
        block = []
        for i in range(len(batch)):
            frame_no += 1
            meta: dict[str, Any] = {"frame": frame_no}
            ticks = int(batch.receiver_ticks[i])
            if ticks:
                meta["receiver_ticks"] = ticks
            signal = float(batch.signal_dbfs[i])
            if math.isfinite(signal):
                meta["signal_dbfs"] = round(signal, 2)
            block.append(_Record(meta, batch.message_bytes(i)))
        if block:
            yield block
        chunk = stream.read(_READ_BYTES)
    parser.flush()
    if parser.counters.garbage_bytes:
        stats.source_problems.append(f"{parser.counters.garbage_bytes} byte(s) outside frames")


def _float_or_none(text: str) -> float | None:
    """UTC epoch seconds from a number or an ISO 8601 time (no zone given: UTC)."""
    try:
        value = float(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        value = when.timestamp()
    return value if math.isfinite(value) else None


def _put_signal(meta: dict[str, Any], byte: int) -> None:
    # Beast signal byte = sqrt(power) * 255, so dBFS = 20 log10(byte / 255); 0 means none
    # (and -inf is not JSON).
    if byte:
        meta["signal_dbfs"] = round(20 * math.log10(byte / 255), 2)


# --- decoding and output ------------------------------------------------------------------


def _decode_block(
    block: list[_Record],
    writer: _Writer,
    stats: _Stats,
    only: frozenset[int] | None,
    icaos: frozenset[str] | None,
    *,
    correct: bool,
    meteo: bool,
) -> None:
    readable = [r for r in block if r.message is not None]
    decoded = decode_batch([r.message for r in readable], correct_errors=correct, meteo=meteo)
    rows = decoded.to_pylist()
    row_iter = iter(rows)
    for record in block:
        stats.records += 1
        row: dict[str, Any]
        if record.message is None:
            row = {"error": "bad_line", "detail": record.problem}
        else:
            row = next(row_iter)
        out = dict(record.meta)
        if isinstance(record.message, bytes):
            out["hex"] = record.message.hex()
        elif record.message is not None:
            out["hex"] = record.message
        out.update(row)
        label = row.get("error", "")
        if label:
            stats.labels[label] += 1
            if len(stats.reported) < _MAX_REPORTED:
                where = (
                    f"line {record.meta['line']}"
                    if "line" in record.meta
                    else (f"frame {record.meta.get('frame')}")
                )
                detail = row.get("detail") or f"{out.get('hex', '')!r}"
                stats.reported.append(f"{where}: {label}: {detail}")
        if only is not None and row.get("df") not in only:
            continue
        if icaos is not None and row.get("icao") not in icaos:
            continue
        writer.write(out)
        stats.written += 1


class _Writer:
    def __init__(self, out: IO[str], *, as_csv: bool, fields: tuple[str, ...] | None) -> None:
        self._out = out
        self._fields = fields
        self._csv: Any = None
        if as_csv:
            columns = fields or (*_META, *_FIELD_NAMES, "error", "detail")
            self._csv = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
            self._csv.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        if self._fields is not None:
            record = {k: record[k] for k in self._fields if k in record}
        if self._csv is not None:
            self._csv.writerow({k: _csv_value(v) for k, v in record.items()})
        else:
            self._out.write(json.dumps(record, separators=(",", ":")) + "\n")


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _report(stats: _Stats, name: str, fmt: str) -> None:
    bad = sum(stats.labels.values())
    summary = f"skytrace decode: {name} ({fmt}): {stats.records} frame(s), {bad} not decoded"
    if stats.labels:
        summary += " (" + ", ".join(f"{k} {v}" for k, v in stats.labels.most_common()) + ")"
    if stats.written != stats.records:
        summary += f", {stats.written} written after filters"
    print(summary, file=sys.stderr)
    for line in stats.reported:
        print(f"  {line}", file=sys.stderr)
    if bad > len(stats.reported):
        print(f"  ... and {bad - len(stats.reported)} more", file=sys.stderr)
    for problem in stats.source_problems[:_MAX_REPORTED]:
        print(f"  {problem}", file=sys.stderr)
