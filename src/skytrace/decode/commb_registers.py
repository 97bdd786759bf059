"""Bit layouts, value decoding and fit tests of the Comm-B registers, vectorized.

Owns, for each register skytrace knows (``REGISTERS``), the MB bit layout of ICAO Doc 9871
(2nd ed.) Tables A-2-16 (1,0), A-2-23 (1,7), A-2-32 (2,0), A-2-48 (3,0), A-2-64 (4,0),
A-2-68 (4,4), A-2-69 (4,5), A-2-80 (5,0) and A-2-96 (6,0), how each field decodes (NaN / -1
where its status bit is 0), and ``fits_all``: whether a reply *could* be that register.
``commb.decode_commb`` chooses among the fits. MB bit numbers are 1-56, bit 1 first.
Also the ISA helpers the IAS/Mach check needs (ICAO Doc 7488 standard atmosphere).
Pure and thread-safe.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BDS10",
    "BDS17",
    "BDS20",
    "BDS30",
    "BDS40",
    "BDS44",
    "BDS45",
    "BDS50",
    "BDS60",
    "FORMAT_ID_REGISTERS",
    "GICB_REGISTERS",
    "METEO_REGISTERS",
    "REGISTERS",
    "Values",
    "coherent_all",
    "decode_all",
    "fits_all",
    "mach_from_cas",
    "speed_of_sound_kt",
]

REGISTERS: Final = ("1,0", "1,7", "2,0", "3,0", "4,0", "4,4", "4,5", "5,0", "6,0")
BDS10, BDS17, BDS20, BDS30, BDS40, BDS44, BDS45, BDS50, BDS60 = range(len(REGISTERS))
FORMAT_ID_REGISTERS: Final = (BDS10, BDS20, BDS30)
METEO_REGISTERS: Final = (BDS44, BDS45)

#: BDS 1,7 capability bits 1-24, in order (Doc 9871 Table A-2-23).
GICB_REGISTERS: Final = (
    "0,5", "0,6", "0,7", "0,8", "0,9", "0,A", "2,0", "2,1", "4,0", "4,1", "4,2", "4,3",
    "4,4", "4,5", "4,8", "5,0", "5,1", "5,2", "5,3", "5,4", "5,5", "5,6", "5,F", "6,0",
)  # fmt: skip

# 6-bit character set of aircraft identification (Annex 10 Vol IV Table 3-9): 1-26 A-Z,
# 32 space, 48-57 digits; everything else is not a character ('#').
_CHARSET: Final = np.frombuffer(
    b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######", dtype=np.uint8
)
_VALID_CHAR: Final[NDArray[np.bool_]] = np.not_equal(_CHARSET, ord("#"))

# Plausibility limits (why: the register cannot carry these, or no aircraft flies them).
MAX_ROLL_DEG: Final = 50.0
MAX_GROUNDSPEED_KT: Final = 600.0
MAX_TAS_KT: Final = 600.0
MAX_WIND_KT: Final = 200.0  # |TAS - GS| beyond this is not wind
MAX_IAS_KT: Final = 500.0
MAX_MACH: Final = 1.0
MAX_VERTICAL_RATE_FPM: Final = 6000.0
MAX_SELECTED_ALTITUDE_FT: Final = 50000.0
MACH_TOLERANCE: Final = 0.1  # IAS->Mach at the reply's altitude vs reported Mach
MAX_VERTICAL_RATE_SPLIT_FPM: Final = 2000.0  # baro vs inertial rate of one aircraft
TURN_RATE_TOLERANCE_DEG_S: Final = 1.0
MIN_AIRBORNE_IAS_KT: Final = 40.0
MCP_STEP_TOLERANCE_FT: Final = 16.0  # reported track rate vs the rate the roll implies
_TRACK_RATE_SATURATED_DEG_S: Final = 15.9  # +-16 deg/s: "not computed" on some transponders
_G_KT_DEG_S: Final = 9.80665 / (1852.0 / 3600.0) * 180.0 / np.pi  # g in kt*deg/s (~1091)
MAX_METEO_WIND_KT: Final = 250.0
MIN_SAT_C: Final = -80.0
MAX_SAT_C: Final = 60.0

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: column name -> {register index: decoded column (absent where that register's status is 0)}
Values = dict[str, dict[int, NDArray[Any]]]


def _bits(mb: NDArray[np.uint64], first: int, width: int) -> IntArray:
    """MB bits ``first`` .. ``first + width - 1`` (1-based) as integers."""
    shift = 56 - (first + width - 1)
    return ((mb >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.int64)


def _signed(mb: NDArray[np.uint64], sign_bit: int, width: int) -> IntArray:
    """Two's complement value: sign at ``sign_bit``, ``width`` magnitude bits right after."""
    return _bits(mb, sign_bit + 1, width) - (_bits(mb, sign_bit, 1) << width)


def _wrong_status(mb: NDArray[np.uint64], status_bit: int, width: int) -> BoolArray:
    """Status bit 0 while the ``width`` bits after it are not all zero: not this register."""
    wrong = (_bits(mb, status_bit, 1) == 0) & (_bits(mb, status_bit + 1, width) != 0)
    return np.asarray(wrong, dtype=np.bool_)


def _flag(mb: NDArray[np.uint64], bit: int) -> NDArray[np.int8]:
    return _bits(mb, bit, 1).astype(np.int8)


def _gated(mb: NDArray[np.uint64], status_bit: int, value: NDArray[Any]) -> FloatArray:
    return np.asarray(np.where(_bits(mb, status_bit, 1) == 1, value, np.nan), dtype=np.float64)


def _gated_code(mb: NDArray[np.uint64], status_bit: int, value: IntArray) -> NDArray[np.int8]:
    return np.where(_bits(mb, status_bit, 1) == 1, value, -1).astype(np.int8)


# ------------------------------------------------------------------------------- ISA helpers
_P0_PA: Final = 101325.0
_T0_K: Final = 288.15
_LAPSE_K_M: Final = 0.0065
_TROPOPAUSE_M: Final = 11000.0
_R_AIR: Final = 287.05287
_G0: Final = 9.80665
_GAMMA: Final = 1.4
_KT_MS: Final = 1852.0 / 3600.0
_A0_KT: Final = float(np.sqrt(_GAMMA * _R_AIR * _T0_K) / _KT_MS)


def _isa_temperature_k(altitude_ft: FloatArray) -> FloatArray:
    h = np.asarray(altitude_ft, dtype=np.float64) * 0.3048
    return np.asarray(np.where(h < _TROPOPAUSE_M, _T0_K - _LAPSE_K_M * h, 216.65), np.float64)


def _isa_pressure_pa(altitude_ft: FloatArray) -> FloatArray:
    h = np.asarray(altitude_ft, dtype=np.float64) * 0.3048
    t11 = _T0_K - _LAPSE_K_M * _TROPOPAUSE_M
    p11 = _P0_PA * (t11 / _T0_K) ** (_G0 / (_LAPSE_K_M * _R_AIR))
    trop = _P0_PA * (np.maximum(_T0_K - _LAPSE_K_M * h, 1.0) / _T0_K) ** (
        _G0 / (_LAPSE_K_M * _R_AIR)
    )
    strat = p11 * np.exp(-_G0 * (h - _TROPOPAUSE_M) / (_R_AIR * t11))
    return np.asarray(np.where(h < _TROPOPAUSE_M, trop, strat), dtype=np.float64)


def speed_of_sound_kt(altitude_ft: FloatArray) -> FloatArray:
    """ISA speed of sound at a pressure altitude, in knots."""
    return np.asarray(
        np.sqrt(_GAMMA * _R_AIR * _isa_temperature_k(altitude_ft)) / _KT_MS, dtype=np.float64
    )


def mach_from_cas(cas_kt: FloatArray, altitude_ft: FloatArray) -> FloatArray:
    """Mach number of a calibrated airspeed at a pressure altitude (ISA, subsonic)."""
    qc = _P0_PA * ((1.0 + 0.2 * (np.asarray(cas_kt) / _A0_KT) ** 2) ** 3.5 - 1.0)
    p = _isa_pressure_pa(altitude_ft)
    return np.asarray(np.sqrt(5.0 * ((qc / p + 1.0) ** (2.0 / 7.0) - 1.0)), dtype=np.float64)


# --------------------------------------------------------------------------------- decoding
def _callsign(mb: NDArray[np.uint64]) -> tuple[NDArray[np.object_], BoolArray]:
    codes = np.stack([_bits(mb, 9 + 6 * i, 6) for i in range(8)], axis=1)
    valid = _VALID_CHAR[codes].all(axis=1)
    text = np.ascontiguousarray(_CHARSET[codes]).view("S8").reshape(-1)
    names = np.char.rstrip(np.char.decode(text, "ascii"), " ").astype(object)
    return np.asarray(names, dtype=object), np.asarray(valid, dtype=np.bool_)


def _gicb_registers(mask: IntArray) -> NDArray[np.object_]:
    uniq, inverse = np.unique(mask, return_inverse=True)
    texts = [
        " ".join(GICB_REGISTERS[b] for b in range(24) if (int(m) >> (23 - b)) & 1) for m in uniq
    ]
    return np.asarray(np.array(texts, dtype=object)[inverse], dtype=object)


def _q_altitude_ft(code13: IntArray) -> FloatArray:
    """13-bit altitude code (AC field layout) in feet when Q = 1 and M = 0; NaN otherwise.

    Gillham (Q = 0) threat altitudes are left NaN: they are rare in 3,0 and belong with the
    DF4/20 altitude decoder."""
    m_bit = (code13 >> 6) & 1
    q_bit = (code13 >> 4) & 1
    n = ((code13 >> 7) << 5) | (((code13 >> 5) & 1) << 4) | (code13 & 0xF)
    ok = (m_bit == 0) & (q_bit == 1) & (code13 != 0)
    return np.asarray(np.where(ok, n * 25.0 - 1000.0, np.nan), dtype=np.float64)


def decode_all(mb: NDArray[np.uint64]) -> Values:
    """Decode every register's fields from every row (choice happens in commb)."""
    v: Values = {}

    def put(name: str, register: int, column: NDArray[Any]) -> None:
        v.setdefault(name, {})[register] = column

    # 1,0 data link capability (format id 0x10)
    for name, bit in (
        ("dl_continuation", 9),
        ("dl_overlay_capability", 15),
        ("dl_acas_operational", 16),
        ("dl_level5_transponder", 24),
        ("dl_specific_services", 25),
        ("dl_identification_capability", 33),
        ("dl_squitter_capability", 34),
        ("dl_surveillance_identifier", 35),
        ("dl_gicb_capability", 36),
        ("dl_acas_hybrid_surveillance", 37),
        ("dl_acas_ra_capability", 38),
    ):
        put(name, BDS10, _flag(mb, bit))
    put("dl_subnetwork_version", BDS10, _bits(mb, 17, 7).astype(np.int8))
    put("dl_uplink_elm_capability", BDS10, _bits(mb, 26, 3).astype(np.int8))
    put("dl_downlink_elm_capability", BDS10, _bits(mb, 29, 4).astype(np.int8))
    put("dl_acas_rtca_version", BDS10, _bits(mb, 39, 2).astype(np.int8))
    put("dl_dte_status", BDS10, _bits(mb, 41, 16).astype(np.int32))

    # 1,7 common-usage GICB capability
    gicb = _bits(mb, 1, 24)
    put("gicb_capability_mask", BDS17, gicb.astype(np.int32))
    put("gicb_registers", BDS17, _gicb_registers(gicb))

    # 2,0 aircraft identification
    put("callsign", BDS20, _callsign(mb)[0])

    # 3,0 ACAS active resolution advisory
    tti = _bits(mb, 29, 2)
    put("ara", BDS30, _bits(mb, 9, 14).astype(np.int32))
    put("rac", BDS30, _bits(mb, 23, 4).astype(np.int8))
    put("rat", BDS30, _flag(mb, 27))
    put("mte", BDS30, _flag(mb, 28))
    put("tti", BDS30, tti.astype(np.int8))
    put("threat_icao", BDS30, np.where(tti == 1, _bits(mb, 31, 24), -1).astype(np.int32))
    alt = _q_altitude_ft(_bits(mb, 31, 13))
    put("threat_altitude_ft", BDS30, np.where(tti == 2, alt, np.nan))
    rng = _bits(mb, 44, 7)
    rng_nm = np.where(rng == 127, 12.55, (rng - 1) / 10.0)
    put("threat_range_nm", BDS30, np.where((tti == 2) & (rng > 0), rng_nm, np.nan))
    brg = _bits(mb, 51, 6)
    brg_ok = (tti == 2) & (brg > 0) & (brg <= 60)
    put("threat_bearing_deg", BDS30, np.where(brg_ok, 6.0 * (brg - 1), np.nan))

    # 4,0 selected vertical intention
    put("selected_altitude_mcp_ft", BDS40, _gated(mb, 1, _bits(mb, 2, 12) * 16.0))
    put("selected_altitude_fms_ft", BDS40, _gated(mb, 14, _bits(mb, 15, 12) * 16.0))
    put("baro_setting_hpa", BDS40, _gated(mb, 27, _bits(mb, 28, 12) * 0.1 + 800.0))
    put("mcp_vnav", BDS40, _gated_code(mb, 48, _bits(mb, 49, 1)))
    put("mcp_alt_hold", BDS40, _gated_code(mb, 48, _bits(mb, 50, 1)))
    put("mcp_approach", BDS40, _gated_code(mb, 48, _bits(mb, 51, 1)))
    put("target_altitude_source", BDS40, _gated_code(mb, 54, _bits(mb, 55, 2)))

    # 5,0 track and turn
    put("roll_deg", BDS50, _gated(mb, 1, _signed(mb, 2, 9) * (45.0 / 256.0)))
    put("track_deg", BDS50, _gated(mb, 12, np.mod(_signed(mb, 13, 10) * (90.0 / 512.0), 360.0)))
    put("groundspeed_kt", BDS50, _gated(mb, 24, _bits(mb, 25, 10) * 2.0))
    put("track_rate_deg_s", BDS50, _gated(mb, 35, _signed(mb, 36, 9) * (8.0 / 256.0)))
    put("tas_kt", BDS50, _gated(mb, 46, _bits(mb, 47, 10) * 2.0))

    # 6,0 heading and speed
    put("heading_deg", BDS60, _gated(mb, 1, np.mod(_signed(mb, 2, 10) * (90.0 / 512.0), 360.0)))
    put("ias_kt", BDS60, _gated(mb, 13, _bits(mb, 14, 10) * 1.0))
    put("mach", BDS60, _gated(mb, 24, _bits(mb, 25, 10) * (2.048 / 512.0)))
    put("vertical_rate_baro_fpm", BDS60, _gated(mb, 35, _signed(mb, 36, 9) * 32.0))
    put("vertical_rate_inertial_fpm", BDS60, _gated(mb, 46, _signed(mb, 47, 9) * 32.0))

    # 4,4 meteorological routine air report
    put("meteo_source", BDS44, _bits(mb, 1, 4).astype(np.int8))
    put("wind_speed_kt", BDS44, _gated(mb, 5, _bits(mb, 6, 9) * 1.0))
    put("wind_direction_deg", BDS44, _gated(mb, 5, _bits(mb, 15, 9) * (180.0 / 256.0)))
    put("static_air_temperature_c", BDS44, _signed(mb, 24, 10) * 0.25)
    put("static_pressure_hpa", BDS44, _gated(mb, 35, _bits(mb, 36, 11) * 1.0))
    put("turbulence", BDS44, _gated_code(mb, 47, _bits(mb, 48, 2)))
    put("humidity_pct", BDS44, _gated(mb, 50, _bits(mb, 51, 6) * (100.0 / 64.0)))

    # 4,5 meteorological hazard report
    put("turbulence", BDS45, _gated_code(mb, 1, _bits(mb, 2, 2)))
    put("wind_shear", BDS45, _gated_code(mb, 4, _bits(mb, 5, 2)))
    put("microburst", BDS45, _gated_code(mb, 7, _bits(mb, 8, 2)))
    put("icing", BDS45, _gated_code(mb, 10, _bits(mb, 11, 2)))
    put("wake_vortex", BDS45, _gated_code(mb, 13, _bits(mb, 14, 2)))
    put("static_air_temperature_c", BDS45, _gated(mb, 16, _signed(mb, 17, 9) * 0.25))
    put("static_pressure_hpa", BDS45, _gated(mb, 27, _bits(mb, 28, 11) * 1.0))
    put("radio_height_ft", BDS45, _gated(mb, 39, _bits(mb, 40, 12) * 16.0))
    return v


# ------------------------------------------------------------------------------ fit tests
def _le(values: FloatArray, limit: float) -> BoolArray:
    """values <= limit, where NaN (field not reported) passes."""
    return np.asarray(~(values > limit), dtype=np.bool_)


def _fits_bds10(mb: NDArray[np.uint64]) -> BoolArray:
    return np.asarray((_bits(mb, 1, 8) == 0x10) & (_bits(mb, 10, 5) == 0), dtype=np.bool_)


def _fits_bds17(mb: NDArray[np.uint64]) -> BoolArray:
    # Bits 25-56 are reserved; 2,0 (bit 7) is mandatory for any Comm-B transponder.
    return np.asarray((_bits(mb, 25, 32) == 0) & (_bits(mb, 7, 1) == 1), dtype=np.bool_)


def _fits_bds30(mb: NDArray[np.uint64]) -> BoolArray:
    tti = _bits(mb, 29, 2)
    tid = _bits(mb, 31, 26)
    ok = (_bits(mb, 1, 8) == 0x30) & (tti != 3)
    ok &= ~((tti == 0) & (tid != 0)) & ~((tti == 1) & (_bits(mb, 55, 2) != 0))
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds40(mb: NDArray[np.uint64], v: Values) -> BoolArray:
    ok = ~_wrong_status(mb, 1, 12) & ~_wrong_status(mb, 14, 12) & ~_wrong_status(mb, 27, 12)
    ok &= ~_wrong_status(mb, 48, 3) & ~_wrong_status(mb, 54, 2)
    ok &= (_bits(mb, 40, 8) == 0) & (_bits(mb, 52, 2) == 0)
    ok &= _le(v["selected_altitude_mcp_ft"][BDS40], MAX_SELECTED_ALTITUDE_FT)
    ok &= _le(v["selected_altitude_fms_ft"][BDS40], MAX_SELECTED_ALTITUDE_FT)
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds50(mb: NDArray[np.uint64], v: Values) -> BoolArray:
    ok = ~_wrong_status(mb, 1, 10) & ~_wrong_status(mb, 12, 11) & ~_wrong_status(mb, 24, 10)
    ok &= ~_wrong_status(mb, 35, 10) & ~_wrong_status(mb, 46, 10)
    gs, tas = v["groundspeed_kt"][BDS50], v["tas_kt"][BDS50]
    ok &= _le(np.abs(v["roll_deg"][BDS50]), MAX_ROLL_DEG)
    ok &= _le(gs, MAX_GROUNDSPEED_KT) & _le(tas, MAX_TAS_KT)
    ok &= _le(np.abs(tas - gs), MAX_WIND_KT)
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds60(mb: NDArray[np.uint64], v: Values, altitude_ft: FloatArray) -> BoolArray:
    ok = ~_wrong_status(mb, 1, 11) & ~_wrong_status(mb, 13, 10) & ~_wrong_status(mb, 24, 10)
    ok &= ~_wrong_status(mb, 35, 10) & ~_wrong_status(mb, 46, 10)
    ias, mach = v["ias_kt"][BDS60], v["mach"][BDS60]
    ok &= _le(ias, MAX_IAS_KT) & _le(mach, MAX_MACH)
    ok &= _le(np.abs(v["vertical_rate_baro_fpm"][BDS60]), MAX_VERTICAL_RATE_FPM)
    ok &= _le(np.abs(v["vertical_rate_inertial_fpm"][BDS60]), MAX_VERTICAL_RATE_FPM)
    # IAS and Mach describe one airspeed: at the reply's own altitude they must agree; with no
    # altitude, Mach must lie between the sea-level and 50,000 ft values for that IAS.
    with np.errstate(invalid="ignore"):
        at_alt = mach_from_cas(ias, altitude_ft)
        low = mach_from_cas(ias, np.full_like(ias, -1000.0)) - MACH_TOLERANCE
        high = mach_from_cas(ias, np.full_like(ias, 51000.0)) + MACH_TOLERANCE
    ok &= _le(np.abs(mach - at_alt), MACH_TOLERANCE)
    ok &= ~(mach < low) & ~(mach > high)
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds44(mb: NDArray[np.uint64], v: Values) -> BoolArray:
    ok = (_bits(mb, 1, 4) <= 4) & (_bits(mb, 5, 1) == 1)
    ok &= ~_wrong_status(mb, 35, 11) & ~_wrong_status(mb, 47, 2) & ~_wrong_status(mb, 50, 6)
    ok &= _le(v["wind_speed_kt"][BDS44], MAX_METEO_WIND_KT)
    sat = v["static_air_temperature_c"][BDS44]
    ok &= (sat >= MIN_SAT_C) & (sat <= MAX_SAT_C)
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds45(mb: NDArray[np.uint64], v: Values) -> BoolArray:
    ok = _bits(mb, 52, 5) == 0
    for status_bit, width in ((1, 2), (4, 2), (7, 2), (10, 2), (13, 2), (16, 10), (27, 11)):
        ok &= ~_wrong_status(mb, status_bit, width)
    ok &= ~_wrong_status(mb, 39, 12)
    sat = v["static_air_temperature_c"][BDS45]
    ok &= ~(sat < MIN_SAT_C) & ~(sat > MAX_SAT_C)
    return np.asarray(ok, dtype=np.bool_)


def coherent_all(v: Values, altitude_ft: FloatArray) -> BoolArray:
    """(N, len(REGISTERS)) bool: are the register's values coherent with each other?

    Weaker evidence than ``fits_all`` (some avionics fill a field with junk), so it only
    breaks ties between candidates and never removes a sole candidate.
    """
    out = np.ones((len(altitude_ft), len(REGISTERS)), dtype=np.bool_)
    # 5,0: a coordinated turn at bank angle phi turns at g tan(phi) / TAS. Real 5,0 replies
    # agree within ~0.2 deg/s (99 % of the pyModeS sample captures); a 6,0 read as 5,0 does
    # not. Saturated rates (+-16 deg/s) mean "not computed" on some transponders.
    tas, gs = v["tas_kt"][BDS50], v["groundspeed_kt"][BDS50]
    rate = v["track_rate_deg_s"][BDS50]
    speed = np.where(np.isnan(tas), gs, tas)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = _G_KT_DEG_S * np.tan(np.radians(v["roll_deg"][BDS50])) / speed
    usable = (np.abs(rate) < _TRACK_RATE_SATURATED_DEG_S) & (speed > 50.0)
    out[:, BDS50] = ~(usable & (np.abs(rate - expected) > TURN_RATE_TOLERANCE_DEG_S))
    # 6,0: baro and inertial rates measure one climb (real replies differ by < 800 fpm); and
    # an aircraft flying at 1,000 ft or more does not report an IAS below 40 kt.
    split = np.abs(v["vertical_rate_baro_fpm"][BDS60] - v["vertical_rate_inertial_fpm"][BDS60])
    slow = (v["ias_kt"][BDS60] < MIN_AIRBORNE_IAS_KT) & (altitude_ft >= 1000.0)
    out[:, BDS60] = _le(split, MAX_VERTICAL_RATE_SPLIT_FPM) & ~slow
    # 4,0: pilots dial the MCP/FCU altitude in 100 ft steps (100 m on metric FCUs); the
    # 16 ft encoding keeps it within 16 ft of such a step (every 4,0 in the sample captures).
    mcp = v["selected_altitude_mcp_ft"][BDS40]
    off_ft = np.abs((mcp + 50.0) % 100.0 - 50.0)
    step_m_ft = 100.0 / 0.3048
    off_m = np.abs((mcp + step_m_ft / 2) % step_m_ft - step_m_ft / 2)
    out[:, BDS40] = ~((off_ft > MCP_STEP_TOLERANCE_FT) & (off_m > MCP_STEP_TOLERANCE_FT))
    return out


def fits_all(
    mb: NDArray[np.uint64], v: Values, altitude_ft: FloatArray, *, meteo: bool
) -> BoolArray:
    """(N, len(REGISTERS)) bool: could row i be register k? Meteo columns False unless asked."""
    out = np.zeros((mb.shape[0], len(REGISTERS)), dtype=np.bool_)
    out[:, BDS10] = _fits_bds10(mb)
    out[:, BDS17] = _fits_bds17(mb)
    out[:, BDS20] = (_bits(mb, 1, 8) == 0x20) & _callsign(mb)[1]
    out[:, BDS30] = _fits_bds30(mb)
    out[:, BDS40] = _fits_bds40(mb, v)
    out[:, BDS50] = _fits_bds50(mb, v)
    out[:, BDS60] = _fits_bds60(mb, v, altitude_ft)
    if meteo:
        out[:, BDS44] = _fits_bds44(mb, v)
        out[:, BDS45] = _fits_bds45(mb, v)
    return out
