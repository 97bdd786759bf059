"""Readers of decoded-track files: units, formats, bad rows with line numbers, clear errors."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skytrace.errors import SourceError
from skytrace.flights import detect_flights
from skytrace.sources.tracks import TrackFormat, detect_format, read_tracks
from tests.flights import fakes
from tests.flights import trackgen as g
from tests.flights.test_detect import T0, rwy


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    rows, _ = g.fly(
        0x3C6444,
        g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")),
        T0,
        step_s=10,
        callsign="KLM1234",
        squawk="7700",
    )
    return rows


def _nan(x: float) -> str:
    return "" if x != x else repr(float(x))


def write_opensky(path: Path, rows: np.ndarray) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "time",
                "icao24",
                "lat",
                "lon",
                "velocity",
                "heading",
                "vertrate",
                "callsign",
                "onground",
                "alert",
                "spi",
                "squawk",
                "baroaltitude",
                "geoaltitude",
                "lastposupdate",
                "lastcontact",
            ]
        )
        for r in rows:
            w.writerow(
                [
                    int(r["time_s"]),
                    f"{int(r['icao24']):06x}",
                    r["lat"],
                    r["lon"],
                    _nan(r["groundspeed_kt"] * 1852 / 3600),
                    _nan(r["track_deg"]),
                    _nan(r["vertical_rate_fpm"] * 0.3048 / 60),
                    r["callsign"].decode().ljust(8),
                    str(bool(r["onground"])),
                    "False",
                    "False",
                    r["squawk"].decode(),
                    _nan(r["altitude_ft"] * 0.3048),
                    "",
                    r["time_s"],
                    r["time_s"],
                ]
            )


def _check(got: np.ndarray, want: np.ndarray) -> None:
    assert len(got) == len(want)
    assert np.array_equal(got["icao24"], want["icao24"])
    assert np.allclose(got["time_s"], np.round(want["time_s"]), atol=1)
    assert np.allclose(got["lat"], want["lat"], atol=1e-6)
    air = ~want["onground"]
    assert np.allclose(got["altitude_ft"][air], want["altitude_ft"][air], atol=1.0)
    ok = np.isfinite(want["groundspeed_kt"])
    assert np.allclose(got["groundspeed_kt"][ok], want["groundspeed_kt"][ok], atol=0.5)
    assert np.array_equal(got["onground"], want["onground"])


def _flight_found(positions: np.ndarray) -> None:
    flights, _ = detect_flights(positions, airports=fakes.airports())
    assert [(f.departure.icao, f.arrival.icao) for f in flights] == [("LFBO", "EHAM")]


def test_opensky_csv_is_converted_from_si_units(tmp_path: Path, truth: np.ndarray) -> None:
    path = tmp_path / "states.csv"
    write_opensky(path, truth)
    assert detect_format(path) == TrackFormat.OPENSKY
    tf = read_tracks(path)
    assert tf.bad == [] and tf.rows_read == len(truth)
    _check(tf.positions, truth)
    assert tf.positions["callsign"][0] == b"KLM1234" and tf.positions["squawk"][0] == b"7700"
    _flight_found(tf.positions)


def test_bad_rows_are_counted_with_line_numbers_and_good_rows_kept(
    tmp_path: Path, truth: np.ndarray
) -> None:
    path = tmp_path / "states.csv"
    write_opensky(path, truth)
    lines = path.read_text().splitlines()
    lines[4] = "garbage,,,"  # file line 5
    lines[9] = lines[9].replace(f"{int(truth['icao24'][0]):06x}", "zzzzzz")  # line 10
    parts = lines[20].split(",")
    parts[4] = "fast"  # line 21: unreadable speed, position kept
    lines[20] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n")
    tf = read_tracks(path)
    dropped = [(b.line, b.reason) for b in tf.bad if not b.kept]
    assert dropped == [(5, "bad time"), (10, "bad icao24")]
    kept = [b for b in tf.bad if b.kept]
    assert [b.line for b in kept] == [21] and "velocity" in kept[0].reason
    assert len(tf.positions) == len(truth) - 2
    assert np.isnan(tf.positions["groundspeed_kt"][17])  # line 21 = row 19, two dropped before


def test_traffic_parquet_and_iso_csv(tmp_path: Path, truth: np.ndarray) -> None:
    table = pa.table(
        {
            "timestamp": pa.array(
                [datetime.fromtimestamp(int(t), UTC) for t in truth["time_s"]],
                pa.timestamp("ms", "UTC"),
            ),
            "icao24": [f"{int(x):06x}" for x in truth["icao24"]],
            "latitude": truth["lat"],
            "longitude": truth["lon"],
            "altitude": truth["altitude_ft"].astype(float),
            "groundspeed": truth["groundspeed_kt"].astype(float),
            "track": truth["track_deg"].astype(float),
            "vertical_rate": truth["vertical_rate_fpm"].astype(float),
            "callsign": [c.decode() for c in truth["callsign"]],
            "onground": truth["onground"],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    tf = read_tracks(tmp_path / "t.parquet")
    assert tf.format == TrackFormat.TRAFFIC and tf.bad == []
    _check(tf.positions, truth)
    with (tmp_path / "t.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "timestamp",
                "icao24",
                "latitude",
                "longitude",
                "altitude",
                "groundspeed",
                "track",
                "vertical_rate",
                "callsign",
                "onground",
            ]
        )
        for r in truth:
            iso = datetime.fromtimestamp(int(r["time_s"]), UTC).strftime("%Y-%m-%d %H:%M:%S")
            w.writerow(
                [
                    iso,
                    f"{int(r['icao24']):06x}",
                    r["lat"],
                    r["lon"],
                    _nan(r["altitude_ft"]),
                    _nan(r["groundspeed_kt"]),
                    _nan(r["track_deg"]),
                    _nan(r["vertical_rate_fpm"]),
                    "KLM1234",
                    bool(r["onground"]),
                ]
            )
    tf2 = read_tracks(tmp_path / "t.csv")
    _check(tf2.positions, truth)
    _flight_found(tf2.positions)


def test_fr24_csv_needs_the_address_and_reads_position_pairs(
    tmp_path: Path, truth: np.ndarray
) -> None:
    path = tmp_path / "KL1234_3c6444.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", "UTC", "Callsign", "Position", "Altitude", "Speed", "Direction"])
        for r in truth:
            utc = datetime.fromtimestamp(int(r["time_s"]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            alt = 0 if r["onground"] else round(float(r["altitude_ft"]))
            w.writerow(
                [
                    int(r["time_s"]),
                    utc,
                    "KLM1234",
                    f"{r['lat']:.6f},{r['lon']:.6f}",
                    alt,
                    round(float(np.nan_to_num(r["groundspeed_kt"]))),
                    round(float(np.nan_to_num(r["track_deg"]))),
                ]
            )
    assert detect_format(path) == TrackFormat.FR24
    with pytest.raises(SourceError, match="--icao24"):
        read_tracks(path)
    tf = read_tracks(path, icao24=0x3C6444)
    assert tf.bad == []
    assert np.array_equal(tf.positions["onground"], truth["onground"])
    climbing = tf.positions["vertical_rate_fpm"][(tf.positions["time_s"] > T0 + 400)][:5]
    assert (climbing > 500).all()  # derived from consecutive altitudes
    _flight_found(tf.positions)


def test_fr24_json_playback(tmp_path: Path, truth: np.ndarray) -> None:
    track = [
        {
            "latitude": float(r["lat"]),
            "longitude": float(r["lon"]),
            "altitude": {"feet": 0 if r["onground"] else round(float(r["altitude_ft"]))},
            "speed": {"kts": round(float(np.nan_to_num(r["groundspeed_kt"])))},
            "verticalSpeed": {"fpm": round(float(r["vertical_rate_fpm"]))},
            "heading": round(float(np.nan_to_num(r["track_deg"]))),
            "squawk": "7700",
            "timestamp": int(r["time_s"]),
        }
        for r in truth
    ]
    track[3] = {"latitude": "north", "timestamp": 5}
    doc = {
        "result": {
            "response": {
                "data": {
                    "flight": {
                        "identification": {"callsign": "KLM1234"},
                        "aircraft": {"identification": {"modes": "3C6444"}},
                        "track": track,
                    }
                }
            }
        }
    }
    path = tmp_path / "fr24.json"
    path.write_text(json.dumps(doc))
    tf = read_tracks(path)
    assert tf.format == TrackFormat.FR24
    assert [(b.line, b.kept) for b in tf.bad] == [(4, False)]
    assert len(tf.positions) == len(truth) - 1 and (tf.positions["icao24"] == 0x3C6444).all()
    _flight_found(tf.positions)


def test_readsb_trace_full_gzip(tmp_path: Path, truth: np.ndarray) -> None:
    base = float(truth["time_s"][0])
    trace = []
    for i, r in enumerate(truth):
        details = {"flight": "KLM1234 ", "squawk": "7700"} if i == 0 else None
        alt = "ground" if r["onground"] else round(float(r["altitude_ft"]))
        trace.append(
            [
                float(r["time_s"]) - base,
                float(r["lat"]),
                float(r["lon"]),
                alt,
                float(np.nan_to_num(r["groundspeed_kt"])),
                float(np.nan_to_num(r["track_deg"])),
                0,
                None if r["onground"] else round(float(r["vertical_rate_fpm"])),
                details,
                "adsb_icao",
                None,
            ]
        )
    trace.insert(5, ["x", 1, 2])
    path = tmp_path / "trace_full_3c6444.json"
    path.write_bytes(
        gzip.compress(json.dumps({"icao": "3c6444", "timestamp": base, "trace": trace}).encode())
    )
    assert detect_format(path) == TrackFormat.READSB
    tf = read_tracks(path)
    assert [(b.line, b.reason) for b in tf.bad] == [(6, "bad trace row")]
    _check(tf.positions, truth)
    assert (tf.positions["callsign"] == b"KLM1234").all()
    assert (tf.positions["source"] == 0).all()
    _flight_found(tf.positions)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02garbage", b"a,b,c\n1,2,3\n"])
def test_unreadable_files_raise_source_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError):
        read_tracks(path)


def test_wrong_format_given_names_the_missing_columns(tmp_path: Path, truth: np.ndarray) -> None:
    path = tmp_path / "states.csv"
    write_opensky(path, truth[:10])
    with pytest.raises(SourceError, match="missing column"):
        read_tracks(path, format="traffic")
    with pytest.raises(SourceError, match="cannot read"):
        read_tracks(tmp_path / "missing.csv", format="opensky")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SourceError):
        read_tracks(tmp_path / "bad.json")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 nope")
    with pytest.raises(SourceError):
        read_tracks(tmp_path / "bad.parquet")
