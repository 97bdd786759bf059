"""decode(encode(x)) == x within each field's resolution, for every kind the encoder builds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skytrace import encode
from skytrace.decode import decode_batch
from skytrace.decode.cpr import airborne_local, surface_local

N = 40
icao_st = arrays(np.uint32, N, elements=st.integers(1, 0xFFFFFF))
alt_st = arrays(np.float64, N, elements=st.floats(-1000, 50175))
lat_st = arrays(np.float64, N, elements=st.floats(-80, 80))
lon_st = arrays(np.float64, N, elements=st.floats(-180, 179.99))
squawk_st = arrays(np.int64, N, elements=st.integers(0, 4095).map(lambda x: int(f"{x:04o}")))
CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
callsign_st = st.lists(st.text(CHARS, min_size=1, max_size=8), min_size=N, max_size=N)


def _decode(msgs: encode.Messages):  # type: ignore[no-untyped-def]
    d = decode_batch((msgs.payload, msgs.length))
    assert np.all(d.ok), list(d.error)
    return d


def _angle_err(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs((a - b + 180.0) % 360.0 - 180.0)


@settings(max_examples=25, deadline=None)
@given(icao_st, callsign_st, st.integers(0, 7))
def test_identification(icao: np.ndarray, callsigns: list[str], category: int) -> None:
    d = _decode(encode.identification(icao, np.array(callsigns), category=category))
    assert np.all(d["df"] == 17) and np.all(d["crc_ok"])
    assert list(d["icao"]) == list(icao)
    assert [c.decode() for c in d["callsign"]] == callsigns
    assert np.all(d["emitter_category"] == category)


@settings(max_examples=25, deadline=None)
@given(icao_st, lat_st, lon_st, alt_st, st.booleans())
def test_airborne_position(icao, lat, lon, alt, odd) -> None:  # type: ignore[no-untyped-def]
    d = _decode(encode.airborne_position(icao, lat, lon, alt, odd))
    assert np.all(d["crc_ok"]) and np.all(d["typecode"] == 11)
    assert np.all(np.abs(d["altitude_ft"] - alt) <= 12.5)
    assert np.all(d["cpr_format"] == int(odd))
    dlat, dlon, ok = airborne_local(d["cpr_lat"], d["cpr_lon"], odd, lat + 0.1, lon + 0.1)
    assert np.all(ok)
    assert np.all(np.abs(dlat - lat) < 1e-4) and np.all(_angle_err(dlon, lon) < 1e-3)


@settings(max_examples=25, deadline=None)
@given(
    icao_st,
    lat_st,
    lon_st,
    arrays(np.float64, N, elements=st.floats(0, 170)),
    arrays(np.float64, N, elements=st.floats(0, 359.9)),
    st.booleans(),
)
def test_surface_position(icao, lat, lon, gs, trk, odd) -> None:  # type: ignore[no-untyped-def]
    d = _decode(encode.surface_position(icao, lat, lon, gs, trk, odd))
    assert np.all(d["surface"]) and np.all(d["crc_ok"])
    table = encode.SURFACE_SPEED_KT
    step = np.diff(np.nan_to_num(table[1:], nan=175.0)).max()
    assert np.all(np.abs(d["groundspeed_kt"] - gs) <= step)
    assert np.all(_angle_err(d["track_deg"], trk) <= 360 / 128 / 2 + 1e-6)
    dlat, dlon, ok = surface_local(d["cpr_lat"], d["cpr_lon"], odd, lat + 0.02, lon - 0.02)
    assert np.all(ok)
    assert np.all(np.abs(dlat - lat) < 1e-4) and np.all(_angle_err(dlon, lon) < 1e-3)


@settings(max_examples=25, deadline=None)
@given(
    icao_st,
    arrays(np.float64, N, elements=st.floats(60, 1000)),
    arrays(np.float64, N, elements=st.floats(0, 359.9)),
    arrays(np.float64, N, elements=st.floats(-6000, 6000)),
    st.booleans(),
)
def test_airborne_velocity(icao, gs, trk, vr, baro) -> None:  # type: ignore[no-untyped-def]
    d = _decode(encode.airborne_velocity(icao, gs, trk, vr, vertical_rate_baro=baro))
    assert np.all(d["typecode"] == 19) and np.all(d["velocity_subtype"] == 1)
    # Each component is rounded to 1 kt: speed within 0.71 kt, track within asin(0.71 / gs).
    assert np.all(np.abs(d["groundspeed_kt"] - gs) <= 0.75)
    assert np.all(_angle_err(d["track_deg"], trk) <= np.degrees(np.arcsin(0.75 / gs)) + 0.01)
    assert np.all(np.abs(d["vertical_rate_fpm"] - vr) <= 32.0)
    assert np.all(d["vertical_rate_source"] == int(baro))


@settings(max_examples=25, deadline=None)
@given(icao_st, squawk_st, st.integers(0, 6))
def test_aircraft_status(icao, squawk, emergency) -> None:  # type: ignore[no-untyped-def]
    d = _decode(encode.aircraft_status(icao, squawk, emergency=emergency))
    assert list(d["squawk"]) == list(squawk)
    assert np.all(d["emergency_state"] == emergency)


@settings(max_examples=25, deadline=None)
@given(
    icao_st,
    arrays(np.float64, N, elements=st.floats(0, 65000)),
    arrays(np.float64, N, elements=st.floats(800.5, 1200)),
    arrays(np.float64, N, elements=st.floats(0, 359.9)),
)
def test_target_state(icao, sel_alt, qnh, hdg) -> None:  # type: ignore[no-untyped-def]
    d = _decode(encode.target_state(icao, sel_alt, qnh, hdg))
    assert np.all(np.abs(d["nav_altitude_mcp_ft"] - sel_alt) <= 16.0)
    assert np.all(np.abs(d["nav_qnh_hpa"] - qnh) <= 0.4 + 1e-3)
    assert np.all(_angle_err(d["nav_heading_deg"], hdg) <= 360 / 512 / 2 + 1e-3)
    assert np.all(d["nav_autopilot"]) and np.all(d["nav_lnav"])


@settings(max_examples=15, deadline=None)
@given(icao_st, st.integers(0, 11), st.integers(0, 3), st.integers(0, 3))
def test_operational_status(icao, nac_p, sil, gva) -> None:  # type: ignore[no-untyped-def]
    d = _decode(encode.operational_status(icao, nac_p=nac_p, sil=sil, gva=gva))
    assert np.all(d["version"] == 2)
    assert np.all(d["nac_p"] == nac_p) and np.all(d["sil"] == sil)


@settings(max_examples=25, deadline=None)
@given(icao_st, alt_st, squawk_st)
def test_surveillance_and_all_call(icao, alt, squawk) -> None:  # type: ignore[no-untyped-def]
    d4 = _decode(encode.surveillance_altitude(icao, alt))
    assert np.all(d4["df"] == 4) and list(d4["icao"]) == list(icao)
    assert np.all(np.abs(d4["altitude_ft"] - alt) <= 12.5)
    d5 = _decode(encode.surveillance_identity(icao, squawk, flight_status=1))
    assert list(d5["squawk"]) == list(squawk) and list(d5["icao"]) == list(icao)
    assert np.all(d5["fs"] == 1)
    d11 = _decode(encode.all_call(icao))
    assert np.all(d11["df"] == 11) and np.all(d11["crc_ok"]) and list(d11["icao"]) == list(icao)


@settings(max_examples=20, deadline=None)
@given(icao_st, alt_st, squawk_st, callsign_st)
def test_commb_identification(icao, alt, squawk, callsigns) -> None:  # type: ignore[no-untyped-def]
    d20 = _decode(encode.commb_altitude(icao, alt, encode.bds20(np.array(callsigns))))
    assert list(d20["icao"]) == list(icao)
    assert np.all(np.abs(d20["altitude_ft"] - alt) <= 12.5)
    assert [c.decode() for c in d20["callsign"]] == callsigns
    d21 = _decode(encode.commb_identity(icao, squawk, encode.bds20(np.array(callsigns))))
    assert list(d21["squawk"]) == list(squawk)
