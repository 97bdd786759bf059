from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import RefdataError
from skytrace.refdata.aircraft import AircraftTable
from skytrace.refdata.aircraft_formats import read_aircraft
from tests.refdata.fixtures import AIRCRAFT_CSV, write_aircraft, write_text


def test_tar1090_csv_gz_with_header(tmp_path: Path) -> None:
    parsed = read_aircraft(write_aircraft(tmp_path))
    assert parsed.format == "tar1090-db csv" and parsed.bad.count == 0
    row = parsed.table.get(0x7277CF)
    assert row is not None
    assert (row.registration, row.typecode, row.description) == ("P-671", "A148", "ANTONOV An-148")
    assert parsed.table.get(0xAE1234).military  # type: ignore[union-attr]
    swiss = parsed.table.get(0x4B1801)
    assert swiss is not None and swiss.flags == 0b1100  # PIA + LADD, not military
    assert parsed.table.get(0x123456) is None


def test_headerless_semicolon_file(tmp_path: Path) -> None:
    text = "7277CF;P-671;A148;00;ANTONOV An-148;2013;;\n7277D0;P-672;A148;10;ANTONOV An-148;;\n"
    parsed = read_aircraft(write_text(tmp_path, "aircraft.csv", text))
    assert parsed.format.startswith("tar1090-db csv (headerless)")
    assert len(parsed.table) == 2
    assert parsed.table.get(0x7277D0).military  # type: ignore[union-attr]


def test_opensky_database_with_operator(tmp_path: Path) -> None:
    text = (
        "'icao24','registration','manufacturericao','manufacturername','model','typecode',"
        "'operator','operatoricao'\n"
        "'7277cf','P-671','ANTONOV','Antonov','An-148-100B','A148','Air Koryo','KOR'\n"
    )
    parsed = read_aircraft(write_text(tmp_path, "aircraftDatabase.csv", text))
    row = parsed.table.get(0x7277CF)
    assert parsed.format == "opensky csv"
    assert row is not None and row.operator_icao == "KOR" and row.operator_name == "Air Koryo"
    assert row.description == "Antonov An-148-100B"


def test_plain_csv_with_boolean_flags(tmp_path: Path) -> None:
    text = "hex,reg,type,military,ladd\nae0001,10-0001,C17,yes,0\nA00001,N1,C172,false,1\n"
    parsed = read_aircraft(write_text(tmp_path, "mine.csv", text))
    assert parsed.format == "csv"
    assert parsed.table.get(0xAE0001).military  # type: ignore[union-attr]
    assert parsed.table.get(0xA00001).flags == 8  # type: ignore[union-attr]


def test_json_blocks_directory(tmp_path: Path) -> None:
    blocks = tmp_path / "db"
    blocks.mkdir()
    (blocks / "72.js").write_text(
        json.dumps(
            {
                "77CF": {"r": "P-671", "t": "A148", "f": "00", "desc": "ANTONOV An-148"},
                "77D0": ["P-672", "A148", "10", "ANTONOV An-148"],
                "XYZQ": ["bad"],
                "children": ["720", "721"],
            }
        )
    )
    parsed = read_aircraft(blocks)
    assert parsed.format == "tar1090-db json blocks"
    assert parsed.table.get(0x7277CF).registration == "P-671"  # type: ignore[union-attr]
    assert parsed.table.get(0x7277D0).military  # type: ignore[union-attr]
    assert parsed.bad.count == 1 and parsed.bad.kept[0].where == "entry"


def test_bad_lines_are_reported_by_number_and_good_rows_kept(tmp_path: Path) -> None:
    text = AIRCRAFT_CSV + "ZZZZZZ,BAD,,00,\n\n12345,SHORT\n7277CF,P-671X,A148,00,later row wins\n"
    parsed = read_aircraft(write_aircraft(tmp_path, text))
    assert [b.line for b in parsed.bad.kept] == [6, 8]
    assert "six hex digits" in parsed.bad.kept[0].reason
    assert len(parsed.table) == 4 and parsed.duplicates == 1
    assert parsed.table.get(0x7277CF).registration == "P-671X"  # type: ignore[union-attr]


def test_truncated_gzip_keeps_rows_read_before_the_break(tmp_path: Path) -> None:
    rows = "".join(f"{0x100000 + i:06X},R-{i},B738,00,BOEING 737-800\n" for i in range(20000))
    path = write_aircraft(tmp_path, "icao24,registration,typecode,flags,description\n" + rows)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    parsed = read_aircraft(path)
    assert 0 < len(parsed.table) < 20000
    assert parsed.bad.count == 1 and "unreadable" in parsed.bad.kept[0].reason


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("noaddr.csv", b"registration,typecode\nP-671,A148\n", "no address column"),
        ("garbage.bin", bytes(range(256)) * 4, "no address column"),
        ("onlybad.csv", b"icao24,registration\nnothex,X\n", "no aircraft rows"),
        ("bad.json", b"{not json", "not JSON"),
    ],
)
def test_malformed_files_raise_a_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RefdataError, match=message):
        read_aircraft(path)


def test_missing_file_is_a_refdata_error(tmp_path: Path) -> None:
    with pytest.raises(RefdataError, match="no such file"):
        read_aircraft(tmp_path / "nope.csv.gz")


def test_table_round_trips_and_batch_lookup_matches(tmp_path: Path) -> None:
    table = read_aircraft(write_aircraft(tmp_path)).table
    table.save(tmp_path / "a.npz")
    loaded = AircraftTable.load(tmp_path / "a.npz")
    assert loaded.get(0x7277CF) == table.get(0x7277CF)
    rows = loaded.rows_many(np.array([0x7277CF, 0x000001, 0x4B1801]))
    assert rows[1] == -1 and rows[0] >= 0 and rows[2] >= 0
    regs = loaded.column_many("registration", rows)
    assert list(regs) == ["P-671", "", "HB-JVE"]
    assert loaded.find_registration("p671").icao24 == 0x7277CF  # type: ignore[union-attr]


def test_corrupt_table_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "a.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(RefdataError, match="import it again"):
        AircraftTable.load(path)


def test_fast_and_careful_csv_paths_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import skytrace.refdata.aircraft_formats as formats

    rng = np.random.default_rng(3)
    flags = ["00", "10", "0011", "1", "", "0100"]
    lines = [
        f"{a:06x},r-{a % 977},T{a % 13},{flags[a % 6]}, Type {a % 7} \n"
        for a in rng.integers(0, 1 << 24, 3000)
    ]
    path = write_aircraft(
        tmp_path, "icao24,registration,typecode,flags,description\n" + "".join(lines)
    )
    used: list[bool] = []
    real_fast = formats._read_csv_fast
    monkeypatch.setattr(formats, "_read_csv_fast", lambda p: used.append(True) or real_fast(p))
    fast = read_aircraft(path)
    monkeypatch.setattr(formats, "_read_csv_fast", lambda p: None)
    careful = read_aircraft(path)
    assert used and real_fast(path) is not None  # the clean file took the fast path
    assert fast.duplicates == careful.duplicates
    for a in careful.table.icao24[::97]:
        assert fast.table.get(int(a)) == careful.table.get(int(a))
    assert np.array_equal(fast.table.icao24, careful.table.icao24)
