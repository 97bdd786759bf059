"""Comm-B register inference and decoding on real DF20/21 replies (hex and values are facts
from public test suites and captures), plus synthetic MB fields built bit by bit."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skytrace import encode
from skytrace.decode import commb_registers as reg
from skytrace.decode.commb import CommBColumns, decode_commb, mb_field
from skytrace.errors import UsageError


def frames(*hexes: str) -> np.ndarray:
    return np.array([list(bytes.fromhex(h)) for h in hexes], dtype=np.uint8)


def decode_hex(*hexes: str, **kwargs: object) -> CommBColumns:
    payload = frames(*hexes)
    df = payload[:, 0] >> 3
    return decode_commb(mb_field(payload), df, **kwargs)  # type: ignore[arg-type]


def mb_from_bits(*fields: tuple[int, int, int]) -> np.uint64:
    """Build an MB field from (first_bit, width, value) triples, bits numbered 1-56."""
    value = 0
    for first, width, v in fields:
        assert 0 <= v < (1 << width)
        value |= v << (56 - (first + width - 1))
    return np.uint64(value)


def test_mb_field_extracts_bits_33_to_88() -> None:
    mb = mb_field(frames("A000083E202CC371C31DE0AA1CCF"))
    assert mb.dtype == np.uint64
    assert int(mb[0]) == 0x202CC371C31DE0
    with pytest.raises(UsageError, match="N, 14"):
        mb_field(np.zeros((3, 7), dtype=np.uint8))


def test_bds20_callsign_klm1017() -> None:
    c = decode_hex("A000083E202CC371C31DE0AA1CCF")
    assert c.row(0) == {
        "bds": "2,0",
        "bds_candidates": "2,0",
        "bds_reason": "format id 2,0",
        "callsign": "KLM1017",
    }


def test_bds20_invalid_character_does_not_fit() -> None:
    # 0x20 format id followed by a 6-bit code 0 ('#') in the first character.
    mb = mb_from_bits((1, 8, 0x20), (9, 6, 0), (15, 6, 1))
    c = decode_commb(np.array([mb]), np.array([20]))
    assert "2,0" not in c.bds_candidates[0].split("|")
    assert c.callsign[0] == ""


def test_bds40_50_60_known_values() -> None:
    c = decode_hex(
        "a000039199680030a800006a74ac",
        "a0000392835b1f1f2064854800d9",
        "a0000392d919f719e3bc75c92483",
        altitude_ft=np.array([4625.0, 4650.0, 4650.0]),
    )
    assert list(c.bds) == ["4,0", "5,0", "6,0"]
    assert c.selected_altitude_mcp_ft[0] == 13008.0
    assert np.isnan(c.selected_altitude_fms_ft[0])
    assert c.baro_setting_hpa[0] == pytest.approx(1013.2)
    assert c.roll_deg[1] == pytest.approx(4.5703125)
    assert c.track_deg[1] == pytest.approx(250.13671875)
    assert c.groundspeed_kt[1] == 248.0
    assert c.track_rate_deg_s[1] == pytest.approx(0.375)
    assert c.tas_kt[1] == 266.0
    assert c.heading_deg[2] == pytest.approx(250.48828125)
    assert c.ias_kt[2] == 251.0
    assert c.mach[2] == pytest.approx(0.412)
    assert c.vertical_rate_baro_fpm[2] == 3808.0
    assert c.vertical_rate_inertial_fpm[2] == 3744.0
    # Fields of registers not chosen stay absent.
    assert np.isnan(c.roll_deg[0]) and np.isnan(c.heading_deg[1]) and c.callsign[2] == ""


def test_bds10_data_link_capability() -> None:
    c = decode_hex("a000019910010080f500004315b2")
    assert c.bds[0] == "1,0" and c.bds_reason[0] == "format id 1,0"
    row = c.row(0)
    assert row["dl_acas_operational"] == 1
    assert row["dl_specific_services"] == 1
    assert row["dl_identification_capability"] == 1
    assert row["dl_gicb_capability"] == 1


AMBIGUOUS_50_60 = "a0001117901a2f2b21c000b31b62"  # DF20 at 26,375 ft


def test_ambiguous_50_60_is_not_guessed() -> None:
    c = decode_hex(AMBIGUOUS_50_60)
    assert c.bds[0] == ""
    assert c.bds_candidates[0] == "5,0|6,0"
    assert c.bds_reason[0].startswith("ambiguous")
    assert np.isnan(c.track_deg[0]) and np.isnan(c.heading_deg[0])


def test_context_separates_50_from_60() -> None:
    hex_ = AMBIGUOUS_50_60
    v = reg.decode_all(mb_field(frames(hex_)))
    gs50 = float(v["groundspeed_kt"][reg.BDS50][0])
    trk50 = float(v["track_deg"][reg.BDS50][0])
    hdg60 = float(v["heading_deg"][reg.BDS60][0])
    tas60 = float(v["mach"][reg.BDS60][0] * reg.speed_of_sound_kt(np.array([26375.0]))[0])
    c = decode_hex(
        hex_,
        hex_,
        groundspeed_kt=np.array([gs50, tas60]),
        track_deg=np.array([trk50, hdg60]),
        altitude_ft=np.array([26375.0, 26375.0]),
    )
    assert list(c.bds) == ["5,0", "6,0"]
    assert all("ADS-B" in r for r in c.bds_reason)
    assert c.groundspeed_kt[0] == gs50 and np.isnan(c.groundspeed_kt[1])
    assert c.heading_deg[1] == hdg60
    assert list(c.bds_candidates) == ["5,0|6,0", "5,0|6,0"]


def test_coherence_breaks_a_50_60_tie() -> None:
    # As 6,0: IAS 219 kt / Mach 0.396 at 9,950 ft, climbing 3,840 (baro) / 3,712 (inertial)
    # fpm: coherent. As 5,0: 15.3 deg of bank at 232 kt TAS turns at 1.3 deg/s, not 3.75.
    c = decode_hex("a00006b68af9b718e3c474a87b83", altitude_ft=np.array([9950.0]))
    assert c.bds[0] == "6,0"
    assert c.bds_candidates[0] == "5,0|6,0"
    assert c.bds_reason[0] == "only candidate with coherent values"
    assert c.ias_kt[0] == 219.0


def test_bds17_vs_45_listed_and_non_meteo_chosen() -> None:
    c = decode_hex("a0000638fa81c10000000081a92f", meteo=True)
    assert c.bds[0] == "1,7"
    assert c.bds_candidates[0] == "1,7|4,5"
    assert c.bds_reason[0] == "only non-meteorological candidate"
    assert c.gicb_registers[0].split() == [
        "0,5", "0,6", "0,7", "0,8", "0,9", "2,0", "4,0", "5,0", "5,1", "5,2", "6,0",
    ]  # fmt: skip
    without = decode_hex("a0000638fa81c10000000081a92f")
    assert without.bds[0] == "1,7" and without.bds_reason[0] == "only candidate"


def test_not_commb_and_empty_rows() -> None:
    c = decode_commb(np.array([0x202CC371C31DE0, 0], dtype=np.uint64), np.array([17, 20]))
    assert list(c.bds) == ["", ""]
    assert c.bds_reason[0].startswith("not a Comm-B")
    assert c.bds_reason[1] == "empty MB field"
    assert len(c) == 2


def test_status_bit_zero_with_value_rejects_register() -> None:
    # 5,0 with roll status 0 but roll bits set; GS valid.
    mb = mb_from_bits((1, 1, 0), (3, 9, 5), (24, 1, 1), (25, 10, 200))
    fits = reg.fits_all(np.array([mb]), np.array([np.nan]), meteo=False)
    assert not fits[0, reg.BDS50]


def test_roll_beyond_50_deg_rejected() -> None:
    ok = mb_from_bits((1, 1, 1), (2, 1, 0), (3, 9, 256), (24, 1, 1), (25, 10, 200))  # 45°
    bad = mb_from_bits((1, 1, 1), (2, 1, 0), (3, 9, 300), (24, 1, 1), (25, 10, 200))  # 52.7°
    mbs = np.array([ok, bad])
    fits = reg.fits_all(mbs, np.full(2, np.nan), meteo=False)
    assert fits[0, reg.BDS50] and not fits[1, reg.BDS50]


def test_ias_mach_must_agree_with_altitude() -> None:
    # IAS 250 kt, Mach 0.412: right at ~4,650 ft, wrong at 35,000 ft (Mach would be ~0.66).
    mb = mb_from_bits((13, 1, 1), (14, 10, 250), (24, 1, 1), (25, 10, 103))
    mbs = np.array([mb, mb])
    fits = reg.fits_all(mbs, np.array([4650.0, 35000.0]), meteo=False)
    assert fits[0, reg.BDS60] and not fits[1, reg.BDS60]


def test_isa_mach_from_cas() -> None:
    # At sea level CAS = TAS, so Mach = CAS / a0 (661.47 kt).
    assert float(reg.mach_from_cas(np.array([300.0]), np.array([0.0]))[0]) == pytest.approx(
        300.0 / 661.47, rel=1e-3
    )
    # Half the sea-level pressure is at 5,470 m (17,946 ft) in the ISA troposphere; there
    # Mach 0.5 gives qc = 0.5 p0 (1.05**3.5 - 1), i.e. a CAS of 237.4 kt (worked by hand).
    assert float(reg.mach_from_cas(np.array([237.4]), np.array([17946.0]))[0]) == pytest.approx(
        0.5, abs=0.002
    )


def test_sample_captures_decode_without_crash(shared_data: Path) -> None:
    for name in ("pymodes_sample_data_commb_df20.csv", "pymodes_sample_data_commb_df21.csv"):
        with (shared_data / "modes" / name).open(encoding="utf-8-sig", newline="") as f:
            rows = [r for r in csv.reader(f) if r]
        hexes = [r[2] for r in rows]
        assert len(hexes) == 5000
        c = decode_hex(*hexes, meteo=True)
        assert len(c) == 5000
        counts = Counter(c.bds)
        # Nearly all replies resolve to one register; the rest say why not.
        assert counts[""] < 250  # 2-3 % stay unresolved (ambiguous, empty or no fit)
        for i in np.flatnonzero(c.bds == ""):
            assert c.bds_reason[i]


def test_mcp_altitude_steps_coherence() -> None:
    # 13,008 ft = 13,000 ft dialled; 27,552 ft = 8,400 m dialled on a metric FCU; 13,040 ft
    # is neither a 100 ft nor a 100 m step, so 4,0 loses a tie it is part of.
    mcps = [13008, 27552, 13040]
    mbs = np.array([mb_from_bits((1, 1, 1), (2, 12, ft // 16)) for ft in mcps])
    v = reg.decode_all(mbs)
    assert list(v["selected_altitude_mcp_ft"][reg.BDS40]) == [13008.0, 27552.0, 13040.0]
    coherent = reg.coherent_all(v, np.full(3, np.nan))
    assert list(coherent[:, reg.BDS40]) == [True, True, False]


def test_turn_rate_and_vertical_rate_coherence() -> None:
    # 5,0: 20 deg bank at 250 kt TAS turns at ~1.6 deg/s; 6,0: baro 1,000 vs inertial 5,000 fpm.
    bank = round(20 / (45 / 256))
    turning = mb_from_bits(
        (1, 1, 1), (3, 9, bank), (35, 1, 1), (37, 9, round(1.6 / (8 / 256))),
        (46, 1, 1), (47, 10, 125),
    )  # fmt: skip
    wrong_rate = mb_from_bits(
        (1, 1, 1), (3, 9, bank), (35, 1, 1), (37, 9, round(5.0 / (8 / 256))),
        (46, 1, 1), (47, 10, 125),
    )  # fmt: skip
    split = mb_from_bits((35, 1, 1), (37, 9, 1000 // 32), (46, 1, 1), (48, 9, 5000 // 32))
    agree = mb_from_bits((35, 1, 1), (37, 9, 1000 // 32), (46, 1, 1), (48, 9, 1100 // 32))
    mbs = np.array([turning, wrong_rate, split, agree])
    coherent = reg.coherent_all(reg.decode_all(mbs), np.full(4, np.nan))
    assert list(coherent[:, reg.BDS50]) == [True, False, True, True]
    assert list(coherent[2:, reg.BDS60]) == [False, True]


# ------------------------------------------------------------------ round trips and garbage
def encoded_commb(mb: np.ndarray, altitude_ft: float) -> CommBColumns:
    """Through whole DF20 frames from the project's encoder, then the decoder's MB path."""
    frames_ = encode.commb_altitude(0x4840D6, altitude_ft, mb)
    return decode_commb(mb_field(frames_.payload), frames_.payload[:, 0] >> 3, altitude_ft)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 450).map(lambda h: h * 100),
    st.one_of(st.just(np.nan), st.integers(0, 3000).map(lambda n: n * 16)),
    st.floats(950.0, 1050.0),
)
def test_roundtrip_bds40(mcp_ft: int, fms_ft: float, baro: float) -> None:
    c = encoded_commb(encode.bds40(mcp_ft, fms_ft, baro), 20000.0)
    assert "4,0" in c.bds_candidates[0].split("|")
    assert c.bds[0] in ("4,0", "")
    if c.bds[0] == "4,0":
        assert abs(c.selected_altitude_mcp_ft[0] - mcp_ft) <= 8
        assert abs(c.baro_setting_hpa[0] - baro) <= 0.05 + 1e-9
        assert np.isnan(fms_ft) == np.isnan(c.selected_altitude_fms_ft[0])
    else:
        assert c.bds_reason[0].startswith("ambiguous")


@settings(max_examples=150, deadline=None)
@given(
    st.floats(-30.0, 30.0),
    st.floats(0.0, 359.0),
    st.integers(150, 270),  # TAS 300-540 kt, so GS stays within the 600 kt limit
    st.floats(-60.0, 60.0),
)
def test_roundtrip_bds50(roll: float, track: float, tas_half: int, wind: float) -> None:
    tas = 2.0 * tas_half
    gs = tas + wind
    rate = reg._G_KT_DEG_S * np.tan(np.radians(roll)) / tas  # a coordinated turn
    c = encoded_commb(encode.bds50(roll, track, gs, rate, tas), 30000.0)
    assert "5,0" in c.bds_candidates[0].split("|")
    assert c.bds[0] in ("5,0", "")
    if c.bds[0] == "5,0":
        assert abs(c.roll_deg[0] - roll) <= 45 / 512 + 1e-9
        assert abs((c.track_deg[0] - track + 180) % 360 - 180) <= 90 / 1024 + 1e-9
        assert abs(c.groundspeed_kt[0] - gs) <= 1.0 + 1e-9
        assert abs(c.tas_kt[0] - tas) <= 1.0 + 1e-9
    else:
        assert c.bds_reason[0].startswith("ambiguous")


@settings(max_examples=150, deadline=None)
@given(
    st.floats(0.0, 359.0),
    st.integers(180, 330),
    st.integers(5, 40).map(lambda k: k * 1000),
    st.floats(-3000.0, 3000.0),
)
def test_roundtrip_bds60(heading: float, ias: int, altitude_ft: int, rate: float) -> None:
    mach = float(reg.mach_from_cas(np.array([float(ias)]), np.array([float(altitude_ft)]))[0])
    assume(mach < 0.95)
    c = encoded_commb(encode.bds60(heading, ias, mach, rate, rate + 100.0), float(altitude_ft))
    assert "6,0" in c.bds_candidates[0].split("|")
    assert c.bds[0] in ("6,0", "")
    if c.bds[0] == "6,0":
        assert abs((c.heading_deg[0] - heading + 180) % 360 - 180) <= 90 / 1024 + 1e-9
        assert c.ias_kt[0] == ias
        assert abs(c.mach[0] - mach) <= 0.002 + 1e-9
        assert abs(c.vertical_rate_baro_fpm[0] - rate) <= 16 + 1e-9
    else:
        assert c.bds_reason[0].startswith("ambiguous")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, (1 << 56) - 1), min_size=1, max_size=40),
    st.lists(st.sampled_from([0, 4, 5, 11, 17, 20, 21, 24]), min_size=40, max_size=40),
    st.booleans(),
)
def test_any_mb_content_is_labelled_never_raised(
    mbs: list[int], dfs: list[int], meteo: bool
) -> None:
    mb = np.array(mbs, dtype=np.uint64)
    df = np.array(dfs[: len(mbs)])
    c = decode_commb(mb, df, altitude_ft=np.full(len(mb), 30000.0), meteo=meteo)
    for name in c.column_names():
        assert len(getattr(c, name)) == len(mb)
    for i in range(len(mb)):
        assert c.bds_reason[i]
        candidates = c.bds_candidates[i].split("|") if c.bds_candidates[i] else []
        if c.bds[i]:
            assert c.bds[i] in candidates
        if df[i] not in (20, 21):
            assert c.bds[i] == "" and candidates == []
        if not meteo:
            assert "4,4" not in candidates and "4,5" not in candidates


def test_wrong_arguments_raise_usage_error() -> None:
    with pytest.raises(UsageError, match="df"):
        decode_commb(np.zeros(3, dtype=np.uint64), np.array([20, 21]))
    with pytest.raises(UsageError, match="altitude_ft"):
        decode_commb(np.zeros(3, dtype=np.uint64), 20, altitude_ft=np.zeros(2))
    with pytest.raises(UsageError, match="one-dimensional"):
        decode_commb(np.zeros((2, 2), dtype=np.uint64), 20)
    with pytest.raises(UsageError, match="56-bit"):
        decode_commb(["not a number"], 20)


def test_bds30_threat_by_address_and_by_range() -> None:
    by_address = mb_from_bits((1, 8, 0x30), (9, 1, 1), (27, 1, 0), (29, 2, 1), (31, 24, 0x7277CF))
    # TTI 2: Q-bit altitude code for 35,000 ft, range code 51 (5.0 NM), bearing code 16.
    n = (35000 + 1000) // 25
    code13 = ((n >> 5) << 7) | (((n >> 4) & 1) << 5) | (1 << 4) | (n & 0xF)
    by_range = mb_from_bits((1, 8, 0x30), (28, 1, 1), (29, 2, 2), (31, 13, code13), (44, 7, 51),
                            (51, 6, 16))  # fmt: skip
    c = decode_commb(np.array([by_address, by_range]), np.array([20, 21]))
    assert list(c.bds) == ["3,0", "3,0"]
    assert c.bds_reason[0] == "format id 3,0"
    assert c.tti[0] == 1 and c.threat_icao[0] == 0x7277CF and c.ara[0] == 1 << 13
    assert np.isnan(c.threat_range_nm[0])
    assert c.tti[1] == 2 and c.mte[1] == 1 and c.threat_icao[1] == -1
    assert c.threat_altitude_ft[1] == 35000.0
    assert c.threat_range_nm[1] == pytest.approx(5.0)
    assert c.threat_bearing_deg[1] == 90.0
    bad_tti = mb_from_bits((1, 8, 0x30), (29, 2, 3))
    assert decode_commb(np.array([bad_tti]), 20).bds_reason[0] == "no register fits"


def test_meteo_registers_decode_when_asked() -> None:
    # 4,4: FOM 2 (GNSS), wind 35 kt from 270 deg, SAT -41.5 C, pressure 250 hPa, humidity.
    mrar = mb_from_bits((1, 4, 2), (5, 1, 1), (6, 9, 35), (15, 9, round(270 / (180 / 256))),
                        (24, 1, 1), (25, 10, 1024 - 166), (35, 1, 1), (36, 11, 250),
                        (50, 1, 1), (51, 6, 32))  # fmt: skip
    # 4,5: moderate turbulence, icing light, SAT -20 C, radio height 2,000 ft.
    mhr = mb_from_bits((1, 1, 1), (2, 2, 2), (10, 1, 1), (11, 2, 1), (16, 1, 1), (17, 1, 1),
                       (18, 9, 512 - 80), (39, 1, 1), (40, 12, 125))  # fmt: skip
    mbs = np.array([mrar, mhr])
    plain = decode_commb(mbs, 20, altitude_ft=30000.0)
    assert "4,4" not in plain.bds_candidates[0] and "4,5" not in plain.bds_candidates[1]
    c = decode_commb(mbs, 20, altitude_ft=30000.0, meteo=True)
    assert "4,4" in c.bds_candidates[0].split("|")
    assert "4,5" in c.bds_candidates[1].split("|")
    v = reg.decode_all(mbs, (reg.BDS44, reg.BDS45))
    assert v["wind_speed_kt"][reg.BDS44][0] == 35.0
    assert v["wind_direction_deg"][reg.BDS44][0] == pytest.approx(270.0, abs=0.71)
    assert v["static_air_temperature_c"][reg.BDS44][0] == -41.5
    assert v["static_pressure_hpa"][reg.BDS44][0] == 250.0
    assert v["humidity_pct"][reg.BDS44][0] == 50.0
    assert v["turbulence"][reg.BDS45][1] == 2 and v["icing"][reg.BDS45][1] == 1
    assert v["wind_shear"][reg.BDS45][1] == -1
    assert v["static_air_temperature_c"][reg.BDS45][1] == -20.0
    assert v["radio_height_ft"][reg.BDS45][1] == 2000.0
