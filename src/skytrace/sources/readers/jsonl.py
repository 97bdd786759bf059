"""JSON lines (and a whole-file JSON array of objects), read with pyarrow's JSON reader.

Each line is an object with the message in the first of ``hex``/``msg``/``raw``/``message``
that holds a string (a message of 4, 14 or 28 hex digits, or a whole unescaped Beast frame as
in CSV), and its time (optional, epoch seconds) in the first of ``ts``/``time_s``/
``timestamp``/``time``/``t`` that holds a number. A block of lines is handed to
``pyarrow.json.read_json`` at once; the keys are then columns, "first key that holds a
string" is a ``coalesce`` over the string-typed ones, and the hex digits go through the same
nibble table as CSV (``readers.text.frames_from_hex``). Blank and ``#`` lines are left out
before pyarrow sees the block. When pyarrow cannot read the block (a line that is not JSON,
a key holding a string in one line and a number in another) the block is read line by line
with ``json.loads`` (``_slow_lines``), which names the bad lines.

A file whose first character is ``[`` is one JSON array: it is loaded whole (bounded by
``MAX_ARRAY_BYTES``) and its objects are read like lines, numbered by their place in the
array.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from skytrace.sources.readers.text import (
    BEAST_DIGITS,
    BLANK,
    MSG_DIGITS,
    BadLine,
    LineBlock,
    echo_text,
    frames_from_hex,
    hex_ok,
    line_bounds,
    strip_fields,
)

__all__ = ["HEX_KEYS", "MAX_ARRAY_BYTES", "TIME_KEYS", "parse_json_array", "parse_json_lines"]

HEX_KEYS: Final = ("hex", "msg", "raw", "message")
TIME_KEYS: Final = ("ts", "time_s", "timestamp", "time", "t")
MAX_ARRAY_BYTES: Final = 1 << 30


def parse_json_lines(block: bytes, first_line: int) -> LineBlock:
    """A block of whole JSON lines -> frames, their line numbers and the bad lines."""
    a = np.frombuffer(block, np.uint8)
    if a.size == 0:
        return LineBlock.only_bad([])
    starts, ends, line_no = line_bounds(a, first_line)
    if first_line == 1 and block.startswith(b"\xef\xbb\xbf"):
        starts[0] = 3
    s, e, _ = strip_fields(a, starts, ends, BLANK)
    content = (s < e) & (a[np.minimum(s, a.size - 1)] != ord("#"))
    rows = np.flatnonzero(content)
    s, e, line_no = s[rows], e[rows], line_no[rows]
    if rows.size == 0:
        return LineBlock.only_bad([])
    if rows.size == starts.size:
        text = block
    else:  # keep the content lines only, so that pyarrow's rows are ours
        keep = np.zeros(a.size + 1, np.int64)
        np.add.at(keep, s, 1)
        np.add.at(keep, np.minimum(e + 1, a.size), -1)
        text = a[np.cumsum(keep[:-1]) > 0].tobytes()
    try:
        table = pajson.read_json(
            io.BytesIO(text),
            read_options=pajson.ReadOptions(
                use_threads=False, block_size=max(1 << 20, len(text) + 1)
            ),
            parse_options=pajson.ParseOptions(newlines_in_values=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        table = None
    if table is None or table.num_rows != rows.size:
        return _slow_lines(
            [block[i:j] for i, j in zip(s.tolist(), e.tolist(), strict=True)], line_no
        )
    return _from_table(table, line_no)


def _coalesce(table: pa.Table, keys: tuple[str, ...], want: str) -> pa.ChunkedArray | None:
    cols = []
    for key in keys:
        if key not in table.column_names:
            continue
        col = table.column(key)
        t = col.type
        if want == "str" and (pa.types.is_string(t) or pa.types.is_large_string(t)):
            cols.append(col)
        elif want == "num" and (pa.types.is_integer(t) or pa.types.is_floating(t)):
            cols.append(pc.cast(col, pa.float64()))
    if not cols:
        return None
    return cols[0] if len(cols) == 1 else pc.coalesce(*cols)


def _from_table(table: pa.Table, line_no: npt.NDArray[np.int64]) -> LineBlock:
    n = table.num_rows
    hexes = _coalesce(table, HEX_KEYS, "str")
    times = _coalesce(table, TIME_KEYS, "num")
    bad: list[BadLine] = []
    if hexes is None:
        bad = [BadLine(int(x), "no hex field") for x in line_no]
        return LineBlock.only_bad(bad)
    arr = pc.utf8_trim_whitespace(hexes).combine_chunks()
    valid = np.asarray(arr.is_valid())
    arr = pc.fill_null(arr, "")
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[arr.offset : arr.offset + n + 1]
    data = arr.buffers()[2]
    u = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    s = offsets[:-1].astype(np.int64)
    e = offsets[1:].astype(np.int64)
    ok = valid & hex_ok(u, s, e)
    good = np.flatnonzero(ok)
    frames = frames_from_hex(u, s[good], e[good] - s[good])
    if times is not None:
        t = np.asarray(pc.fill_null(times, math.nan).combine_chunks(), np.float64)[good]
        frames.time_s[:] = np.where(np.isfinite(t), t, np.nan)
    for i in np.flatnonzero(~ok).tolist():
        if not valid[i]:
            bad.append(BadLine(int(line_no[i]), "no hex field"))
        else:
            h = bytes(u[s[i] : e[i]])
            bad.append(BadLine(int(line_no[i]), _hex_reason(h), echo_text(h)))
    return LineBlock(frames, line_no[good], bad)


def _hex_reason(h: bytes) -> str:
    if len(h) not in (*MSG_DIGITS, *BEAST_DIGITS):
        return f"hex of {len(h)} digits"
    return "not hex"


def _record(obj: Any) -> tuple[float, bytes] | str:
    """The reference reading of one parsed object: (time or NaN, hex digits) or why not."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    h = next((obj[k] for k in HEX_KEYS if isinstance(obj.get(k), str)), None)
    if h is None:
        return "no hex field"
    hb = h.strip().encode("utf-8", "replace")
    u = np.frombuffer(hb, np.uint8)
    if not hex_ok(u, np.array([0], np.int64), np.array([u.size], np.int64))[0]:
        return _hex_reason(hb)
    t = next(
        (
            obj[k]
            for k in TIME_KEYS
            if isinstance(obj.get(k), int | float) and not isinstance(obj.get(k), bool)
        ),
        None,
    )
    value = float(t) if t is not None else math.nan
    return (value if math.isfinite(value) else math.nan), hb


def _from_records(got: list[tuple[int, tuple[float, bytes] | str, bytes]]) -> LineBlock:
    bad: list[BadLine] = []
    lines: list[int] = []
    times: list[float] = []
    hexes: list[bytes] = []
    for no, rec, raw in got:
        if isinstance(rec, str):
            bad.append(BadLine(no, rec, echo_text(raw)))
        else:
            lines.append(no)
            times.append(rec[0])
            hexes.append(rec[1])
    if not hexes:
        return LineBlock.only_bad(bad)
    u = np.frombuffer(b"\n".join(hexes), np.uint8)
    lengths = np.array([len(h) for h in hexes], np.int64)
    offs = np.concatenate([[0], np.cumsum(lengths[:-1] + 1)])
    frames = frames_from_hex(u, offs, lengths)
    frames.time_s[:] = times
    return LineBlock(frames, np.array(lines, np.int64), bad)


def _slow_lines(lines: list[bytes], line_no: npt.NDArray[np.int64]) -> LineBlock:
    got: list[tuple[int, tuple[float, bytes] | str, bytes]] = []
    for raw, no in zip(lines, line_no.tolist(), strict=True):
        try:
            obj = json.loads(raw)
        except ValueError:
            got.append((no, "not JSON", raw))
            continue
        got.append((no, _record(obj), raw))
    return _from_records(got)


def parse_json_array(text: bytes) -> LineBlock:
    """A whole JSON array of objects; element i is numbered as line i + 1."""
    try:
        items = json.loads(text)
    except ValueError as exc:
        return LineBlock.only_bad([BadLine(1, f"not a JSON array ({exc})")])
    if not isinstance(items, list):
        return LineBlock.only_bad([BadLine(1, "not a JSON array")])
    got = [
        (i + 1, _record(obj), json.dumps(obj)[:400].encode() if not isinstance(obj, dict) else b"")
        for i, obj in enumerate(items)
    ]
    return _from_records(got)
