"""Mode S replies other than squitters: DF11 all-call, DF4/5 surveillance, DF20/21 Comm-B.

Owns these layouts (ICAO Annex 10 Vol IV §3.1.2; bit numbers of the whole reply, MSB = 1):

    DF11  DF 5 | CA 3 | AA 24 | PI 24 (CRC XOR interrogator code; 0 for the squitter)
    DF4   DF 5 | FS 3 | DR 5 | UM 6 | AC 13 (25 ft, Q = 1) | AP 24 (CRC XOR address)
    DF5   DF 5 | FS 3 | DR 5 | UM 6 | ID 13 (Gillham squawk) | AP 24
    DF20  as DF4 with MB 56 before AP;  DF21 as DF5 with MB 56 before AP

and the Comm-B registers (MB bits 1..56):

    BDS 2,0  0x20 (8 bits) | callsign 8 x 6 bits
    BDS 4,0  status | MCP/FCU alt 12 (16 ft) | status | FMS alt 12 (16 ft) | status |
             baro 12 ((x * 0.1) + 800 hPa) | res 8 | mode status | VNAV | ALT | APP | res 2 |
             target-alt status | target-alt source 2
    BDS 5,0  status | roll 10 signed (45/256 deg) | status | track 11 signed (90/512 deg) |
             status | GS 10 (2 kt) | status | track rate 10 signed (8/256 deg/s) | status |
             TAS 10 (2 kt)
    BDS 6,0  status | heading 11 signed (90/512 deg) | status | IAS 10 (1 kt) | status |
             Mach 10 (2.048/512) | status | baro rate 10 signed (32 fpm) | status |
             IVV 10 signed (32 fpm)

"signed" fields are two's complement including their sign bit. A NaN value clears the field's
status bit. Squawks are the four octal digits as a decimal number. Pure and thread-safe.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.encode.fields import F64, U64, ac13_code, as_f64, as_u64, callsign_code, squawk_code
from skytrace.encode.frames import Messages, assemble_long, assemble_short

__all__ = [
    "all_call",
    "bds20",
    "bds40",
    "bds50",
    "bds60",
    "commb_altitude",
    "commb_identity",
    "surveillance_altitude",
    "surveillance_identity",
]


def all_call(
    icao24: npt.ArrayLike, *, ca: npt.ArrayLike = 5, interrogator: npt.ArrayLike = 0
) -> Messages:
    """DF11: the acquisition squitter (interrogator 0) or an all-call reply to an II code."""
    low27 = (as_u64(ca) << 24) | (as_u64(icao24) & 0xFFFFFF)
    return assemble_short(11, low27, np.asarray(interrogator, np.uint32) & 0x7F)


def _ac_field(altitude_ft: npt.ArrayLike) -> U64:
    alt = as_f64(altitude_ft)
    return np.where(np.isnan(alt), 0, ac13_code(np.nan_to_num(alt))).astype(np.uint64)


def _surveillance_low27(flight_status: npt.ArrayLike, code13: U64) -> U64:
    # DR and UM stay 0: no downlink request, no utility message.
    return (as_u64(flight_status) << 24) | code13


def surveillance_altitude(
    icao24: npt.ArrayLike, altitude_ft: npt.ArrayLike, *, flight_status: npt.ArrayLike = 0
) -> Messages:
    """DF4: altitude reply (FS 0 airborne, 1 on ground)."""
    return assemble_short(
        4, _surveillance_low27(flight_status, _ac_field(altitude_ft)), _addr(icao24)
    )


def surveillance_identity(
    icao24: npt.ArrayLike, squawk: npt.ArrayLike, *, flight_status: npt.ArrayLike = 0
) -> Messages:
    """DF5: identity reply carrying the squawk."""
    return assemble_short(5, _surveillance_low27(flight_status, squawk_code(squawk)), _addr(icao24))


def commb_altitude(
    icao24: npt.ArrayLike,
    altitude_ft: npt.ArrayLike,
    mb: npt.ArrayLike,
    *,
    flight_status: npt.ArrayLike = 0,
) -> Messages:
    """DF20: altitude reply with a 56-bit Comm-B register (see ``bds20`` … ``bds60``)."""
    low27 = _surveillance_low27(flight_status, _ac_field(altitude_ft))
    return assemble_long(20, low27, mb, _addr(icao24))


def commb_identity(
    icao24: npt.ArrayLike,
    squawk: npt.ArrayLike,
    mb: npt.ArrayLike,
    *,
    flight_status: npt.ArrayLike = 0,
) -> Messages:
    """DF21: identity reply with a 56-bit Comm-B register."""
    low27 = _surveillance_low27(flight_status, squawk_code(squawk))
    return assemble_long(21, low27, mb, _addr(icao24))


def _addr(icao24: npt.ArrayLike) -> npt.NDArray[np.integer[Any]]:
    return np.asarray(icao24, np.uint32) & 0xFFFFFF


def bds20(callsign: npt.ArrayLike) -> U64:
    """BDS 2,0 aircraft identification: the register number 0x20 then the callsign."""
    return (np.uint64(0x20) << 48) | callsign_code(callsign)


def _field(values: F64, step: float, bits: int, *, signed: bool = False) -> tuple[U64, U64]:
    """(status, code) of a field of ``bits`` bits (sign included when signed); NaN -> 0, 0."""
    ok = ~np.isnan(values)
    scaled = np.rint(np.nan_to_num(values) / step)
    if signed:
        half = 1 << (bits - 1)
        code = np.clip(scaled, -half, half - 1).astype(np.int64) & ((1 << bits) - 1)
    else:
        code = np.clip(scaled, 0, (1 << bits) - 1).astype(np.int64)
    return ok.astype(np.uint64), np.where(ok, code, 0).astype(np.uint64)


def _signed_angle(angle_deg: F64) -> F64:
    """An angle in [0, 360) as the signed value in [-180, 180) the registers carry."""
    return (angle_deg + 180.0) % 360.0 - 180.0


def bds40(
    mcp_altitude_ft: npt.ArrayLike,
    fms_altitude_ft: npt.ArrayLike = np.nan,
    baro_setting_hpa: npt.ArrayLike = np.nan,
) -> U64:
    """BDS 4,0 selected vertical intention: selected altitudes (16 ft) and QNH (0.1 hPa)."""
    s_mcp, mcp = _field(as_f64(mcp_altitude_ft), 16.0, 12)
    s_fms, fms = _field(as_f64(fms_altitude_ft), 16.0, 12)
    s_baro, baro = _field(as_f64(baro_setting_hpa) - 800.0, 0.1, 12)
    return (s_mcp << 55) | (mcp << 43) | (s_fms << 42) | (fms << 30) | (s_baro << 29) | (baro << 17)


def bds50(
    roll_deg: npt.ArrayLike,
    track_deg: npt.ArrayLike,
    groundspeed_kt: npt.ArrayLike,
    track_rate_deg_s: npt.ArrayLike,
    tas_kt: npt.ArrayLike,
) -> U64:
    """BDS 5,0 track and turn report."""
    s_roll, roll = _field(as_f64(roll_deg), 45.0 / 256, 10, signed=True)
    s_trk, trk = _field(_signed_angle(as_f64(track_deg)), 90.0 / 512, 11, signed=True)
    s_gs, gs = _field(as_f64(groundspeed_kt), 2.0, 10)
    s_rate, rate = _field(as_f64(track_rate_deg_s), 8.0 / 256, 10, signed=True)
    s_tas, tas = _field(as_f64(tas_kt), 2.0, 10)
    return (
        (s_roll << 55)
        | (roll << 45)
        | (s_trk << 44)
        | (trk << 33)
        | (s_gs << 32)
        | (gs << 22)
        | (s_rate << 21)
        | (rate << 11)
        | (s_tas << 10)
        | tas
    )


def bds60(
    heading_deg: npt.ArrayLike,
    ias_kt: npt.ArrayLike,
    mach: npt.ArrayLike,
    baro_rate_fpm: npt.ArrayLike,
    inertial_rate_fpm: npt.ArrayLike,
) -> U64:
    """BDS 6,0 heading and speed report (magnetic heading, IAS, Mach, vertical rates)."""
    s_hdg, hdg = _field(_signed_angle(as_f64(heading_deg)), 90.0 / 512, 11, signed=True)
    s_ias, ias = _field(as_f64(ias_kt), 1.0, 10)
    s_mach, mach_c = _field(as_f64(mach), 2.048 / 512, 10)
    s_baro, baro = _field(as_f64(baro_rate_fpm), 32.0, 10, signed=True)
    s_ivv, ivv = _field(as_f64(inertial_rate_fpm), 32.0, 10, signed=True)
    return (
        (s_hdg << 55)
        | (hdg << 44)
        | (s_ias << 43)
        | (ias << 33)
        | (s_mach << 32)
        | (mach_c << 22)
        | (s_baro << 21)
        | (baro << 11)
        | (s_ivv << 10)
        | ivv
    )
