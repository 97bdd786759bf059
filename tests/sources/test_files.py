"""Recorded files: every format, gzip, detection, bad lines with line numbers, truncation."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import SourceError
from skytrace.sources.files import FileReader, detect_format, iter_file_batches

LONG = "8d4840d6202cc371c32ce0576098"
SHORT = "5d4840d6a1b2c3"


def read_all(path: Path, **kw: object) -> tuple[list[str], list[float], FileReader]:
    reader = FileReader(path, **kw)  # type: ignore[arg-type]
    msgs: list[str] = []
    times: list[float] = []
    for b in reader:
        msgs += [b.message_bytes(i).hex() for i in range(len(b))]
        times += b.time_s.tolist()
    return msgs, times, reader


def test_long_flight_csv_all_frames_with_counter_and_signal(shared_data: Path) -> None:
    path = shared_data / "modes" / "long_flight.csv"
    lines = path.read_text().split()
    reader = FileReader(path, batch_frames=50_000)
    assert reader.format == "csv"
    batches = list(reader)
    assert [len(b) for b in batches] == [50_000, 50_000, 50_000, 22_432]
    first = batches[0]
    ts, frame = lines[0].split(",")
    assert first.time_s[0] == float(ts)
    assert first.message_bytes(0).hex() == frame[18:]
    assert int(first.receiver_ticks[0]) == int(frame[4:16], 16)
    assert first.signal_dbfs[0] == pytest.approx(20 * np.log10(int(frame[16:18], 16) / 255))
    assert reader.counters.frames == len(lines) and reader.counters.bad_lines == 0


def test_beast_file_plain_and_gzip_same_frames(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "modes" / "sample_dump1090.beast"
    gz = tmp_path / "s.beast.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    a, ta, ra = read_all(src, start_s=1000.0)
    b, tb, rb = read_all(gz, start_s=1000.0)
    assert ra.format == rb.format == "beast"
    assert a == b and len(a) == 239
    assert ta == tb
    assert ta[0] == 1000.0
    assert 20 < ta[-1] - ta[0] < 30  # the sample spans about 24 s of its 12 MHz counter
    assert all(x <= y for x, y in itertools.pairwise(ta))


def test_truncated_beast_and_truncated_gzip_keep_what_was_read(
    shared_data: Path, tmp_path: Path
) -> None:
    data = (shared_data / "modes" / "sample_dump1090.beast").read_bytes()
    cut = tmp_path / "cut.beast"
    cut.write_bytes(data[:-5])
    msgs, _, reader = read_all(cut)
    assert len(msgs) == 238
    assert reader.counters.bad_lines == 1
    assert reader.counters.bad_line_numbers == [
        (-1, "truncated Beast frame at the end of the file")
    ]
    gz = tmp_path / "cut.beast.gz"
    gz.write_bytes(gzip.compress(data)[:-30])
    msgs, _, reader = read_all(gz, format="beast")
    assert 0 < len(msgs) <= 239
    assert reader.counters.bad_lines >= 1


def test_avr_file_cut_mid_record_keeps_the_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "cut.avr"
    path.write_text(f"*{LONG};\n*{SHORT};\n*{LONG[:10]}")
    msgs, _, reader = read_all(path, format="avr")
    assert msgs == [LONG, SHORT]
    assert reader.counters.bad_line_numbers == [
        (3, "unterminated AVR record at the end of the file")
    ]


def test_avr_file_and_detection(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(f"*{LONG};\r\n@000000B71B00{SHORT};\r\n")
    assert detect_format(path) == "avr"
    msgs, times, _ = read_all(path, start_s=50.0)
    assert msgs == [LONG, SHORT]
    assert times[0] == 50.0


def test_csv_with_header_bom_quotes_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(
        (
            "\ufeffts,icao,hex\n"
            f'1.5,4840D6,"{LONG}"\n'
            "2.5,4840D6,zzzz\n"  # no hex field: bad, line 3
            "abc,4840D6,{LONG}\n"  # bad time, line 4
            f"3.5,4840D6,{SHORT}\n"
        ).encode()
    )
    msgs, times, reader = read_all(path)
    assert msgs == [LONG, SHORT]
    assert times == [1.5, 3.5]
    assert reader.counters.bad_lines == 2
    assert [n for n, _ in reader.counters.bad_line_numbers] == [3, 4]


def test_jsonl_gzip_with_bad_lines(tmp_path: Path) -> None:
    rows = [
        json.dumps({"ts": 10.0, "hex": LONG}),
        "{not json",
        json.dumps({"ts": 11.0, "msg": SHORT}),
        json.dumps({"ts": 12.0, "hex": "abc"}),
        json.dumps({"time": 13.0}),
    ]
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode()))
    assert detect_format(path) == "jsonl"
    msgs, times, reader = read_all(path)
    assert msgs == [LONG, SHORT] and times == [10.0, 11.0]
    assert [n for n, _ in reader.counters.bad_line_numbers] == [2, 4, 5]


def test_golden_vectors_jsonl(shared_data: Path) -> None:
    msgs = [m for b in iter_file_batches(shared_data / "modes" / "golden_vectors.jsonl")
            for m in (b.message_bytes(i).hex() for i in range(len(b)))]  # fmt: skip
    expected = [
        json.loads(ln)["msg"].lower()
        for ln in (shared_data / "modes" / "golden_vectors.jsonl").read_text().splitlines()
    ]
    assert msgs == [m for m in expected if len(m) in (4, 14, 28)]


def test_unescaped_beast_binary_detected(shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / "modes" / "long_flight.csv").read_text().split()[:5000]
    frames = [bytes.fromhex(ln.split(",")[1]) for ln in lines]
    path = tmp_path / "raw.bin"
    path.write_bytes(b"".join(frames))
    assert detect_format(path) == "beast-raw"
    msgs, _, reader = read_all(path)
    assert msgs == [f[9:].hex() for f in frames]
    assert reader.counters.bad_lines == 0


def test_errors_for_missing_empty_unknown(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        FileReader(tmp_path / "nope.beast")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        FileReader(empty)
    prose = tmp_path / "prose.txt"
    prose.write_text("hello world\nthis is not frames\n")
    with pytest.raises(SourceError, match="unknown format"):
        FileReader(prose)
    binary = tmp_path / "noise.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(SourceError, match="unknown format"):
        FileReader(binary)
    with pytest.raises(SourceError, match="unknown format 'xml'"):
        FileReader(prose, format="xml")
