"""DF17 extended squitters: the 56-bit ME field of each message type, built on arrays.

Owns the ME layouts of DO-260B §2.2.3.2 (bit numbers are ME bits 1..56, MSB first):

    TC 1-4   identification      TC 5 | CAT 3 | 8 x 6-bit characters
    TC 5-8   surface position    TC 5 | MOV 7 | S 1 | TRK 7 | T 1 | F 1 | LAT 17 | LON 17
    TC 9-18  airborne position   TC 5 | SS 2 | NICb 1 | ALT 12 (Q=1) | T 1 | F 1 | LAT 17 | LON 17
    TC 19/1  velocity (ground)   TC 5 | ST 3 | IC 1 | IFR 1 | NACv 3 | Sew 1 | Vew 10 | Sns 1 |
                                 Vns 10 | VrSrc 1 (1 = baro) | Svr 1 | VR 9 | res 2 | Sdif 1 |
                                 dAlt 7
    TC 28/1  aircraft status     TC 5 | ST 3 | emergency 3 | Mode A 13 | reserved 32
    TC 29/1  target state (v2)   TC 5 | ST 2 | SILs 1 | alt type 1 | sel. alt 11 ((N-1)*32 ft) |
                                 QNH 9 ((N-1)*0.8+800 hPa) | hdg status 1 | hdg 9 (360/512 deg) |
                                 NACp 4 | NICbaro 1 | SIL 2 | mode status 1 | AP | VNAV | ALT |
                                 res | APP | TCAS | LNAV | res 2
    TC 31/0  operational status  TC 5 | ST 3 | CC 16 | OM 16 | version 3 | NIC-A 1 | NACp 4 |
                                 GVA 2 | SIL 2 | NICbaro 1 | HRD 1 | SILs 1 | res 1

Every builder takes the aircraft address and field values as arrays (scalars broadcast) and
returns ``Messages``. A NaN value is sent as the standard's "no information" (0) code. Units:
feet, knots, degrees, feet per minute, hPa. Values are rounded to each field's resolution and
clipped to its range. Pure and thread-safe.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.encode.fields import (
    F64,
    U64,
    ac12_code,
    as_f64,
    as_u64,
    callsign_code,
    cpr_encode,
    squawk_code,
)
from skytrace.encode.frames import Messages, assemble_long

__all__ = [
    "SURFACE_SPEED_KT",
    "airborne_position",
    "airborne_velocity",
    "aircraft_status",
    "identification",
    "operational_status",
    "surface_position",
    "target_state",
]


def _quantize(values: F64, step: float, offset: float, max_code: int) -> U64:
    """Code (value / step) + offset, rounded and clipped to 1..max_code; NaN -> 0."""
    code = np.clip(np.rint(np.nan_to_num(values / step, nan=0.0)) + offset, 1, max_code)
    return np.where(np.isnan(values), 0, code).astype(np.uint64)


def _df17(icao24: npt.ArrayLike, me: U64, ca: npt.ArrayLike) -> Messages:
    low27 = (as_u64(ca) << 24) | (as_u64(icao24) & 0xFFFFFF)
    return assemble_long(17, low27, me, 0)


def identification(
    icao24: npt.ArrayLike,
    callsign: npt.ArrayLike,
    *,
    category: npt.ArrayLike = 0,
    typecode: npt.ArrayLike = 4,
    ca: npt.ArrayLike = 5,
) -> Messages:
    """TC 1-4: callsign and emitter category (TC 4 with category 3 = a large jet, 'A3')."""
    me = (as_u64(typecode) << 51) | (as_u64(category) << 48) | callsign_code(callsign)
    return _df17(icao24, me, ca)


def airborne_position(
    icao24: npt.ArrayLike,
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    altitude_ft: npt.ArrayLike,
    odd: npt.ArrayLike,
    *,
    typecode: npt.ArrayLike = 11,
    surveillance_status: npt.ArrayLike = 0,
    nic_b: npt.ArrayLike = 0,
    time_sync: npt.ArrayLike = 0,
    ca: npt.ArrayLike = 5,
) -> Messages:
    """TC 9-18: barometric altitude (25 ft) and a CPR position, even (odd=False) or odd."""
    alt = as_f64(altitude_ft)
    alt_code = np.where(np.isnan(alt), 0, ac12_code(np.nan_to_num(alt)))
    odd_b = np.asarray(odd, np.bool_)
    yz, xz = cpr_encode(lat_deg, lon_deg, odd_b)
    me = (
        (as_u64(typecode) << 51)
        | (as_u64(surveillance_status) << 49)
        | (as_u64(nic_b) << 48)
        | (alt_code.astype(np.uint64) << 36)
        | (as_u64(time_sync) << 35)
        | (odd_b.astype(np.uint64) << 34)
        | (yz << 17)
        | xz
    )
    return _df17(icao24, me, ca)


def _surface_speed_table() -> F64:
    speeds = np.full(125, np.nan)
    speeds[1] = 0.0
    speeds[2:9] = 0.125 * np.arange(1, 8)
    speeds[9:13] = 1.0 + 0.25 * np.arange(4)
    speeds[13:39] = 2.0 + 0.5 * np.arange(26)
    speeds[39:94] = 15.0 + np.arange(55)
    speeds[94:109] = 70.0 + 2.0 * np.arange(15)
    speeds[109:124] = 100.0 + 5.0 * np.arange(15)
    speeds[124] = 175.0
    return speeds


SURFACE_SPEED_KT: Final = _surface_speed_table()
"""Ground speed (kt) of each surface movement code 1..124, the bottom of its step; 0 = no info."""

_MOV_EDGES: Final = (SURFACE_SPEED_KT[1:-1] + SURFACE_SPEED_KT[2:]) / 2.0


def _movement_code(groundspeed_kt: F64) -> U64:
    # Nearest step: code 1 + number of midpoints below the speed.
    code = 1 + np.searchsorted(_MOV_EDGES, np.nan_to_num(groundspeed_kt, nan=0.0), side="right")
    return np.where(np.isnan(groundspeed_kt), 0, code).astype(np.uint64)


def surface_position(
    icao24: npt.ArrayLike,
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    groundspeed_kt: npt.ArrayLike,
    track_deg: npt.ArrayLike,
    odd: npt.ArrayLike,
    *,
    typecode: npt.ArrayLike = 7,
    ca: npt.ArrayLike = 4,
) -> Messages:
    """TC 5-8: movement (non-linear speed steps), ground track (360/128 deg) and surface CPR."""
    trk = as_f64(track_deg)
    trk_code = np.where(np.isnan(trk), 0, np.rint(np.nan_to_num(trk) / (360.0 / 128)) % 128)
    status = (~np.isnan(trk)).astype(np.uint64)
    odd_b = np.asarray(odd, np.bool_)
    yz, xz = cpr_encode(lat_deg, lon_deg, odd_b, surface=True)
    me = (
        (as_u64(typecode) << 51)
        | (_movement_code(as_f64(groundspeed_kt)) << 44)
        | (status << 43)
        | (trk_code.astype(np.uint64) << 36)
        | (odd_b.astype(np.uint64) << 34)
        | (yz << 17)
        | xz
    )
    return _df17(icao24, me, ca)


def _signed_magnitude(values: F64, step: float, max_code: int) -> tuple[U64, U64]:
    """(sign bit, magnitude code) with code = |v| / step + 1 (0 = no information)."""
    sign = (np.nan_to_num(values) < 0).astype(np.uint64)
    return sign, _quantize(np.abs(values), step, 1.0, max_code)


def airborne_velocity(
    icao24: npt.ArrayLike,
    groundspeed_kt: npt.ArrayLike,
    track_deg: npt.ArrayLike,
    vertical_rate_fpm: npt.ArrayLike,
    *,
    vertical_rate_baro: npt.ArrayLike = True,
    gnss_minus_baro_ft: npt.ArrayLike = np.nan,
    nac_v: npt.ArrayLike = 1,
    ifr_capable: npt.ArrayLike = False,
    ca: npt.ArrayLike = 5,
) -> Messages:
    """TC 19 subtype 1: east/north velocity (1 kt), vertical rate (64 fpm), GNSS-baro (25 ft).

    Bit 36 (vertical-rate source) is 1 for barometric, 0 for GNSS, as DO-260B defines it.
    """
    gs = as_f64(groundspeed_kt)
    trk = np.radians(as_f64(track_deg))
    v_ew = gs * np.sin(trk)
    v_ns = gs * np.cos(trk)
    s_ew, c_ew = _signed_magnitude(v_ew, 1.0, 1023)
    s_ns, c_ns = _signed_magnitude(v_ns, 1.0, 1023)
    s_vr, c_vr = _signed_magnitude(as_f64(vertical_rate_fpm), 64.0, 511)
    s_dif, c_dif = _signed_magnitude(as_f64(gnss_minus_baro_ft), 25.0, 127)
    me = (
        (np.uint64(19) << 51)
        | (np.uint64(1) << 48)
        | (np.asarray(ifr_capable, np.bool_).astype(np.uint64) << 46)
        | (as_u64(nac_v) << 43)
        | (s_ew << 42)
        | (c_ew << 32)
        | (s_ns << 31)
        | (c_ns << 21)
        | (np.asarray(vertical_rate_baro, np.bool_).astype(np.uint64) << 20)
        | (s_vr << 19)
        | (c_vr << 10)
        | (s_dif << 7)
        | c_dif
    )
    return _df17(icao24, me, ca)


def aircraft_status(
    icao24: npt.ArrayLike,
    squawk: npt.ArrayLike,
    *,
    emergency: npt.ArrayLike = 0,
    ca: npt.ArrayLike = 5,
) -> Messages:
    """TC 28 subtype 1: emergency/priority state (0 none, 1 general, 4 no comms, 5 unlawful…)
    and the Mode A code (squawk written as a decimal, e.g. 7700)."""
    me = (
        (np.uint64(28) << 51)
        | (np.uint64(1) << 48)
        | (as_u64(emergency) << 45)
        | (squawk_code(squawk) << 32)
    )
    return _df17(icao24, me, ca)


def target_state(
    icao24: npt.ArrayLike,
    selected_altitude_ft: npt.ArrayLike,
    baro_setting_hpa: npt.ArrayLike,
    selected_heading_deg: npt.ArrayLike,
    *,
    altitude_from_fms: npt.ArrayLike = False,
    nac_p: npt.ArrayLike = 9,
    nic_baro: npt.ArrayLike = 1,
    sil: npt.ArrayLike = 3,
    autopilot: npt.ArrayLike = True,
    vnav: npt.ArrayLike = False,
    altitude_hold: npt.ArrayLike = False,
    approach: npt.ArrayLike = False,
    tcas: npt.ArrayLike = True,
    lnav: npt.ArrayLike = True,
    ca: npt.ArrayLike = 5,
) -> Messages:
    """TC 29 subtype 1 (version 2): selected altitude, QNH, selected heading, autopilot modes."""
    alt_code = _quantize(as_f64(selected_altitude_ft), 32.0, 1.0, 2047)
    qnh_code = _quantize(as_f64(baro_setting_hpa) - 800.0, 0.8, 1.0, 511)
    hdg = as_f64(selected_heading_deg)
    hdg_status = (~np.isnan(hdg)).astype(np.uint64)
    hdg_code = (np.rint(np.nan_to_num(hdg) / (360.0 / 512)) % 512).astype(np.uint64)
    hdg_code = np.where(hdg_status == 1, hdg_code, 0).astype(np.uint64)

    def flag(value: npt.ArrayLike, shift: int) -> U64:
        return np.asarray(value, np.bool_).astype(np.uint64) << shift

    me = (
        (np.uint64(29) << 51)
        | (np.uint64(1) << 49)
        | flag(altitude_from_fms, 47)
        | (alt_code << 36)
        | (qnh_code << 27)
        | (hdg_status << 26)
        | (hdg_code << 17)
        | (as_u64(nac_p) << 13)
        | flag(nic_baro, 12)
        | (as_u64(sil) << 10)
        | flag(True, 9)  # the mode bits below are valid
        | flag(autopilot, 8)
        | flag(vnav, 7)
        | flag(altitude_hold, 6)
        | flag(approach, 4)
        | flag(tcas, 3)
        | flag(lnav, 2)
    )
    return _df17(icao24, me, ca)


def operational_status(
    icao24: npt.ArrayLike,
    *,
    version: npt.ArrayLike = 2,
    capability: npt.ArrayLike = 0,
    operational_mode: npt.ArrayLike = 0,
    nic_a: npt.ArrayLike = 0,
    nac_p: npt.ArrayLike = 9,
    gva: npt.ArrayLike = 2,
    sil: npt.ArrayLike = 3,
    nic_baro: npt.ArrayLike = 1,
    hrd: npt.ArrayLike = 0,
    sil_supplement: npt.ArrayLike = 0,
    ca: npt.ArrayLike = 5,
) -> Messages:
    """TC 31 subtype 0 (airborne): version, NIC-A, NACp, GVA, SIL, NICbaro, HRD, SIL supplement.

    ``capability`` and ``operational_mode`` are the raw 16-bit CC and OM fields.
    """
    me = (
        (np.uint64(31) << 51)
        | (as_u64(capability) << 32)
        | (as_u64(operational_mode) << 16)
        | (as_u64(version) << 13)
        | (as_u64(nic_a) << 12)
        | (as_u64(nac_p) << 8)
        | (as_u64(gva) << 6)
        | (as_u64(sil) << 4)
        | (as_u64(nic_baro) << 3)
        | (as_u64(hrd) << 2)
        | (as_u64(sil_supplement) << 1)
    )
    return _df17(icao24, me, ca)
