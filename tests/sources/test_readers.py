"""The vectorized readers (sources.readers) against a line-by-line reference reader.

The reference (``_reference`` below) is the previous per-line Python reading of ``ts,hex``
CSV, hex lines and JSON lines: every reader must give exactly its frames and bad line numbers,
on the shared samples cut at arbitrary byte offsets with garbage and bad lines mixed in, and
on random input (hypothesis).
"""

from __future__ import annotations

import gzip
import io
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skytrace.errors import SourceError
from skytrace.model import FrameBatch
from skytrace.sources.files import UNTIMED_STEP_S, FileReader
from skytrace.sources.pace import SQUITTER_INTERVAL_S, position_squitters
from skytrace.sources.readers import FrameStream
from skytrace.sources.readers.stream import MAX_LINE_BYTES
from skytrace.sources.readers.text import parse_lines

HEXDIGITS = "0123456789abcdefABCDEF"


class _Chunky(io.RawIOBase):
    """A stream handing out its bytes in pieces of random size (cuts at arbitrary offsets)."""

    def __init__(self, data: bytes, seed: int, largest: int = 5000) -> None:
        self.data, self.at = data, 0
        self.rng = random.Random(seed)
        self.largest = largest

    def read(self, size: int = -1) -> bytes:
        n = min(size if size >= 0 else len(self.data), self.rng.randint(1, self.largest))
        out = self.data[self.at : self.at + n]
        self.at += len(out)
        return out


def _ref_hex(field: bytes) -> bytes | None:
    h = field.strip(b"\" '")
    if not h or any(c not in HEXDIGITS.encode() for c in h):
        return None
    if len(h) in (22, 32, 46) and h[:2].lower() == b"1a":
        return h
    return h if len(h) in (4, 14, 28) else None


def _reference(text: bytes, fmt: str) -> tuple[list[tuple[int, float, str]], list[int]]:
    """(line, time, message hex with any Beast header) of the good lines; bad line numbers."""
    good: list[tuple[int, float, str]] = []
    bad: list[int] = []
    first = True
    for no, raw in enumerate(text.split(b"\n"), start=1):
        line = raw.strip()
        if no == 1:
            line = line.removeprefix(b"\xef\xbb\xbf").strip()
        if not line or line.startswith(b"#"):
            continue
        was_first, first = first, False
        if fmt == "jsonl":
            try:
                obj = json.loads(line)
            except ValueError:
                bad.append(no)
                continue
            h = (
                next(
                    (
                        obj.get(k)
                        for k in ("hex", "msg", "raw", "message")
                        if isinstance(obj.get(k), str)
                    ),
                    None,
                )
                if isinstance(obj, dict)
                else None
            )
            hx = _ref_hex(h.strip().encode()) if h is not None else None
            if hx is None or hx != h.strip().encode():
                bad.append(no)
                continue
            t = next(
                (
                    obj[k]
                    for k in ("ts", "time_s", "timestamp", "time", "t")
                    if isinstance(obj.get(k), int | float) and not isinstance(obj.get(k), bool)
                ),
                math.nan,
            )
            good.append((no, float(t), hx.decode().lower()))
            continue
        fields = line.split(b",")
        t = math.nan
        if fmt == "csv":
            try:
                t = float(fields[0].strip(b"\" '")) if len(fields) > 1 else math.nan
            except ValueError:
                t = math.nan
            if len(fields) < 2 or not math.isfinite(t):
                if was_first and not any(_ref_hex(f) for f in fields):
                    continue  # a header
                bad.append(no)
                continue
            fields = fields[1:]
        hx = next((h for h in map(_ref_hex, fields) if h is not None), None)
        if hx is None:
            if fmt == "csv" and was_first and not any(_ref_hex(f) for f in line.split(b",")):
                continue
            bad.append(no)
            continue
        good.append((no, t, hx.decode().lower()))
    return good, bad


def _as_rows(frames: FrameBatch, lines: np.ndarray) -> list[tuple[int, float, str]]:
    out = []
    for i in range(len(frames)):
        msg = frames.message_bytes(i).hex()
        if frames.receiver_ticks[i] or np.isfinite(frames.signal_dbfs[i]):
            # a whole Beast frame: compare its counter too
            msg = f"{int(frames.receiver_ticks[i]):012x}{msg}"
        out.append((int(lines[i]), float(frames.time_s[i]), msg))
    return out


def _ref_rows(good: list[tuple[int, float, str]]) -> list[tuple[int, float, str]]:
    out = []
    for no, t, h in good:
        if len(h) in (22, 32, 46):
            ticks, sig, msg = h[4:16], int(h[16:18], 16), h[18:]
            h = f"{ticks}{msg}" if int(ticks, 16) or sig else msg
        out.append((no, t, h))
    return out


def _read(data: bytes, fmt: str | None, seed: int | None = None) -> tuple[list, list[int], str]:
    src = _Chunky(data, seed) if seed is not None else io.BytesIO(data)
    stream = FrameStream(src, "test", fmt)  # type: ignore[arg-type]
    frames, lines, bad = [], [], []
    for block in stream:
        frames.append(block.frames)
        lines.append(block.line)
        bad += [b.line for b in block.bad]
    rows = _as_rows(FrameBatch.concat(frames), np.concatenate(lines)) if frames else []
    return rows, bad, stream.format


def _same(a: list[tuple[int, float, str]], b: list[tuple[int, float, str]]) -> bool:
    return len(a) == len(b) and all(
        x[0] == y[0] and x[2] == y[2] and (x[1] == y[1] or (math.isnan(x[1]) and math.isnan(y[1])))
        for x, y in zip(a, b, strict=True)
    )


def _spoil(data: bytes, seed: int) -> bytes:
    """Insert garbage and bad lines between the lines of ``data``."""
    rng = random.Random(seed)
    lines = data.split(b"\n")
    junk = [
        b"garbage",
        b"1698140962.5,zz",
        b"oops,8d4840d6202cc371c32ce0576098",
        b"",
        b"#c",
        b"\x00\xff\x13",
        b"12,34",
        b"  ,  ",
        b'"1.5","8D4840D6202CC371C32CE0576098"',
    ]
    for _ in range(30):
        lines.insert(rng.randrange(1, len(lines)), rng.choice(junk))
    return b"\n".join(lines)


SAMPLES = [
    ("long_flight.csv", "csv", 400_000),
    ("pymodes_sample_data_adsb.csv", "csv", None),
    ("pymodes_sample_data_commb_df20.csv", "csv", None),
    ("golden_vectors.jsonl", "jsonl", None),
]


@pytest.mark.parametrize(("name", "fmt", "limit"), SAMPLES)
def test_samples_cut_anywhere_with_garbage_match_the_reference(
    shared_data: Path, name: str, fmt: str, limit: int | None
) -> None:
    data = (shared_data / "modes" / name).read_bytes()[:limit]
    data = data[: data.rfind(b"\n") + 1]
    for seed in (1, 2):
        spoiled = _spoil(data, seed)
        good, bad = _reference(spoiled, fmt)
        rows, got_bad, got_fmt = _read(spoiled, fmt, seed)
        assert got_fmt == fmt
        assert _same(rows, _ref_rows(good))
        assert got_bad == bad and len(bad) >= 10
        assert len(good) >= data.count(b"\n") - 1


def test_detection_and_gzip_by_magic_not_name(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "modes" / "pymodes_sample_data_adsb.csv").read_bytes()
    hidden = tmp_path / "frames.beast"  # the name lies: gzip of CSV
    hidden.write_bytes(gzip.compress(data))
    reader = FileReader(hidden)
    assert reader.format == "csv"
    assert sum(len(b) for b in reader) == 2000


def test_iq_samples_are_refused_with_a_reason(shared_data: Path) -> None:
    with pytest.raises(SourceError, match="raw I/Q samples"):
        FileReader(shared_data / "modes" / "modes1.bin")


def test_untimed_avr_frames_are_paced_by_position_squitters(shared_data: Path) -> None:
    reader = FileReader(shared_data / "modes" / "modes1_expected.avr.txt", start_s=1000.0)
    batch = FrameBatch.concat(list(reader))
    t = batch.time_s
    assert t.size == 217
    assert t[0] == 1000.0 and np.all(np.diff(t) >= UNTIMED_STEP_S - 1e-9)
    squitters = int(position_squitters(batch.payload, batch.length).sum())
    assert squitters > 2  # one aircraft: the clock moves 0.5 s per squitter after its first
    assert t[-1] == pytest.approx(1000.0 + (squitters - 1) * SQUITTER_INTERVAL_S, abs=1e-3)


def test_a_huge_line_is_one_bad_line_quoted_short(tmp_path: Path) -> None:
    big = b"1.0," + b"x" * (MAX_LINE_BYTES * 3)
    data = b"1.5,8d4840d6202cc371c32ce0576098\n" + big + b"\n2.5,5d4840d6a1b2c3\n"
    stream = FrameStream(_Chunky(data, 3, 1 << 20), "big")  # type: ignore[arg-type]
    blocks = list(stream)
    bad = [b for blk in blocks for b in blk.bad]
    lines = np.concatenate([blk.line for blk in blocks])
    assert [b.line for b in bad] == [2] and len(bad[0].text) <= 203
    assert lines.tolist() == [1, 3]


def test_one_line_json_array_is_read(tmp_path: Path) -> None:
    items = [{"ts": 10.0 + i, "hex": "8d4840d6202cc371c32ce0576098"} for i in range(1000)]
    items[5] = {"ts": 1.0}
    path = tmp_path / "array.json"
    path.write_text(json.dumps(items))
    reader = FileReader(path)
    assert reader.format == "jsonl"
    t = np.concatenate([b.time_s for b in reader])
    assert t.size == 999 and t[0] == 10.0
    assert reader.counters.bad_line_numbers == [(6, "no hex field")]


_TIME = st.one_of(
    st.floats(0, 4e9, allow_nan=False).map(lambda v: repr(v)),
    st.integers(0, 10**12).map(str),
    st.sampled_from(["", "x", "1e9", "-5", "+3.25", "1.2.3", '"17.5"', " 9.25 ", "nan", "1_0"]),
)
_HEX = st.one_of(
    st.integers(0, 13).flatmap(lambda k: st.text(HEXDIGITS, min_size=2 * k, max_size=2 * k)),
    st.sampled_from([4, 14, 28]).flatmap(lambda k: st.text(HEXDIGITS, min_size=k, max_size=k)),
    st.sampled_from([20, 30, 44]).flatmap(
        lambda k: st.text(HEXDIGITS, min_size=k, max_size=k).map(lambda h: "1a" + h)
    ),
    st.text("0123456789abcdefxyz ,;\"'*@", max_size=40),
)
_LINE = st.tuples(_TIME, st.lists(_HEX, min_size=0, max_size=4), st.sampled_from(["", "\r", " "]))


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=40), st.booleans())
def test_random_lines_match_the_reference(lines: list, timed: bool) -> None:
    text = "\n".join(
        ",".join(([t] if timed else []) + fields) + end for t, fields, end in lines
    ).encode()
    fmt = "csv" if timed else "hex"
    good, bad = _reference(text, fmt)
    block = parse_lines(text, 1, timed=timed, header_possible=True)
    assert _same(_as_rows(block.frames, block.line), _ref_rows(good))
    assert [b.line for b in block.bad] == bad
