"""``skytrace import``: track files -> flights in the store; errors are clear."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from skytrace.cli.main import main
from skytrace.store import open_reader
from tests.flights.test_detect import koryo
from tests.sources.tracks.test_tracks import write_opensky


@pytest.fixture(scope="module")
def koryo_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    rows, _ = koryo()
    path = tmp_path_factory.mktemp("import") / "states.csv"
    write_opensky(path, rows)
    with path.open("a") as fh:
        fh.write("1694487000,7277cf,not-a-latitude,130.0,,,,,False,,,,,,,\n")
    return path, rows


def test_import_finds_the_flight_and_stores_it(tmp_path: Path, koryo_csv, capsys) -> None:
    path, rows = koryo_csv
    assert main(["import", str(path), "--json", "--data-dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    (f,) = out["files"]
    assert f["format"] == "opensky" and f["positions"] == len(rows)
    assert [b["line"] for b in f["bad"] if not b["kept"]] == [len(rows) + 2]
    (flight,) = out["flights"]
    assert (flight["from"], flight["to"]) == ("ZKPY", "UHWW")
    reader = open_reader(tmp_path)
    try:
        stored = reader.flight(flight["flight_id"])
        assert stored.departure.method == "inferred" and stored.arrival.method == "observed"
        pos = reader.positions(0x7277CF, stored.first_seen_s, stored.last_seen_s)
        assert len(pos) == stored.n_positions
    finally:
        reader.close()
    assert main(["facts", flight["flight_id"], "--data-dir", str(tmp_path)]) == 0
    assert "Vladivostok" in capsys.readouterr().out


def test_import_table_output(tmp_path: Path, koryo_csv, capsys) -> None:
    path, _ = koryo_csv
    assert main(["import", str(path), "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 bad rows dropped" in out and "latitude missing or out of range" in out
    assert "ZKPY (inferred)" in out and "UHWW" in out


def test_import_errors(tmp_path: Path, capsys) -> None:
    assert main(["import", str(tmp_path / "nope.csv"), "--data-dir", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\xff\x00garbage")
    assert main(["import", str(junk), "--data-dir", str(tmp_path)]) == 4
    assert "skytrace import: error:" in capsys.readouterr().err
    fr = tmp_path / "fr.csv"
    fr.write_text("Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n")
    assert main(["import", str(fr), "--icao24", "xyz", "--data-dir", str(tmp_path)]) == 2
    assert "not a hexadecimal address" in capsys.readouterr().err
