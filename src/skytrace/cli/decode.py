"""``skytrace decode``: decode recorded Mode S / ADS-B frames to JSON lines or CSV.

Input (``PATH``, ``-`` for stdin; with neither, stdin, or the bundled sample when stdin is a
terminal or empty) is read by ``skytrace.sources.readers`` — the same vectorized readers as
``replay`` and ``serve`` — in any of their formats, gzip or not (by magic bytes):

    hex     one message per line (14 or 28 hex digits, 4 for Mode A/C, or a whole
            unescaped Beast frame ``1a33...``)
    csv     ``time,hex[,...]`` per line, time in epoch seconds (or ISO 8601); the hex field is
            the first field after the time that looks like a message or a Beast frame; a
            header line is allowed
    jsonl   one JSON object per line (or one JSON array of objects), message in
            ``hex``/``msg``/``raw``/``message``, time in ``ts``/``time_s``/``timestamp``/
            ``time``/``t``
    avr     ``*HEX;``, ``:HEX;``, ``@`` / ``%`` + 12-digit counter, ``<`` + counter + signal
    beast / beast-raw   Beast binary (escaped as on port 30005 / unescaped)

Raw I/Q samples are recognised and refused with a message (skytrace does not demodulate).
Output: one record per input line (text) or frame (Beast), in input order, with ``line`` (or
``frame``), the time, counter and signal when the input has them, the message ``hex`` and the
decoded fields named as in docs/decoded-fields.md. Lines are formatted a column at a time
(numpy string columns; no dict per message). A line that cannot be read is written with
``error`` ``bad_line``, the reason in ``detail`` and its first 200 characters in ``text``,
and reported on stderr with its line number; the lines around it still decode.

``--positions`` writes positions instead of messages: CPR pairs resolved per aircraft by the
tracker (``skytrace.track``; frames without a time are paced by the position squitters from
the epoch, as replay paces them: skytrace.sources.pace), or with
``--reference LAT,LON`` each position message decoded locally against that point (valid within
180 NM airborne, 45 NM on the surface).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final

import numpy as np
import numpy.typing as npt
from numpy.dtypes import StringDType
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from skytrace.decode import FIELDS, decode_batch
from skytrace.decode.fields import ERROR_LABELS
from skytrace.errors import UsageError
from skytrace.model import FrameBatch
from skytrace.sources.pace import SquitterPace
from skytrace.sources.readers import FrameStream, LineBlock
from skytrace.sources.readers.stream import FORMATS as READER_FORMATS

HELP = "decode Mode S / ADS-B frames from a file or stdin to JSON lines or CSV"

FORMATS: Final = ("auto", *READER_FORMATS)
_MAX_REPORTED: Final = 20
_PROGRESS_BYTES: Final = 4 << 20
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_META: Final = ("line", "frame", "time_s", "receiver_ticks", "signal_dbfs", "hex")
_FIELD_NAMES: Final = tuple(f.name for f in FIELDS)
_BAD: Final = ("error", "detail", "text")
_SAMPLE: Final = ("data", "samples", "decode_sample.txt")
_POSITION_COLUMNS: Final = (
    "line",
    "icao",
    "time_s",
    "lat",
    "lon",
    "altitude_ft",
    "onground",
    "groundspeed_kt",
    "track_deg",
    "vertical_rate_fpm",
    "callsign",
    "squawk",
)
_S = StringDType()
_HEXCHARS = np.frombuffer(b"0123456789abcdef", np.uint8)


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
    parser.add_argument(
        "--positions",
        action="store_true",
        help="write positions (CPR pairs resolved per aircraft by the tracker) instead of messages",
    )
    parser.add_argument(
        "--reference",
        metavar="LAT,LON",
        help="with --positions: decode each position message locally against this point",
    )
    parser.add_argument("-o", "--output", help="write to this file instead of stdout")


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
    reference = _parse_reference(args.reference)
    if reference is not None and not args.positions:
        raise UsageError("--reference goes with --positions")
    stream, name = _open_input(args.path)
    stats = _Stats()
    fmt = "?"
    with contextlib.ExitStack() as stack:
        if name != "<stdin>":
            stack.callback(stream.close)
        first = stream.read(1)
        if not first and args.path is None:
            # No PATH and nothing on stdin (e.g. </dev/null in a script): show the sample.
            stream, name = _sample()
            stack.callback(stream.close)
            first = stream.read(1)
        out = _open_output(args.output, stack)
        if not first:
            fmt = args.format
            blocks: Iterable[LineBlock] = ()
        else:
            frames = FrameStream(
                _Joined(first, stream), name, None if args.format == "auto" else args.format
            )
            fmt = frames.format
            blocks = frames
        progress = stack.enter_context(_progress(stream, name))
        if args.positions:
            sink: _Positions | _Messages = _Positions(out, args.csv, fields, reference)
        else:
            sink = _Messages(out, args.csv, fields, fmt in ("beast", "beast-raw"))
        for block in blocks:
            decoded = decode_batch(
                block.frames, correct_errors=not args.no_correct, meteo=args.meteo
            )
            sink.write(block, decoded, stats, only, icaos)
            progress()
        if isinstance(blocks, FrameStream) and blocks.counters.garbage_bytes:
            stats.source_problems.append(
                f"{blocks.counters.garbage_bytes} byte(s) outside frames or records"
            )
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


def _parse_icao(text: str | None) -> frozenset[int] | None:
    if not text:
        return None
    out = set()
    for token in text.replace(" ", "").split(","):
        if len(token) != 6 or not _HEX.issuperset(token):
            raise UsageError(f"--icao takes 6-digit hex addresses like 7277cf, not {token!r}")
        out.add(int(token, 16))
    return frozenset(out)


def _parse_fields(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    names = tuple(t for t in text.replace(" ", "").split(",") if t)
    known = {*_FIELD_NAMES, *_META, *_BAD, *_POSITION_COLUMNS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"unknown field(s) {', '.join(unknown)}; see docs/decoded-fields.md for the names"
        )
    return names


def _parse_reference(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--reference takes LAT,LON in degrees, not {text!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError(f"--reference {text}: latitude within ±90, longitude within ±180")
    return lat, lon


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


class _Joined:
    """The byte already read, then the rest of the stream."""

    def __init__(self, first: bytes, stream: IO[bytes]) -> None:
        self._first = first
        self._stream = stream

    def read(self, size: int) -> bytes:
        if self._first:
            out, self._first = self._first, b""
            return out + self._stream.read(max(size - 1, 1))
        return self._stream.read(size)


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
    except (OSError, ValueError, io.UnsupportedOperation, AttributeError):
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


# --- column formatting --------------------------------------------------------------------


def _format(values: npt.NDArray[Any], py: str, *, as_csv: bool) -> tuple[str, npt.NDArray[Any]]:
    """Values of one column -> (``%`` format, values it takes) giving their JSON (or CSV)
    text: Python ints and floats format themselves (``%d``, ``%r`` is the repr JSON uses);
    the rest (hex addresses, squawks, text, float32 fractions) are formatted once per
    distinct value."""
    if values.size == 0:
        return "%s", np.empty(0, object)
    kind = values.dtype.kind
    if kind == "b":
        return "%s", np.where(values, "true", "false").astype(object)
    if kind in "iu" and not py:
        return "%d", values
    if kind == "f" and not py:
        whole = (np.trunc(values) == values) & ~((values == 0) & np.signbit(values))
        if whole.all() and (np.abs(values) < 2**53).all():
            return "%d.0", values.astype(np.int64)
        if values.dtype == np.float64:
            return "%r", values
    # distinct by bit pattern for floats (np.unique would merge -0.0 into 0.0)
    keyed = values.view(f"u{values.itemsize}") if kind == "f" else values
    _, first, inv = np.unique(keyed, return_index=True, return_inverse=True)
    texts = [_text(u, py, as_csv=as_csv) for u in values[first].tolist()]
    return "%s", np.array(texts, dtype=object)[inv.ravel()]


def _text(value: Any, py: str, *, as_csv: bool) -> str:
    """One distinct value as JSON (or CSV) text."""
    if py == "hex24":
        text = f"{int(value):06x}"
    elif py == "squawk":
        text = f"{int(value):04d}"
    elif isinstance(value, bytes):
        text = value.decode("ascii", "replace").rstrip()
    elif isinstance(value, float):
        return repr(float(str(np.float32(value))))  # shortest float32 text, as before
    else:
        text = str(value).rstrip()
    return _csv_quote(text) if as_csv else json.dumps(text)


def _format_time(t: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """Epoch seconds as Python's repr writes them, fast when they are whole microseconds:
    between 0 and 2**33 s two such times 1 us apart are distinct doubles, so the shortest
    round-trip text is the 6-decimal one without its trailing zeros."""
    us = np.round(t * 1e6)
    if not (t.size and (t >= 0).all() and (t < 2.0**33).all() and (us / 1e6 == t).all()):
        return t.astype(_S)
    sec, frac = np.divmod(us.astype(np.int64), 1_000_000)
    digits = np.strings.rstrip(np.strings.zfill(frac.astype(_S), 6), "0")
    digits = np.where(np.strings.str_len(digits) == 0, "0", digits).astype(_S)
    return np.strings.add(np.strings.add(sec.astype(_S), "."), digits)


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _Rows:
    """Lines built from formatted columns: JSON objects with the present keys only, or CSV
    rows with every column. Rows are grouped by which columns they have; each group gets one
    line template (``{"df":%d,"icao":%s}``) filled by ``%`` from the group's columns, so
    nothing is built per value and no dict exists per message."""

    def __init__(self, n: int, as_csv: bool) -> None:
        self.as_csv = as_csv
        self.n = n
        self.names: list[str] = []
        self.formats: list[str] = []
        self.columns: list[npt.NDArray[np.object_]] = []
        self.present: list[npt.NDArray[np.bool_]] = []

    def add(self, name: str, rows: npt.NDArray[np.intp], formatted: tuple[str, Any]) -> None:
        """Put the ``_format`` result (aligned with ``rows``) under ``name``."""
        fmt, values = formatted
        column = np.full(self.n, "", dtype=object)
        has = np.zeros(self.n, np.bool_)
        if rows.size:
            if self.as_csv and fmt != "%s":  # CSV: every row has every column, text or ""
                values = [fmt % v for v in np.asarray(values).tolist()]
                fmt = "%s"
            column[rows] = values
            has[rows] = True
        self.names.append(name)
        self.formats.append(fmt if rows.size else "%s")
        self.columns.append(column)
        self.present.append(has)

    def lines(self) -> list[str]:
        if self.n == 0:
            return []
        if self.as_csv:
            template = ",".join(self.formats)
            return [template % t for t in zip(*(c.tolist() for c in self.columns), strict=True)]
        present = np.stack(self.present, axis=1)
        packed = np.packbits(present, axis=1)
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
        uniq, group = np.unique(keys, return_inverse=True)
        out = np.empty(self.n, dtype=object)
        group = group.ravel()
        by_group = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[by_group], np.arange(uniq.size + 1))
        for g in range(uniq.size):
            rows = by_group[bounds[g] : bounds[g + 1]]
            cols = np.flatnonzero(present[rows[0]]).tolist()
            keys_fmt = (f'"{self.names[c]}":{self.formats[c]}' for c in cols)
            template = "{" + ",".join(keys_fmt) + "}"
            values = zip(*(self.columns[c][rows].tolist() for c in cols), strict=True)
            out[rows] = [template % t for t in values]
        return out.tolist()


class _Messages:
    """Decoded messages out, one line each, formatted a column at a time."""

    def __init__(self, out: IO[str], as_csv: bool, fields: tuple[str, ...] | None, beast: bool):
        self.out = out
        self.as_csv = as_csv
        self.fields = fields
        self.number = "frame" if beast else "line"
        self.columns = fields or (*_META, *_FIELD_NAMES, *_BAD)
        if as_csv:
            out.write(",".join(self.columns) + "\n")

    def write(
        self,
        block: LineBlock,
        decoded: Any,
        stats: _Stats,
        only: frozenset[int] | None,
        icaos: frozenset[int] | None,
    ) -> None:
        frames = block.frames
        n = len(frames)
        shown_bad = [b for b in block.bad if b.line >= 0]
        for b in block.bad:
            if b.line < 0:
                stats.source_problems.append(b.reason)
        stats.records += n + len(shown_bad)
        codes = decoded.error_code
        labelled = np.flatnonzero(codes)
        keep = np.ones(n, np.bool_)
        if only is not None:
            keep &= decoded.mask("df") & np.isin(decoded["df"], list(only))
        if icaos is not None:
            keep &= decoded.mask("icao") & np.isin(decoded["icao"], list(icaos))
        self._count(block, codes, labelled, shown_bad, stats)
        rows = np.flatnonzero(keep)
        cols: dict[str, tuple[npt.NDArray[np.intp], tuple[str, Any]]] = {}
        line = block.line[rows]
        cols[self.number] = (np.arange(rows.size), ("%d", line))
        self._meta(frames, rows, cols)
        for f in FIELDS:
            if f.name not in decoded.filled_names:
                continue
            present = decoded.mask(f.name)[rows]
            where = np.flatnonzero(present)
            if where.size:
                values = decoded[f.name][rows[where]]
                cols[f.name] = (where, _format(values, f.py, as_csv=self.as_csv))
        err = np.flatnonzero(codes[rows])
        if err.size:
            labels = np.array(ERROR_LABELS, dtype=object)[codes[rows[err]]].tolist()
            text = [lb if self.as_csv else json.dumps(lb) for lb in labels]
            cols["error"] = (err, ("%s", np.array(text, dtype=object)))
        good = self._lines(rows.size, cols)
        bad_lines = [] if (only is not None or icaos is not None) else shown_bad
        if bad_lines:
            texts = [self._bad_line(b) for b in bad_lines]
            numbers = np.array([b.line for b in bad_lines], np.int64)
            order = np.argsort(np.concatenate([line, numbers]), kind="stable")
            joined = good + texts
            good = [joined[i] for i in order.tolist()]
        stats.written += len(good)
        if good:
            self.out.write("\n".join(good) + "\n")

    def _meta(
        self,
        frames: FrameBatch,
        rows: npt.NDArray[np.intp],
        cols: dict[str, tuple[npt.NDArray[np.intp], tuple[str, Any]]],
    ) -> None:
        t = frames.time_s[rows]
        has_t = np.flatnonzero(np.isfinite(t))
        cols["time_s"] = (has_t, ("%s", _format_time(t[has_t]).astype(object)))
        ticks = frames.receiver_ticks[rows]
        has_k = np.flatnonzero(ticks)
        cols["receiver_ticks"] = (has_k, ("%d", ticks[has_k]))
        sig = frames.signal_dbfs[rows]
        has_s = np.flatnonzero(np.isfinite(sig))
        level = np.round(sig[has_s].astype(np.float64), 2)
        cols["signal_dbfs"] = (has_s, _format(level, "", as_csv=self.as_csv))
        length = frames.length[rows]
        hexed = np.empty((rows.size, 28), np.uint8)
        pay = frames.payload[rows]
        hexed[:, 0::2] = _HEXCHARS[pay >> 4]
        hexed[:, 1::2] = _HEXCHARS[pay & 15]
        text = hexed.view("S28").ravel().astype(_S)
        text = np.strings.slice(text, 0, length.astype(np.int64) * 2)
        cols["hex"] = (
            np.arange(rows.size),
            ("%s", (text if self.as_csv else _quote(text)).astype(object)),
        )

    def _lines(
        self, n: int, cols: dict[str, tuple[npt.NDArray[np.intp], tuple[str, Any]]]
    ) -> list[str]:
        names = [c for c in self.columns if c in cols]
        if not self.as_csv:
            built = _Rows(n, as_csv=False)
            for name in names:
                built.add(name, *cols[name])
            return built.lines()
        built = _Rows(n, as_csv=True)
        for name in self.columns:
            if name in cols:
                built.add(name, *cols[name])
            else:
                built.add(name, np.empty(0, np.intp), ("%s", np.empty(0, object)))
        return built.lines()

    def _bad_line(self, bad: Any) -> str:
        values = {
            self.number: bad.line,
            "error": "bad_line",
            "detail": bad.reason,
            "text": bad.text,
        }
        if self.as_csv:
            return ",".join(_csv_quote(str(values[c])) if c in values else "" for c in self.columns)
        if self.fields is not None:
            values = {k: v for k, v in values.items() if k in self.fields}
        return json.dumps(values, separators=(",", ":"))

    def _count(
        self,
        block: LineBlock,
        codes: npt.NDArray[np.uint8],
        labelled: npt.NDArray[np.intp],
        bad: list[Any],
        stats: _Stats,
    ) -> None:
        if labelled.size:
            found, counts = np.unique(codes[labelled], return_counts=True)
            for code, count in zip(found.tolist(), counts.tolist(), strict=True):
                stats.labels[ERROR_LABELS[code]] += count
        stats.labels["bad_line"] += len(bad)
        if not stats.labels["bad_line"]:
            del stats.labels["bad_line"]
        room = _MAX_REPORTED - len(stats.reported)
        events: list[tuple[int, str]] = []
        for i in labelled[:room].tolist():
            hexed = block.frames.message_bytes(i).hex()
            label = ERROR_LABELS[int(codes[i])]
            events.append(
                (int(block.line[i]), f"{self.number} {block.line[i]}: {label}: {hexed!r}")
            )
        for b in bad[:room]:
            events.append((b.line, f"line {b.line}: bad_line: {b.reason}: {b.text!r}"))
        stats.reported.extend(text for _, text in sorted(events)[:room])


def _quote(text: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return np.strings.add(np.strings.add('"', text), '"')


class _Positions:
    """Positions out: tracker pairs, or local decoding against a reference point."""

    def __init__(
        self,
        out: IO[str],
        as_csv: bool,
        fields: tuple[str, ...] | None,
        reference: tuple[float, float] | None,
    ) -> None:
        from skytrace.track import Tracker

        self.out = out
        self.as_csv = as_csv
        self.reference = reference
        self.columns = tuple(c for c in (fields or _POSITION_COLUMNS) if c in _POSITION_COLUMNS)
        if reference is None:
            self.columns = tuple(c for c in self.columns if c != "line")
        self.tracker = Tracker() if reference is None else None
        # frames without a time (AVR, hex lines) are paced by the position squitters, as
        # replay paces them, from the epoch: times then say how long the recording ran
        self.pace = SquitterPace(0.0)
        if as_csv:
            out.write(",".join(self.columns) + "\n")

    def write(
        self,
        block: LineBlock,
        decoded: Any,
        stats: _Stats,
        only: frozenset[int] | None,
        icaos: frozenset[int] | None,
    ) -> None:
        stats.records += len(block.frames) + len(block.bad)
        stats.labels["bad_line"] += len(block.bad)
        if not stats.labels["bad_line"]:
            del stats.labels["bad_line"]
        if len(block.frames) == 0:
            return
        cols = self._local(block, decoded) if self.reference else self._tracked(block, decoded)
        if icaos is not None and "icao" in cols:
            keep = np.isin(cols["icao"], list(icaos))
            cols = {k: v[keep] for k, v in cols.items()}
        n = len(next(iter(cols.values())))
        built = _Rows(n, as_csv=self.as_csv)
        for name in self.columns:
            values = cols[name]
            if values.dtype.kind == "f":
                has = np.flatnonzero(np.isfinite(values))
                values = values[has]
            elif values.dtype.kind == "S":
                has = np.flatnonzero(np.strings.str_len(values) > 0)
                values = values[has]
            else:
                has = np.arange(n)
            py = "hex24" if name == "icao" else ("text" if values.dtype.kind == "S" else "")
            built.add(name, has, _format(values, py, as_csv=self.as_csv))
        lines = built.lines()
        stats.written += n
        if n:
            self.out.write("\n".join(lines) + "\n")

    def _local(self, block: LineBlock, decoded: Any) -> dict[str, npt.NDArray[Any]]:
        from skytrace.decode.cpr import airborne_local, surface_local

        assert self.reference is not None
        rows = np.flatnonzero(decoded.mask("cpr_lat") & decoded.mask("cpr_format"))
        lat0, lon0 = self.reference
        surface = decoded["surface"][rows].astype(bool)
        args = (
            decoded["cpr_lat"][rows],
            decoded["cpr_lon"][rows],
            decoded["cpr_format"][rows] == 1,
        )
        a_lat, a_lon, a_ok = airborne_local(*args, lat0, lon0)
        s_lat, s_lon, s_ok = surface_local(*args, lat0, lon0)
        lat = np.where(surface, s_lat, a_lat)
        lon = np.where(surface, s_lon, a_lon)
        ok = np.where(surface, s_ok, a_ok)
        rows, lat, lon, surface = rows[ok], lat[ok], lon[ok], surface[ok]
        empty = np.full(rows.size, np.nan)
        return {
            "line": block.line[rows],
            "icao": decoded["icao"][rows],
            "time_s": block.frames.time_s[rows],
            "lat": lat,
            "lon": lon,
            "altitude_ft": decoded["altitude_ft"][rows].astype(np.float64),
            "onground": surface,
            "groundspeed_kt": empty,
            "track_deg": empty,
            "vertical_rate_fpm": empty,
            "callsign": np.full(rows.size, b"", "S8"),
            "squawk": np.full(rows.size, b"", "S4"),
        }

    def _tracked(self, block: LineBlock, decoded: Any) -> dict[str, npt.NDArray[Any]]:
        assert self.tracker is not None
        frames = block.frames
        t = frames.time_s
        timed = np.isfinite(t)
        if timed.all():
            self.pace.observe(t)
        else:
            self.pace.fill(t, timed, frames.payload, frames.length)
        p = self.tracker.ingest(frames, decoded, float(np.max(t))).positions
        return {
            "icao": p["icao24"],
            "time_s": p["time_s"],
            "lat": p["lat"],
            "lon": p["lon"],
            "altitude_ft": p["altitude_ft"].astype(np.float64),
            "onground": p["onground"],
            "groundspeed_kt": p["groundspeed_kt"].astype(np.float64),
            "track_deg": p["track_deg"].astype(np.float64),
            "vertical_rate_fpm": p["vertical_rate_fpm"].astype(np.float64),
            "callsign": np.char.strip(p["callsign"]),
            "squawk": p["squawk"],
        }


def _report(stats: _Stats, name: str, fmt: str) -> None:
    bad = sum(stats.labels.values())
    summary = f"skytrace decode: {name} ({fmt}): {stats.records} frame(s), {bad} not decoded"
    if stats.labels:
        summary += " (" + ", ".join(f"{k} {v}" for k, v in stats.labels.most_common()) + ")"
    if stats.written != stats.records:
        summary += f", {stats.written} written"
        summary += " after filters" if "positions" not in summary else ""
    print(summary, file=sys.stderr)
    for line in stats.reported:
        print(f"  {line}", file=sys.stderr)
    if bad > len(stats.reported):
        print(f"  ... and {bad - len(stats.reported)} more", file=sys.stderr)
    problems = Counter(stats.source_problems)
    for problem, count in list(problems.items())[:_MAX_REPORTED]:
        print(f"  {problem}" + (f" (x{count})" if count > 1 else ""), file=sys.stderr)
