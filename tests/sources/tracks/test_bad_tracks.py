"""Hostile and broken track files (issue 18): clear errors naming the limit or the problem,
never a traceback; impossible values made unknown and reported; good rows around bad ones kept.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import SourceError
from skytrace.sources.tracks import read_tracks

T0 = 1_694_484_000.0  # 2023-09-12 02:00 UTC


def trace(path: Path, rows: list[list[object]], icao: object = "7277cf") -> Path:
    path.write_text(json.dumps({"icao": icao, "timestamp": T0, "trace": rows}))
    return path


def good_row(dt: float) -> list[object]:
    return [dt, 39.2 + dt / 1e4, 125.6, 12_000, 420.0, 45.0, 0, 1_500, None, "adsb_icao", 12_300]


@pytest.mark.parametrize("icao", ["1ffffffff", "-1", "zz", "", "1000000"])
def test_readsb_addresses_that_are_not_24_bits_are_a_clear_error(
    tmp_path: Path, icao: object
) -> None:
    path = trace(tmp_path / "trace_full_x.json", [good_row(0)], icao)
    with pytest.raises(SourceError, match="ICAO address"):
        read_tracks(path, "readsb")


def test_deeply_nested_json_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / "trace_full_deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SourceError, match="nested too deeply"):
        read_tracks(deep, "readsb")
    fr24 = tmp_path / "deep.json"
    fr24.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    with pytest.raises(SourceError, match="nested too deeply"):
        read_tracks(fr24, "fr24")


def test_values_no_aircraft_has_are_made_unknown_and_reported(tmp_path: Path) -> None:
    rows = [good_row(k * 10.0) for k in range(6)]
    rows[1][3] = 1e12  # altitude
    rows[2][3] = -99_999
    rows[3][4] = 1e308 * 10  # json.dumps writes Infinity: an infinite speed
    rows[4][7] = -1e9  # vertical rate
    rows[5][0] = float("nan")  # no time at all: the row cannot be kept
    f = read_tracks(trace(tmp_path / "trace_full_v.json", rows), "readsb")
    assert len(f.positions) == 5
    p = f.positions
    assert np.isnan(p["altitude_ft"][1:3]).all() and p["altitude_ft"][0] == 12_000
    assert math.isnan(p["groundspeed_kt"][3]) and p["groundspeed_kt"][0] == 420
    assert math.isnan(p["vertical_rate_fpm"][4])
    reasons = {(b.line, b.kept): b.reason for b in f.bad}
    assert "altitude_ft" in reasons[(2, True)] and "altitude_ft" in reasons[(3, True)]
    assert "groundspeed_kt" in reasons[(4, True)]
    assert "vertical_rate_fpm" in reasons[(5, True)]
    assert "time" in reasons[(6, False)]


def test_csv_values_out_of_range_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "states.csv"
    lines = ["time,icao24,lat,lon,baroaltitude,geoaltitude,velocity,heading,vertrate"]
    lines.append(f"{T0},3c6444,52.0,4.0,3000,3050,200,90,5")
    lines.append(f"{T0 + 10},3c6444,52.1,4.1,inf,3050,inf,400,-inf")
    f = read_tracks_written(path, lines)
    assert len(f.positions) == 2
    second = f.positions[1]
    assert all(math.isnan(second[k]) for k in ("altitude_ft", "groundspeed_kt", "track_deg"))
    assert math.isnan(second["vertical_rate_fpm"])
    assert sum(b.kept for b in f.bad) == 4


def read_tracks_written(path: Path, lines: list[str]):  # type: ignore[no-untyped-def]
    path.write_text("\n".join(lines) + "\n")
    return read_tracks(path, "opensky")


def test_gzip_bomb_stops_at_the_input_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKYTRACE_MAX_INPUT_MB", "4")
    bomb = tmp_path / "trace_full_bomb.json.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(b'{"icao": "7277cf", "timestamp": 0, "trace": [' + b" " * (16 << 20) + b"]}")
    assert bomb.stat().st_size < 100_000
    with pytest.raises(SourceError, match=r"more than 4 MiB .*SKYTRACE_MAX_INPUT_MB"):
        read_tracks(bomb, "readsb")
    monkeypatch.setenv("SKYTRACE_MAX_INPUT_MB", "32")
    assert read_tracks(bomb, "readsb").rows_read == 0  # a raised limit lets it through


def test_too_many_rows_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYTRACE_MAX_INPUT_ROWS", "1000")
    rows = [good_row(float(k)) for k in range(1001)]
    path = trace(tmp_path / "trace_full_long.json", rows)
    with pytest.raises(SourceError, match=r"more than 1,000 rows.*SKYTRACE_MAX_INPUT_ROWS"):
        read_tracks(path, "readsb")
    lines = ["time,icao24,lat,lon,baroaltitude"] + [
        f"{T0 + k},3c6444,52.0,4.0,3000" for k in range(1001)
    ]
    with pytest.raises(SourceError, match="more than 1,000 rows"):
        read_tracks_written(tmp_path / "long.csv", lines)
    assert len(read_tracks(trace(tmp_path / "trace_full_ok.json", rows[:1000]), "readsb")
               .positions) == 1000  # fmt: skip
