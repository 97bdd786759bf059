"""CPR decoding: dump1090-fa's cprtests cases (read from shared data), hand-derived edge cases,
the NL table against its generator script, and round trips through a test-local encoder."""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skytrace.decode import cpr
from skytrace.encode import cpr_encode
from tests.conftest import REPO

SCALE = 1 << 17


# ---------------------------------------------------------------- a tiny encoder (test only)
def encode(lat: float, lon: float, odd: bool, surface: bool = False) -> tuple[int, int]:
    """CPR-encode a position with the published formulas (DO-260B §A.1.7.3)."""
    span = 90.0 if surface else 360.0
    i = 1 if odd else 0
    dlat = span / (60 - i)
    yz = math.floor(SCALE * (lat % dlat) / dlat + 0.5)
    rlat = dlat * (yz / SCALE + math.floor(lat / dlat))
    n_i = max(int(cpr.nl(rlat)) - i, 1)
    dlon = span / n_i
    xz = math.floor(SCALE * (lon % dlon) / dlon + 0.5)
    return yz % SCALE, xz % SCALE


def encoded_lat(lat: float, odd: bool, surface: bool = False) -> float:
    span = 90.0 if surface else 360.0
    dlat = span / (60 - int(odd))
    yz = math.floor(SCALE * (lat % dlat) / dlat + 0.5)
    return dlat * (yz / SCALE + math.floor(lat / dlat))


def assert_within_resolution(
    lat: float, lon: float, true_lat: float, true_lon: float, odd: bool, surface: bool
) -> None:
    span = 90.0 if surface else 360.0
    dlat = span / (60 - int(odd))
    n_i = max(int(cpr.nl(lat)) - int(odd), 1)
    dlon = span / n_i
    eps = 1e-9
    assert abs(lat - true_lat) <= dlat / SCALE / 2 + eps
    dlon_err = (lon - true_lon + 180.0) % 360.0 - 180.0
    assert abs(dlon_err) <= dlon / SCALE / 2 + eps
    if abs(true_lat) <= 80.0:
        metres = float(cpr.distance_nm(lat, lon, true_lat, true_lon)) * 1852.0
        assert metres <= (1.3 if surface else 5.0)


# ------------------------------------------------------------------ shared-data conformance
def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_dump1090_global_airborne(shared_data: Path) -> None:
    rows = read_rows(shared_data / "modes" / "cpr_cprGlobalAirborneTests.csv")
    assert rows
    cols = {k: np.array([int(r[k]) for r in rows]) for k in rows[0] if "cpr" in k}
    for latest in ("even", "odd"):
        lat, lon, ok = cpr.airborne_global(
            cols["even_cprlat"],
            cols["even_cprlon"],
            cols["odd_cprlat"],
            cols["odd_cprlon"],
            latest == "odd",
        )
        expected_ok = np.array([r[f"{latest}_result"] == "0" for r in rows])
        np.testing.assert_array_equal(ok, expected_ok)
        np.testing.assert_allclose(lat, [float(r[f"{latest}_rlat"]) for r in rows], atol=1e-6)
        np.testing.assert_allclose(lon, [float(r[f"{latest}_rlon"]) for r in rows], atol=1e-6)


def test_dump1090_global_surface_candidate_choice(shared_data: Path) -> None:
    """dump1090 picks the same quadrant/hemisphere for every reference; we also reject
    all-zero fields and references 45 NM or more away (see docs/cpr.md)."""
    rows = read_rows(shared_data / "modes" / "cpr_cprGlobalSurfaceTests.csv")
    assert len(rows) == 23
    for r in rows:
        raw = [int(r[k]) for k in ("even_cprlat", "even_cprlon", "odd_cprlat", "odd_cprlon")]
        ref = (float(r["reflat"]), float(r["reflon"]))
        for latest in ("even", "odd"):
            odd = latest == "odd"
            lat, lon, ok = cpr.surface_global(*raw, odd, *ref, max_distance_nm=np.inf)
            if not any(raw):
                assert not ok  # all-zero fields: a broken transponder, not a position
                continue
            assert ok
            assert float(lat) == pytest.approx(float(r[f"{latest}_rlat"]), abs=1e-6)
            assert float(lon) == pytest.approx(float(r[f"{latest}_rlon"]), abs=1e-6)
            # With the default 45 NM limit, ok says whether the reference was that close.
            _, _, ok45 = cpr.surface_global(*raw, odd, *ref)
            near = float(cpr.distance_nm(*ref, float(lat), float(lon))) < 45.0
            assert bool(ok45) == near


def test_dump1090_relative(shared_data: Path) -> None:
    rows = read_rows(shared_data / "modes" / "cpr_cprRelativeTests.csv")
    assert len(rows) == 30
    for r in rows:
        decode = cpr.surface_local if r["surface"] == "1" else cpr.airborne_local
        ref = (float(r["reflat"]), float(r["reflon"]))
        args = (int(r["cprlat"]), int(r["cprlon"]), r["fflag"] == "1", *ref)
        lat, lon, ok = decode(*args, max_distance_nm=np.inf)
        assert bool(ok) == (r["result"] == "0")
        assert float(lat) == pytest.approx(float(r["rlat"]), abs=1e-6)
        assert float(lon) == pytest.approx(float(r["rlon"]), abs=1e-6)
        # dump1090 accepts up to half a zone per axis; skytrace also applies the distance limit.
        _, _, ok_default = decode(*args)
        limit = 45.0 if r["surface"] == "1" else 180.0
        assert bool(ok_default) == (float(cpr.distance_nm(*ref, float(lat), float(lon))) < limit)


# ----------------------------------------------------------------------------- NL function
def load_script() -> ModuleType:
    path = REPO / "scripts" / "gen_nl_table.py"
    spec = importlib.util.spec_from_file_location("gen_nl_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nl_table_is_what_the_script_generates() -> None:
    script = load_script()
    assert list(cpr._NL_TRANSITION_LAT_DEG) == script.transition_latitudes_deg()
    text = (REPO / "src" / "skytrace" / "decode" / "cpr.py").read_text(encoding="utf-8")
    assert script.rewrite(text) == text, "run python scripts/gen_nl_table.py"


def test_nl_table_matches_closed_formula_between_edges() -> None:
    table = cpr._NL_TRANSITION_LAT_DEG
    mids = np.concatenate([[0.0], (table[:-1] + table[1:]) / 2])
    a = 1 - math.cos(math.pi / 30)
    for lat in mids:
        closed = math.floor(2 * math.pi / math.acos(1 - a / math.cos(math.radians(lat)) ** 2))
        assert int(cpr.nl(lat)) == closed
        assert int(cpr.nl(-lat)) == closed


def test_nl_at_edges_and_poles() -> None:
    # Published transition latitudes (DO-260B table, 8 decimals).
    assert int(cpr.nl(10.47047129)) == 59
    assert int(cpr.nl(10.47047131)) == 58
    assert int(cpr.nl(cpr._NL_TRANSITION_LAT_DEG[0])) == 58  # exactly at the edge: smaller
    assert int(cpr.nl(86.99999999)) == 2
    assert int(cpr.nl(87.0)) == 1
    assert int(cpr.nl(-87.0)) == 1
    np.testing.assert_array_equal(cpr.nl([90.0, -90.0, 0.0, 52.0, -52.0]), [1, 1, 59, 36, 36])


# ------------------------------------------------------------------ hand-derived edge cases
def pair(lat: float, lon: float, surface: bool = False) -> tuple[int, int, int, int]:
    return (*encode(lat, lon, False, surface), *encode(lat, lon, True, surface))


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (-33.9461, 151.1772),  # southern/eastern: Sydney
        (-22.81, -43.25),  # southern/western: Rio
        (40.64, -73.78),  # northern/western: JFK
        (51.0, 179.999),  # just west of the antimeridian
        (51.0, -179.999),  # just east of it
        (0.001, -0.001),  # equator / prime meridian
        (89.9, 10.0),  # NL = 1 at the pole
        (-89.9, -10.0),
    ],
)
def test_global_airborne_hemispheres_wrap_and_poles(lat: float, lon: float) -> None:
    raw = pair(lat, lon)
    for odd in (False, True):
        d_lat, d_lon, ok = cpr.airborne_global(*raw, odd)
        assert bool(ok)
        assert_within_resolution(float(d_lat), float(d_lon), lat, lon, odd, False)
        assert -180.0 <= float(d_lon) < 180.0


def test_pair_across_zone_boundary_rejected() -> None:
    edge = float(cpr._NL_TRANSITION_LAT_DEG[20])  # some NL edge in mid latitudes
    even = encode(edge - 0.01, 5.0, False)
    odd = encode(edge + 0.01, 5.0, True)
    assert int(cpr.nl(edge - 0.01)) != int(cpr.nl(edge + 0.01))
    lat, lon, ok = cpr.airborne_global(*even, *odd, True)
    assert not bool(ok)
    assert np.isnan(lat) and np.isnan(lon)


def test_all_zero_and_impossible_latitude_rejected() -> None:
    _, _, ok = cpr.airborne_global(0, 0, 0, 0, False)
    assert not bool(ok)
    # 0°N 0°E encodes as all zeros too: the price of rejecting broken transponders.
    assert pair(0.0, 0.0) == (0, 0, 0, 0)
    # Even zone 14 vs odd zone 45 gives a latitude beyond 90°: fields from two positions.
    bad = cpr.airborne_global(70000, 100, 10000, 100, False)
    assert not bool(bad[2])


def test_local_decode_200_nm_off_rejected() -> None:
    ref_lat, ref_lon = 52.0, 4.0
    # 200 NM on a 45° bearing: about 141 NM north and 141 NM east, inside half a zone on
    # both axes, so the decode is the true position, and too far from the reference.
    lat = ref_lat + 141.4 / 60.0
    lon = ref_lon + 141.4 / (60.0 * math.cos(math.radians(ref_lat + 1.2)))
    yz, xz = encode(lat, lon, False)
    d_lat, d_lon, ok = cpr.airborne_local(yz, xz, False, ref_lat, ref_lon)
    assert not bool(ok)
    d_lat, d_lon, ok = cpr.airborne_local(yz, xz, False, ref_lat, ref_lon, max_distance_nm=250.0)
    assert bool(ok)
    assert 195.0 < float(cpr.distance_nm(ref_lat, ref_lon, d_lat, d_lon)) < 205.0


def test_surface_local_beyond_45_nm_rejected() -> None:
    yz, xz = encode(52.0, 4.0, True, surface=True)
    _, _, ok = cpr.surface_local(yz, xz, True, 52.0, 4.0 + 0.7)  # ~26 NM: fine
    assert bool(ok)
    _, _, ok = cpr.surface_local(yz, xz, True, 52.74, 4.0)  # ~44 NM lat: fine
    assert bool(ok)
    # 42 NM north and 44 NM east: inside half a zone on each axis, so the decode is right,
    # but about 61 NM away.
    lat, lon, far = cpr.surface_local(yz, xz, True, 52.7, 5.2)
    assert not bool(far)
    lat, lon, ok = cpr.surface_local(yz, xz, True, 52.7, 5.2, max_distance_nm=70.0)
    assert bool(ok)
    assert_within_resolution(float(lat), float(lon), 52.0, 4.0, True, True)


def test_surface_global_reference_per_aircraft_picks_quadrant() -> None:
    # The same raw pair decodes in whichever quadrant/hemisphere the reference is in.
    places = [(52.3, 4.76), (-33.9, 151.2), (40.6, -73.8), (-22.8, -43.2)]
    raw = [pair(lat, lon, surface=True) for lat, lon in places]
    cols = np.array(raw).T
    lat, lon, ok = cpr.surface_global(*cols, True, [p[0] for p in places], [p[1] for p in places])
    assert ok.all()
    for (t_lat, t_lon), d_lat, d_lon in zip(places, lat, lon, strict=True):
        assert_within_resolution(float(d_lat), float(d_lon), t_lat, t_lon, True, True)


def test_nan_reference_is_not_ok() -> None:
    yz, xz = encode(52.0, 4.0, False)
    _, _, ok = cpr.airborne_local(yz, xz, False, np.nan, 4.0)
    assert not bool(ok)


def test_pair_within() -> None:
    np.testing.assert_array_equal(
        cpr.pair_within([0.0, 0.0, 100.0], [10.0, 10.5, 95.0]), [True, False, True]
    )
    assert not bool(cpr.pair_within(0.0, 3.0, max_s=2.0))


def test_broadcasting_and_shapes() -> None:
    raw = np.array([pair(52.0 + k * 0.01, 4.0) for k in range(5)]).T
    lat, lon, ok = cpr.airborne_global(raw[0], raw[1], raw[2], raw[3], np.array([True]))
    assert lat.shape == lon.shape == ok.shape == (5,)
    assert ok.all()
    lat, lon, ok = cpr.airborne_local(raw[2], raw[3], True, 52.0, 4.0)
    assert ok.all() and lat.shape == (5,)


# ----------------------------------------------------------------------- property tests
lats = st.floats(-89.9, 89.9, allow_nan=False)
lons = st.floats(-180.0, 179.999999, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lats, lons, st.booleans())
def test_roundtrip_airborne_global(lat: float, lon: float, odd: bool) -> None:
    raw = pair(lat, lon)
    assume(any(raw))
    d_lat, d_lon, ok = cpr.airborne_global(*raw, odd)
    same_band = int(cpr.nl(encoded_lat(lat, False))) == int(cpr.nl(encoded_lat(lat, True)))
    assert bool(ok) == same_band
    if same_band:
        assert_within_resolution(float(d_lat), float(d_lon), lat, lon, odd, False)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-85.0, 85.0),
    lons,
    st.booleans(),
    st.floats(-1.5, 1.5),
    st.floats(-1.5, 1.5),
)
def test_roundtrip_airborne_local(
    lat: float, lon: float, odd: bool, off_lat: float, off_lon: float
) -> None:
    yz, xz = encode(lat, lon, odd)
    d_lat, d_lon, ok = cpr.airborne_local(yz, xz, odd, lat + off_lat, lon + off_lon)
    assert bool(ok)
    assert_within_resolution(float(d_lat), float(d_lon), lat, lon, odd, False)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-85.0, 85.0),
    lons,
    st.booleans(),
    st.floats(-0.3, 0.3),
    st.floats(-0.3, 0.3),
)
def test_roundtrip_surface(
    lat: float, lon: float, odd: bool, off_lat: float, off_lon: float
) -> None:
    ref = (lat + off_lat, lon + off_lon)
    yz, xz = encode(lat, lon, odd, surface=True)
    d_lat, d_lon, ok = cpr.surface_local(yz, xz, odd, *ref)
    assert bool(ok)
    assert_within_resolution(float(d_lat), float(d_lon), lat, lon, odd, True)
    raw = pair(lat, lon, surface=True)
    assume(any(raw))
    g_lat, g_lon, g_ok = cpr.surface_global(*raw, odd, *ref)
    same_band = int(cpr.nl(encoded_lat(lat, False, True))) == int(
        cpr.nl(encoded_lat(lat, True, True))
    )
    assert bool(g_ok) == same_band
    if same_band:
        assert_within_resolution(float(g_lat), float(g_lon), lat, lon, odd, True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(lats, lons), min_size=1, max_size=50), st.booleans())
def test_roundtrip_with_project_encoder(points: list[tuple[float, float]], surface: bool) -> None:
    """skytrace.encode.cpr_encode (the project's encoder) decodes back within resolution."""
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    ye, xe = cpr_encode(lat, lon, False, surface=surface)
    yo, xo = cpr_encode(lat, lon, True, surface=surface)
    if surface:
        d_lat, d_lon, ok = cpr.surface_global(ye, xe, yo, xo, True, lat + 0.1, lon - 0.1)
    else:
        d_lat, d_lon, ok = cpr.airborne_global(ye, xe, yo, xo, True)
    for k in range(len(points)):
        same_band = int(cpr.nl(encoded_lat(lat[k], False, surface))) == int(
            cpr.nl(encoded_lat(lat[k], True, surface))
        )
        nonzero = bool(ye[k] | xe[k] | yo[k] | xo[k])
        assert bool(ok[k]) == (same_band and nonzero)
        if ok[k]:
            assert_within_resolution(
                float(d_lat[k]), float(d_lon[k]), lat[k], lon[k], True, surface
            )
