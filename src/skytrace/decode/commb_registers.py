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

from skytrace.decode.codes import ALTITUDE_AC13_FT

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
    "as_int64",
    "callsign_text",
    "coherent_all",
    "decode_all",
    "fits_all",
    "gicb_text",
    "mach_from_cas",
    "speed_of_sound_kt",
]

REGISTERS: Final = ("1,0", "1,7", "2,0", "3,0", "4,0", "4,4", "4,5", "5,0", "6,0")
BDS10, BDS17, BDS20, BDS30, BDS40, BDS44, BDS45, BDS50, BDS60 = range(len(REGISTERS))
FORMAT_ID_REGISTERS: Final = (BDS10, BDS20, BDS30)
ALL_REGISTERS: Final = tuple(range(len(REGISTERS)))
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


def _bits(mb: IntArray, first: int, width: int) -> IntArray:
    """MB bits ``first`` .. ``first + width - 1`` (1-based) as integers.

    ``mb`` is the MB field as int64 (56 bits fit), so shifts stay in one dtype."""
    shift = 56 - (first + width - 1)
    return (mb >> shift) & ((1 << width) - 1)


def as_int64(mb: NDArray[np.uint64]) -> IntArray:
    """The MB fields as int64, the dtype the decoding helpers work in."""
    return np.asarray(mb, dtype=np.uint64).astype(np.int64) & ((1 << 56) - 1)


def _signed(mb: IntArray, sign_bit: int, width: int) -> IntArray:
    """Two's complement value: sign at ``sign_bit``, ``width`` magnitude bits right after."""
    return _bits(mb, sign_bit + 1, width) - (_bits(mb, sign_bit, 1) << width)


def _flag(mb: IntArray, bit: int) -> NDArray[np.int8]:
    return _bits(mb, bit, 1).astype(np.int8)


def _gated(mb: IntArray, status_bit: int, value: NDArray[Any]) -> FloatArray:
    return np.asarray(np.where(_bits(mb, status_bit, 1) == 1, value, np.nan), dtype=np.float64)


def _gated_code(mb: IntArray, status_bit: int, value: IntArray) -> NDArray[np.int8]:
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


_IAS_CODES = np.arange(1024, dtype=np.float64)
_MACH_AT_MINUS_1000_FT: Final = mach_from_cas(_IAS_CODES, np.full(1024, -1000.0))
_MACH_AT_51000_FT: Final = mach_from_cas(_IAS_CODES, np.full(1024, 51000.0))


# --------------------------------------------------------------------------------- decoding
def _callsign_codes(mb: IntArray) -> tuple[NDArray[np.bytes_], BoolArray]:
    """The 8 characters as fixed-width bytes, and whether all are in the character set."""
    codes = np.stack([_bits(mb, 9 + 6 * i, 6) for i in range(8)], axis=1)
    valid = _VALID_CHAR[codes].all(axis=1)
    text = np.ascontiguousarray(_CHARSET[codes]).view("S8").reshape(-1)
    return text, np.asarray(valid, dtype=np.bool_)


def callsign_text(raw: NDArray[Any]) -> NDArray[np.object_]:
    """Fixed-width callsign bytes to str without trailing spaces (only for chosen rows)."""
    return np.array([b.decode("ascii").rstrip(" ") for b in raw.tolist()], dtype=object)


def gicb_text(mask: NDArray[Any]) -> NDArray[np.object_]:
    """1,7 capability bits to the space-separated register list (only for chosen rows)."""
    uniq, inverse = np.unique(mask, return_inverse=True)
    names = np.array([_gicb_names(int(m)) for m in uniq.tolist()], dtype=object)
    return np.asarray(names[inverse.reshape(-1)], dtype=object)


def _gicb_names(mask: int) -> str:
    return " ".join(GICB_REGISTERS[b] for b in range(24) if (mask >> (23 - b)) & 1)


def decode_all(mb_field: NDArray[Any], registers: tuple[int, ...] = ALL_REGISTERS) -> Values:
    """Decode the fields of ``registers`` (default all) from every row of ``mb_field``.

    commb calls it per chosen register on that register's rows only."""
    mb = as_int64(mb_field)
    v: Values = {}

    def put(name: str, register: int, column: NDArray[Any]) -> None:
        v.setdefault(name, {})[register] = column

    # 1,0 data link capability (format id 0x10)
    if BDS10 in registers:
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
    if BDS17 in registers:
        gicb = _bits(mb, 1, 24)
        put("gicb_capability_mask", BDS17, gicb.astype(np.int32))
        put("gicb_registers", BDS17, gicb_text(gicb))

    # 2,0 aircraft identification
    if BDS20 in registers:
        put("callsign", BDS20, callsign_text(_callsign_codes(mb)[0]))

    # 3,0 ACAS active resolution advisory
    if BDS30 in registers:
        tti = _bits(mb, 29, 2)
        put("ara", BDS30, _bits(mb, 9, 14).astype(np.int32))
        put("rac", BDS30, _bits(mb, 23, 4).astype(np.int8))
        put("rat", BDS30, _flag(mb, 27))
        put("mte", BDS30, _flag(mb, 28))
        put("tti", BDS30, tti.astype(np.int8))
        put("threat_icao", BDS30, np.where(tti == 1, _bits(mb, 31, 24), -1).astype(np.int32))
        # Same 13-bit code as the AC field: Q = 1 25 ft steps, Q = 0 Gillham 100 ft steps.
        alt = ALTITUDE_AC13_FT[_bits(mb, 31, 13)].astype(np.float64)
        put("threat_altitude_ft", BDS30, np.where(tti == 2, alt, np.nan))
        rng = _bits(mb, 44, 7)
        rng_nm = np.where(rng == 127, 12.55, (rng - 1) / 10.0)
        put("threat_range_nm", BDS30, np.where((tti == 2) & (rng > 0), rng_nm, np.nan))
        brg = _bits(mb, 51, 6)
        brg_ok = (tti == 2) & (brg > 0) & (brg <= 60)
        put("threat_bearing_deg", BDS30, np.where(brg_ok, 6.0 * (brg - 1), np.nan))

    # 4,0 selected vertical intention
    if BDS40 in registers:
        put("selected_altitude_mcp_ft", BDS40, _gated(mb, 1, _bits(mb, 2, 12) * 16.0))
        put("selected_altitude_fms_ft", BDS40, _gated(mb, 14, _bits(mb, 15, 12) * 16.0))
        put("baro_setting_hpa", BDS40, _gated(mb, 27, _bits(mb, 28, 12) * 0.1 + 800.0))
        put("mcp_vnav", BDS40, _gated_code(mb, 48, _bits(mb, 49, 1)))
        put("mcp_alt_hold", BDS40, _gated_code(mb, 48, _bits(mb, 50, 1)))
        put("mcp_approach", BDS40, _gated_code(mb, 48, _bits(mb, 51, 1)))
        put("target_altitude_source", BDS40, _gated_code(mb, 54, _bits(mb, 55, 2)))

    # 5,0 track and turn
    if BDS50 in registers:
        put("roll_deg", BDS50, _gated(mb, 1, _signed(mb, 2, 9) * (45.0 / 256.0)))
        put("track_deg", BDS50, _gated(mb, 12, np.mod(_signed(mb, 13, 10) * (90.0 / 512.0), 360.0)))
        put("groundspeed_kt", BDS50, _gated(mb, 24, _bits(mb, 25, 10) * 2.0))
        put("track_rate_deg_s", BDS50, _gated(mb, 35, _signed(mb, 36, 9) * (8.0 / 256.0)))
        put("tas_kt", BDS50, _gated(mb, 46, _bits(mb, 47, 10) * 2.0))

    # 6,0 heading and speed
    if BDS60 in registers:
        put("heading_deg", BDS60, _gated(mb, 1, np.mod(_signed(mb, 2, 10) * (90.0 / 512.0), 360.0)))
        put("ias_kt", BDS60, _gated(mb, 13, _bits(mb, 14, 10) * 1.0))
        put("mach", BDS60, _gated(mb, 24, _bits(mb, 25, 10) * (2.048 / 512.0)))
        put("vertical_rate_baro_fpm", BDS60, _gated(mb, 35, _signed(mb, 36, 9) * 32.0))
        put("vertical_rate_inertial_fpm", BDS60, _gated(mb, 46, _signed(mb, 47, 9) * 32.0))

    # 4,4 meteorological routine air report
    if BDS44 in registers:
        put("meteo_source", BDS44, _bits(mb, 1, 4).astype(np.int8))
        put("wind_speed_kt", BDS44, _gated(mb, 5, _bits(mb, 6, 9) * 1.0))
        put("wind_direction_deg", BDS44, _gated(mb, 5, _bits(mb, 15, 9) * (180.0 / 256.0)))
        put("static_air_temperature_c", BDS44, _signed(mb, 24, 10) * 0.25)
        put("static_pressure_hpa", BDS44, _gated(mb, 35, _bits(mb, 36, 11) * 1.0))
        put("turbulence", BDS44, _gated_code(mb, 47, _bits(mb, 48, 2)))
        put("humidity_pct", BDS44, _gated(mb, 50, _bits(mb, 51, 6) * (100.0 / 64.0)))

    # 4,5 meteorological hazard report
    if BDS45 in registers:
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
# Fit tests work on the raw integers (no float columns): limits are converted to raw units.
def _le(values: FloatArray, limit: float) -> BoolArray:
    """values <= limit, where NaN (field not reported) passes."""
    return np.asarray(~(values > limit), dtype=np.bool_)


def _bit(n: int) -> int:
    return 1 << (56 - n)


def _span(first: int, width: int) -> int:
    return ((1 << width) - 1) << (56 - (first + width - 1))


def _wrong(mb: IntArray, status_bit: int, width: int) -> BoolArray:
    """Status bit 0 while the ``width`` bits after it are not all zero."""
    wrong = ((mb & _bit(status_bit)) == 0) & ((mb & _span(status_bit + 1, width)) != 0)
    return np.asarray(wrong, dtype=np.bool_)


def _any_wrong(mb: IntArray, fields: tuple[tuple[int, int], ...]) -> BoolArray:
    out = _wrong(mb, *fields[0])
    for field in fields[1:]:
        out |= _wrong(mb, *field)
    return out


def _has(mb: IntArray, bit: int) -> BoolArray:
    return np.asarray((mb & _bit(bit)) != 0, dtype=np.bool_)


_RAW_MAX_SELECTED_ALT: Final = int(MAX_SELECTED_ALTITUDE_FT // 16)
_RAW_MAX_ROLL: Final = int(MAX_ROLL_DEG / (45.0 / 256.0))
_RAW_MAX_GS: Final = int(MAX_GROUNDSPEED_KT // 2)
_RAW_MAX_TAS: Final = int(MAX_TAS_KT // 2)
_RAW_MAX_WIND: Final = int(MAX_WIND_KT // 2)
_RAW_MAX_MACH: Final = round(MAX_MACH / (2.048 / 512.0))
_RAW_MAX_VR: Final = int(MAX_VERTICAL_RATE_FPM // 32)
_RAW_MIN_SAT: Final = int(MIN_SAT_C / 0.25)
_RAW_MAX_SAT: Final = int(MAX_SAT_C / 0.25)
_RESERVED_40: Final = _span(40, 8) | _span(52, 2)


def _fits_bds10(mb: IntArray) -> BoolArray:
    return np.asarray((_bits(mb, 1, 8) == 0x10) & (_bits(mb, 10, 5) == 0), dtype=np.bool_)


def _fits_bds17(mb: IntArray) -> BoolArray:
    # Bits 25-56 are reserved; 2,0 (bit 7) is mandatory for any Comm-B transponder.
    return np.asarray(((mb & _span(25, 32)) == 0) & _has(mb, 7), dtype=np.bool_)


def _fits_bds20(mb: IntArray) -> BoolArray:
    ok = _bits(mb, 1, 8) == 0x20
    rows = np.flatnonzero(ok)
    ok[rows] = _callsign_codes(mb[rows])[1]
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds30(mb: IntArray) -> BoolArray:
    tti = _bits(mb, 29, 2)
    tid = _bits(mb, 31, 26)
    ok = (_bits(mb, 1, 8) == 0x30) & (tti != 3)
    ok &= ~((tti == 0) & (tid != 0)) & ~((tti == 1) & (_bits(mb, 55, 2) != 0))
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds40(mb: IntArray) -> BoolArray:
    ok = ~_any_wrong(mb, ((1, 12), (14, 12), (27, 12), (48, 3), (54, 2)))
    ok &= (mb & _RESERVED_40) == 0
    ok &= (_bits(mb, 2, 12) <= _RAW_MAX_SELECTED_ALT) & (_bits(mb, 15, 12) <= _RAW_MAX_SELECTED_ALT)
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds50(mb: IntArray) -> BoolArray:
    ok = ~_any_wrong(mb, ((1, 10), (12, 11), (24, 10), (35, 10), (46, 10)))
    gs, tas = _bits(mb, 25, 10), _bits(mb, 47, 10)
    ok &= np.abs(_signed(mb, 2, 9)) <= _RAW_MAX_ROLL
    ok &= (gs <= _RAW_MAX_GS) & (tas <= _RAW_MAX_TAS)
    both = _has(mb, 24) & _has(mb, 46)
    ok &= ~(both & (np.abs(tas - gs) > _RAW_MAX_WIND))
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds60(mb: IntArray, altitude_ft: FloatArray) -> BoolArray:
    ok = ~_any_wrong(mb, ((1, 11), (13, 10), (24, 10), (35, 10), (46, 10)))
    ias_raw, mach_raw = _bits(mb, 14, 10), _bits(mb, 25, 10)
    ok &= (ias_raw <= MAX_IAS_KT) & (mach_raw <= _RAW_MAX_MACH)
    ok &= (np.abs(_signed(mb, 36, 9)) <= _RAW_MAX_VR) & (np.abs(_signed(mb, 47, 9)) <= _RAW_MAX_VR)
    # IAS and Mach describe one airspeed: at the reply's own altitude they must agree; with no
    # altitude, Mach must lie between the sea-level and 50,000 ft values for that IAS.
    both = _has(mb, 13) & _has(mb, 24)
    mach = mach_raw * (2.048 / 512.0)
    low = _MACH_AT_MINUS_1000_FT[ias_raw] - MACH_TOLERANCE
    high = _MACH_AT_51000_FT[ias_raw] + MACH_TOLERANCE
    ok &= ~(both & ((mach < low) | (mach > high)))
    rows = np.flatnonzero(ok & both & ~np.isnan(altitude_ft))
    if rows.size:
        at_alt = mach_from_cas(ias_raw[rows].astype(np.float64), altitude_ft[rows])
        ok[rows] = np.abs(mach[rows] - at_alt) <= MACH_TOLERANCE
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds44(mb: IntArray) -> BoolArray:
    ok = (_bits(mb, 1, 4) <= 4) & _has(mb, 5)
    ok &= ~_any_wrong(mb, ((35, 11), (47, 2), (50, 6)))
    ok &= _bits(mb, 6, 9) <= MAX_METEO_WIND_KT
    sat = _signed(mb, 24, 10)
    ok &= (sat >= _RAW_MIN_SAT) & (sat <= _RAW_MAX_SAT)
    return np.asarray(ok, dtype=np.bool_)


def _fits_bds45(mb: IntArray) -> BoolArray:
    ok = (mb & _span(52, 5)) == 0
    status = ((1, 2), (4, 2), (7, 2), (10, 2), (13, 2), (16, 10), (27, 11), (39, 12))
    ok &= ~_any_wrong(mb, status)
    sat = _signed(mb, 17, 9)
    ok &= ~(_has(mb, 16) & ((sat < _RAW_MIN_SAT) | (sat > _RAW_MAX_SAT)))
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


def fits_all(mb_field: NDArray[Any], altitude_ft: FloatArray, *, meteo: bool) -> BoolArray:
    """(N, len(REGISTERS)) bool: could row i be register k? Meteo columns False unless asked.

    ``altitude_ft`` (NaN where unknown) is the reply's own altitude for the IAS/Mach test."""
    mb = as_int64(mb_field)
    alt = np.broadcast_to(np.asarray(altitude_ft, dtype=np.float64), mb.shape)
    # Filled register by register as contiguous rows, returned as the (N, K) view.
    out = np.zeros((len(REGISTERS), mb.shape[0]), dtype=np.bool_)
    out[BDS10] = _fits_bds10(mb)
    out[BDS17] = _fits_bds17(mb)
    out[BDS20] = _fits_bds20(mb)
    out[BDS30] = _fits_bds30(mb)
    out[BDS40] = _fits_bds40(mb)
    out[BDS50] = _fits_bds50(mb)
    out[BDS60] = _fits_bds60(mb, alt)
    if meteo:
        out[BDS44] = _fits_bds44(mb)
        out[BDS45] = _fits_bds45(mb)
    return out.T
