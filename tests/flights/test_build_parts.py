"""Pieces of build_flights that replace slower equivalents: they must give the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.flights.build import _step_km
from skytrace.flights.columns import Cols
from skytrace.flights.record import edge_rows
from skytrace.geo import haversine_km
from skytrace.model import POSITION_DTYPE


def test_step_km_equals_haversine_of_consecutive_rows_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    lat = rng.uniform(-89.0, 89.0, 5001)
    lon = rng.uniform(-180.0, 180.0, 5001)
    lat[::97] = np.nan  # unknown positions stay NaN, as in haversine_km
    lon[5] = 179.99
    lon[6] = -179.99  # across the antimeridian
    expected = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    assert np.array_equal(_step_km(lat, lon), expected, equal_nan=True)


def test_edge_rows_read_time_position_and_altitude_of_the_rows() -> None:
    rows = np.zeros(4, POSITION_DTYPE)
    rows["time_s"] = [10.0, 20.0, 30.0, 40.0]
    rows["lat"] = [1.5, 2.5, 3.5, 4.5]
    rows["lon"] = [-1.0, -2.0, -3.0, -4.0]
    rows["altitude_ft"] = [100.0, np.nan, 300.0, 400.0]
    (a, b) = edge_rows(Cols.from_rows(rows), np.array([3, 1]))
    assert (a.time_s, a.lat, a.lon, a.altitude_ft) == (40.0, 4.5, -4.0, 400.0)
    assert (b.time_s, b.lat, b.lon) == (20.0, 2.5, -2.0)
    assert np.isnan(b.altitude_ft)
    assert all(type(v) is float for v in (*a, *b))


def test_inferred_choice_keeps_the_best_five_of_many_candidates_in_score_order() -> None:
    from skytrace.flights.airports import FieldIndex, InferredPoints, RunwayFitChoice
    from tests.flights.fakes import airports

    ap = airports()
    fields = FieldIndex(ap)
    # over the London area (dozens of fields within 80 km) and mid-Atlantic (none)
    pts = InferredPoints(
        lat=np.array([51.5, 45.0, 51.6]),
        lon=np.array([-0.2, -30.0, -0.1]),
        altitude_ft=np.array([5000.0, 5000.0, 4000.0]),
        track_deg=np.array([270.0, 90.0, np.nan]),
        groundspeed_kt=np.array([220.0, 220.0, 200.0]),
        rate_fpm=np.array([1500.0, 1500.0, -1200.0]),
        takeoff=np.array([True, True, False]),
    )
    london, ocean, london2 = RunwayFitChoice().choose_inferred_many(ap, fields, pts, 80.0, 15000.0)
    assert ocean.airport is None and ocean.candidates == ()
    for choice, k in ((london, 0), (london2, 2)):
        assert len(choice.candidates) == 5
        scores = [c[2] for c in choice.candidates]
        assert scores == sorted(scores, reverse=True)
        assert choice.airport.icao == choice.candidates[0][0]
        assert all(d <= 80.0 for _, d, _ in choice.candidates)
        assert round(choice.distance_km, 2) == choice.candidates[0][1]
        # more fields are within reach than are listed
        assert len(ap.near(float(pts.lat[k]), float(pts.lon[k]), 80.0)) > 5


def test_step_km_over_several_chunks_and_tiny_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    from skytrace.flights import build

    monkeypatch.setattr(build, "_CHUNK_ROWS", 7)
    rng = np.random.default_rng(12)
    for n in (1, 2, 7, 8, 9, 50):
        lat, lon = rng.uniform(-60, 60, n), rng.uniform(-180, 180, n)
        expected = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
        assert np.array_equal(_step_km(lat, lon), expected)


def test_indexed_airports_near_equals_the_reference_near() -> None:
    from skytrace.flights.airports import FieldIndex, IndexedAirports
    from tests.flights.fakes import airports

    ap = airports()
    indexed = IndexedAirports(ap, FieldIndex(ap))
    for lat, lon, radius in ((52.31, 4.76, 8.0), (51.5, -0.2, 30.0), (45.0, -30.0, 8.0)):
        got = indexed.near(lat, lon, radius)
        want = ap.near(lat, lon, radius)
        assert sorted((a.icao, d) for a, d in got) == sorted((a.icao, d) for a, d in want)
        assert [d for _, d in got] == sorted(d for _, d in got)
    assert indexed.near(52.31, 4.76, 8.0)[0][0] is indexed.near(52.31, 4.76, 8.0)[0][0]
    assert indexed.near(float("nan"), 4.76, 8.0) == []


def test_airborne_rank_and_row_equal_searching_the_airborne_rows() -> None:
    from skytrace.flights.segment import Complement

    rng = np.random.default_rng(13)
    for n, p_ground in ((1, 0.5), (40, 0.0), (40, 0.3), (500, 0.05), (500, 0.9)):
        ground = rng.random(n) < p_ground
        air_idx = np.flatnonzero(~ground)
        airborne = Complement(ground)
        x = np.arange(n + 1)
        assert airborne.size == air_idx.size
        assert np.array_equal(airborne.rank(x), np.searchsorted(air_idx, x))
        q = np.arange(air_idx.size)
        assert np.array_equal(airborne.row(q), air_idx)


def test_words_compare_like_the_byte_strings() -> None:
    from skytrace.flights.build import _words

    cs = np.array([b"", b"KOR151", b"KOR151", b"KOR15", b"A", b"", b"ABCDEFGH"], "S8")
    w = _words(cs)
    assert w.dtype == np.uint64
    assert np.array_equal(w[1:] != w[:-1], cs[1:] != cs[:-1])
    assert np.array_equal(w != _words(np.zeros(1, cs.dtype))[0], cs != b"")
    sq = np.array([b"7700", b"7500", b"1200", b"", b"770"], "S4")
    codes = np.array([b"7500", b"7600", b"7700"], "S4")
    assert np.array_equal(np.isin(_words(sq), _words(codes)), np.isin(sq, codes))
    wide = np.array([b"x"], "S9")
    assert _words(wide) is wide  # no integer of that width: compared as strings
