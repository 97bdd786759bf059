"""Vectorized line formats: ``ts,hex`` CSV and hex lines, parsed a block of lines at a time.

A block is whole lines (``b"\\n"``-separated, the last one may lack its ``\\n``). Lines are
found with one ``flatnonzero``; each line is stripped of blanks, and empty lines and ``#``
comments are skipped. The fields of all lines are then located and converted as columns:

    time    the first CSV field, stripped of ``" '``: decimal epoch seconds
            (``1698140962.119813``) are parsed as integer digits M and fraction digits k,
            ``M / 10**k``; with M < 2**53 that one IEEE division is correctly rounded, so the
            value is bit-identical to Python's ``float()``.
    hex     the first later field (stripped of ``" '``) that is all hex digits and holds a
            Mode S / Mode A/C message (4, 14 or 28 digits) or a whole unescaped Beast frame
            (22, 32 or 46 digits starting ``1a``: counter, signal and message are taken from
            it). Digits become bytes through a 256-entry nibble table on sliding-window rows,
            one gather per message length.

Lines the vectorized path is not sure of (a time with a sign, an exponent, more than 18
digits or an ISO 8601 form; a line with more blanks or quotes than it strips at once; a hex
field further than the eighth field) go through ``_slow_line``, the reference reading of one
line in Python, so every line gets the same answer whichever path takes it; they are rare in
real files. A line that cannot be read is a ``BadLine`` (line number, reason, its first
``ECHO_CHARS`` characters); the first content line of a CSV file that cannot be read and has
no hex field is a header and is skipped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from skytrace.model import FrameBatch, FrameKind
from skytrace.sources.beast import MLAT_MAGIC_TICKS, signal_byte_to_dbfs

__all__ = [
    "BLANK",
    "ECHO_CHARS",
    "NIBBLE",
    "BadLine",
    "LineBlock",
    "echo_text",
    "frames_from_hex",
    "hex_ok",
    "line_bounds",
    "parse_lines",
    "strip_fields",
]

ECHO_CHARS: Final = 200  # a bad line is quoted up to this many characters
MSG_DIGITS: Final = (4, 14, 28)
BEAST_DIGITS: Final = (22, 32, 46)  # 1a + type + 6 counter + signal + 2/7/14 message bytes
_MAX_FIELDS: Final = 8  # fields searched for the hex one by the vectorized path
_MAX_TIME_CHARS: Final = 20
_MAX_STRIP: Final = 4  # blanks/quotes stripped per side by the vectorized path

NIBBLE = np.full(256, 255, np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    NIBBLE[_c] = _i
    NIBBLE[ord(chr(_c).upper())] = _i
# two hex digits read as one little-endian uint16 -> their byte, 0xFFFF when not hex
_PAIR = np.full(1 << 16, 0xFFFF, np.uint16)
_lo, _hi = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
_both = (NIBBLE[_lo] < 16) & (NIBBLE[_hi] < 16)
_PAIR[(_lo | (_hi << 8))[_both]] = ((NIBBLE[_lo].astype(np.uint16) << 4) | NIBBLE[_hi])[_both]
del _lo, _hi, _both
BLANK = np.zeros(256, np.bool_)
BLANK[np.frombuffer(b" \t\r\x0b\x0c", np.uint8)] = True
_QUOTE = np.zeros(256, np.bool_)
_QUOTE[np.frombuffer(b"\" '", np.uint8)] = True
_DIGIT = np.full(256, 255, np.uint8)
_DIGIT[48:58] = np.arange(10, dtype=np.uint8)
_POW10 = 10.0 ** np.arange(19)
_EXACT_MAX: Final = 1 << 53


@dataclass(slots=True, frozen=True)
class BadLine:
    """A line (or record, or frame) that could not be read."""

    line: int  # 1-based line number; -1 when the format has no lines (Beast)
    reason: str
    text: str = ""  # the first ECHO_CHARS characters of the line, for the error report


@dataclass(slots=True)
class LineBlock:
    """What a block of input gave: frames (time NaN where the input has none), the line (or
    frame) number of each, and the lines that could not be read."""

    frames: FrameBatch
    line: npt.NDArray[np.int64]
    bad: list[BadLine]

    @classmethod
    def only_bad(cls, bad: list[BadLine]) -> LineBlock:
        """A block without frames."""
        return cls(FrameBatch.empty(0), np.empty(0, np.int64), bad)


def echo_text(raw: bytes) -> str:
    cut = raw[: ECHO_CHARS * 4].decode("utf-8", "replace")
    return cut[:ECHO_CHARS] + ("..." if len(raw) > ECHO_CHARS or len(cut) > ECHO_CHARS else "")


def _gather(u: npt.NDArray[np.uint8], pos: npt.NDArray[np.int64], width: int) -> npt.NDArray:
    """``u[p : p + width]`` for each ``p`` as rows, zero-padded past the end of ``u``."""
    if pos.size == 0:
        return np.zeros((0, width), np.uint8)
    if u.size >= width:
        ok = pos <= u.size - width
        if ok.all():
            return sliding_window_view(u, width)[pos]
    padded = np.zeros(u.size + width, np.uint8)
    padded[: u.size] = u
    return sliding_window_view(padded, width)[pos]


def strip_fields(
    a: npt.NDArray[np.uint8],
    s: npt.NDArray[np.int64],
    e: npt.NDArray[np.int64],
    table: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Strip ``table`` characters from both ends of the fields [s, e); ``sure`` is False for
    fields with more than ``_MAX_STRIP`` of them on a side (left to the slow path)."""
    s, e = s.copy(), e.copy()
    sure = np.ones(s.size, np.bool_)
    for _ in range(_MAX_STRIP):
        hit = (s < e) & table[a[np.minimum(s, a.size - 1)]]
        if not hit.any():
            break
        s += hit
    else:
        sure &= ~((s < e) & table[a[np.minimum(s, a.size - 1)]])
    for _ in range(_MAX_STRIP):
        hit = (e > s) & table[a[np.maximum(e - 1, 0)]]
        if not hit.any():
            break
        e -= hit
    else:
        sure &= ~((e > s) & table[a[np.maximum(e - 1, 0)]])
    return s, e, sure


def _parse_times(
    a: npt.NDArray[np.uint8], s: npt.NDArray[np.int64], e: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Decimal epoch seconds in the fields [s, e) -> (seconds, sure); see the docstring.

    Rows are grouped by (length, place of the dot): within a group the digit weights are one
    vector, so the integer of all digits is one matrix-vector product."""
    n = s.size
    length = e - s
    sure = (length > 0) & (length <= _MAX_TIME_CHARS)
    value = np.full(n, np.nan)
    rows = np.flatnonzero(sure)
    if rows.size == 0:
        return value, sure
    width = int(length[rows].max())
    chars = _gather(a, s[rows], width)
    inside = np.arange(width)[None, :] < length[rows, None]
    isdot = (chars == ord(".")) & inside
    dot = np.where(isdot.any(1), isdot.argmax(1), length[rows])
    key = length[rows] * (_MAX_TIME_CHARS + 1) + dot
    for k in np.flatnonzero(np.bincount(key)):
        grp = np.flatnonzero(key == k)
        ln, dp = divmod(int(k), _MAX_TIME_CHARS + 1)
        cols = [j for j in range(ln) if j != dp]
        dig = _DIGIT[chars[grp][:, cols]]
        ok = (dig != 255).all(1) & (len(cols) > 0) & (len(cols) <= 18)
        if dp < ln:
            ok &= ~isdot[grp][:, dp + 1 :].any(1)
        weights = 10 ** np.arange(len(cols) - 1, -1, -1, dtype=np.int64)
        mant = dig.astype(np.int64) @ weights
        ok &= mant < _EXACT_MAX
        frac = ln - dp - 1 if dp < ln else 0
        value[rows[grp]] = mant / _POW10[frac]
        sure[rows[grp[~ok]]] = False
    return value, sure


def _hex_bytes(
    a: npt.NDArray[np.uint8], s: npt.NDArray[np.int64], digits: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    """``digits`` hex digits at each ``s`` -> (all hex?, the bytes), through the pair table:
    the text is read as uint16 pairs from an even and from an odd offset."""
    half = digits // 2
    out = np.empty((s.size, half), np.uint16)
    for parity in (0, 1):
        rows = np.flatnonzero((s & 1) == parity)
        if rows.size == 0:
            continue
        pairs = a[parity : parity + (a.size - parity) // 2 * 2].view("<u2")
        out[rows] = _PAIR[_gather(pairs, (s[rows] - parity) >> 1, half)]
    ok = (out < 256).all(1)
    return ok, out.astype(np.uint8)


def frames_from_hex(
    a: npt.NDArray[np.uint8], s: npt.NDArray[np.int64], n_digits: npt.NDArray[np.int64]
) -> FrameBatch:
    """Hex fields (all digits checked valid, lengths in MSG_DIGITS or BEAST_DIGITS) ->
    frames: message bytes, and for a whole Beast frame its counter, signal and MLAT kind."""
    batch = FrameBatch.empty(int(s.size))
    batch.time_s[:] = np.nan
    for digits in (*MSG_DIGITS, *BEAST_DIGITS):
        rows = np.flatnonzero(n_digits == digits)
        if rows.size == 0:
            continue
        _, by = _hex_bytes(a, s[rows], digits)
        if digits in BEAST_DIGITS:
            ticks = np.zeros((rows.size, 8), np.uint8)
            ticks[:, 2:] = by[:, 2:8]
            t = ticks.view(">u8").ravel().astype(np.uint64)
            batch.receiver_ticks[rows] = t
            batch.signal_dbfs[rows] = signal_byte_to_dbfs(by[:, 8])
            batch.kind[rows[t == MLAT_MAGIC_TICKS]] = FrameKind.MLAT
            by = by[:, 9:]
        size = by.shape[1]
        if rows.size == s.size:
            batch.payload[:, :size] = by
        else:
            batch.payload[rows, :size] = by
        batch.length[rows] = size
        if size == 2:
            batch.kind[rows] = FrameKind.MODE_AC
    return batch


def hex_ok(
    a: npt.NDArray[np.uint8], s: npt.NDArray[np.int64], e: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which fields [s, e) of the text ``a`` are a message or a whole Beast frame in hex."""
    length = e - s
    ok = np.zeros(s.size, np.bool_)
    for digits in (*MSG_DIGITS, *BEAST_DIGITS):
        rows = np.flatnonzero(length == digits)
        if rows.size == 0:
            continue
        good, by = _hex_bytes(a, s[rows], digits)
        if digits in BEAST_DIGITS:
            good &= by[:, 0] == 0x1A
        ok[rows] = good
    return ok


def line_bounds(
    a: npt.NDArray[np.uint8], first_line: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(start, end, line number) of every line of the block."""
    nl = np.flatnonzero(a == 10)
    starts = np.concatenate([[0], nl + 1]).astype(np.int64)
    ends = np.concatenate([nl, [a.size]]).astype(np.int64)
    return starts, ends, first_line + np.arange(starts.size, dtype=np.int64)


def parse_lines(block: bytes, first_line: int, *, timed: bool, header_possible: bool) -> LineBlock:
    """Parse a block of ``ts,hex`` CSV lines (``timed``) or hex lines; ``first_line`` is the
    number of its first line; ``header_possible``: the block holds the file's first content
    line, which may be a header."""
    a = np.frombuffer(block, np.uint8)
    if a.size == 0:
        return LineBlock(FrameBatch.empty(0), np.empty(0, np.int64), [])
    starts, ends, line_no = line_bounds(a, first_line)
    if first_line == 1 and block.startswith(b"\xef\xbb\xbf"):
        starts[0] = 3
    s, e, sure = strip_fields(a, starts, ends, BLANK)
    content = (s < e) & (a[np.minimum(s, a.size - 1)] != ord("#"))
    rows = np.flatnonzero(content)
    s, e, sure, line_no = s[rows], e[rows], sure[rows], line_no[rows]
    n = rows.size
    commas = np.flatnonzero(a == ord(","))
    k = np.searchsorted(commas, s)  # index of each line's first comma
    time_s = np.full(n, np.nan)
    if timed:
        c0 = commas[np.minimum(k, max(commas.size - 1, 0))] if commas.size else np.full(n, -1)
        has_comma = (k < commas.size) & (c0 < e) & (c0 >= s)
        ts, te, t_sure = strip_fields(a, s, np.where(has_comma, c0, s), _QUOTE)
        t_val, t_ok = _parse_times(a, ts, te)
        time_s = t_val
        sure &= has_comma & t_sure & t_ok
        field_start = np.where(has_comma, c0 + 1, e)
        k = k + 1
    else:
        field_start = s.copy()
    # the hex field: first of the next _MAX_FIELDS fields that qualifies
    hex_s = np.zeros(n, np.int64)
    hex_e = np.zeros(n, np.int64)
    found = np.zeros(n, np.bool_)
    todo = np.flatnonzero(sure)
    fs = field_start[todo]
    kk = k[todo]
    for _ in range(_MAX_FIELDS):
        if todo.size == 0:
            break
        line_e = e[todo]
        nxt = commas[np.minimum(kk, max(commas.size - 1, 0))] if commas.size else line_e
        fe = np.where((kk < commas.size) & (nxt < line_e), nxt, line_e)
        qs, qe, q_sure = strip_fields(a, fs, fe, _QUOTE)
        ok = hex_ok(a, qs, qe) & q_sure
        hit = todo[ok]
        hex_s[hit], hex_e[hit] = qs[ok], qe[ok]
        found[hit] = True
        more = ~ok & (fe < line_e)  # another field follows
        done_bad = ~ok & ~more & q_sure  # no field qualified: the slow path says why
        sure[todo[~ok & ~q_sure]] = False
        sure[todo[done_bad]] = False
        todo, fs, kk = todo[more], fe[more] + 1, kk[more] + 1
    sure[todo] = False  # hex field beyond _MAX_FIELDS (or none): slow path
    fast = np.flatnonzero(sure & found)
    frames = frames_from_hex(a, hex_s[fast], hex_e[fast] - hex_s[fast])
    frames.time_s[:] = time_s[fast] if timed else np.nan
    lines = line_no[fast]
    slow = np.flatnonzero(~(sure & found))
    if slow.size == 0:
        return LineBlock(frames, lines, [])
    return _merge_slow(
        block, frames, lines, s[slow], e[slow], line_no[slow], timed, header_possible
    )


def _merge_slow(
    block: bytes,
    frames: FrameBatch,
    lines: npt.NDArray[np.int64],
    s: npt.NDArray[np.int64],
    e: npt.NDArray[np.int64],
    line_no: npt.NDArray[np.int64],
    timed: bool,
    header_possible: bool,
) -> LineBlock:
    """Read the lines the vectorized path left, one by one, and merge them in line order."""
    bad: list[BadLine] = []
    got_lines: list[int] = []
    got_times: list[float] = []
    got_hex: list[bytes] = []
    first_content = int(min(line_no.min(), lines.min())) if lines.size else int(line_no.min())
    for start, end, no in zip(s.tolist(), e.tolist(), line_no.tolist(), strict=True):
        raw = block[start:end]
        got = _slow_line(raw, timed)
        if isinstance(got, str):
            if header_possible and no == first_content and timed and not _has_hex_field(raw):
                continue  # a header line
            bad.append(BadLine(no, got, echo_text(raw)))
            continue
        got_lines.append(no)
        got_times.append(got[0])
        got_hex.append(got[1])
    if got_hex:
        text = b"\n".join(got_hex)
        u = np.frombuffer(text, np.uint8)
        lengths = np.array([len(h) for h in got_hex], np.int64)
        offs = np.concatenate([[0], np.cumsum(lengths[:-1] + 1)])
        extra = frames_from_hex(u, offs, lengths)
        extra.time_s[:] = np.array(got_times) if timed else np.nan
        joined = FrameBatch.concat([frames, extra])
        all_lines = np.concatenate([lines, np.array(got_lines, np.int64)])
        order = np.argsort(all_lines, kind="stable")
        frames, lines = joined.take(order), all_lines[order]
    return LineBlock(frames, lines, bad)


def _field_hex(field: bytes) -> bytes | None:
    h = field.strip(b"\" '")
    n = len(h)
    if not h or n not in (*MSG_DIGITS, *BEAST_DIGITS):
        return None
    if np.any(NIBBLE[np.frombuffer(h, np.uint8)] == 255):
        return None
    if n in BEAST_DIGITS and h[:2].lower() != b"1a":
        return None
    return h


def _has_hex_field(line: bytes) -> bool:
    return any(_field_hex(f) is not None for f in line.split(b","))


def _slow_time(field: bytes) -> float | None:
    """Epoch seconds from a number or an ISO 8601 time (no zone given: UTC)."""
    text = field.strip(b"\" '").decode("utf-8", "replace")
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


def _slow_line(line: bytes, timed: bool) -> tuple[float, bytes] | str:
    """The reference reading of one stripped line: (time or NaN, hex digits) or why not."""
    line = line.strip()
    fields = line.split(b",")
    t = math.nan
    if timed:
        if len(fields) < 2:
            return "expected time,hex"
        got = _slow_time(fields[0])
        if got is None:
            return "time is not a number"
        t = got
        fields = fields[1:]
    for f in fields:
        h = _field_hex(f)
        if h is not None:
            return t, h
    return "no Mode S hex field"
