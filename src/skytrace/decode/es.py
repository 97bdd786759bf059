"""Extended squitter (DF17/18) ME field: identification, positions, velocity; dispatch by TC.

Standard: DO-260B / ICAO Doc 9871 (ME field, 56 bits, ME bit 1 = message bit 33).
Layouts, ME bits 1-based:

* TC1-4 identification (BDS 0,8): TC 1-5, emitter category 6-8, 8 characters 9-56.
* TC5-8 surface position (BDS 0,6): movement 6-12, track status 13, track 14-20
  (360/128 deg), T 21, F 22, CPR lat 23-39, CPR lon 40-56.
* TC9-18 / TC20-22 airborne position (BDS 0,5): surveillance status 6-7, NIC-B 8
  (IMF for TIS-B/ADS-R), altitude 9-20 (baro AC12 for TC9-18, GNSS height for TC20-22),
  T 21, F 22, CPR lat 23-39, CPR lon 40-56.
* TC19 velocity (BDS 0,9): subtype 6-8, intent change 9 (IMF for TIS-B/ADS-R), IFR 10,
  NUCr/NACv 11-13; subtypes 1/2: E/W sign 14, E/W 15-24, N/S sign 25, N/S 26-35 (v - 1 kt,
  x4 supersonic); subtypes 3/4: heading status 14, heading 15-24 (360/1024 deg), airspeed
  type 25, airspeed 26-35; then vertical rate source 36 (1 baro), sign 37 (1 down),
  vertical rate 38-46 ((v - 1) x 64 fpm), GNSS-baro sign 49 (1 GNSS below), difference 50-56
  ((v - 1) x 25 ft).

Every function takes the batch, the batch row indices of its messages and their ME words
(uint64, ME bit 1 at bit 55) and fills columns for those rows only. Pure; thread-safe.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.decode.batch import DecodedBatch
from skytrace.decode.codes import ALTITUDE_AC12_FT, CALLSIGN_CHARS, MOVEMENT_KT
from skytrace.decode.es_status import decode_acas_ra, decode_tc28, decode_tc29, decode_tc31
from skytrace.model import Source

__all__ = ["decode_es", "me_bits"]

Rows = npt.NDArray[np.intp]
Words = npt.NDArray[np.uint64]


def me_bits(me: Words, first: int, width: int) -> Words:
    """ME bits ``first`` .. ``first + width - 1`` (1-based, MSB first) as integers."""
    return (me >> np.uint64(57 - first - width)) & np.uint64((1 << width) - 1)


# TC -> register label (pyModeS and the standard's register numbers for ES)
_BDS_OF_TC: Final = np.array(
    [""]
    + ["0,8"] * 4
    + ["0,6"] * 4
    + ["0,5"] * 10
    + ["0,9"]
    + ["0,5"] * 3
    + [""] * 5
    + ["6,1", "6,2", ""]
    + ["6,5"],
    dtype="U3",
)
# version 0 NUCp by type code (0 where the TC carries no position)
_NUCP_OF_TC: Final = np.zeros(32, np.uint8)
_NUCP_OF_TC[5:9] = [9, 8, 7, 6]
_NUCP_OF_TC[9:19] = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
_NUCP_OF_TC[20:23] = [9, 8, 0]
# NIC by type code with NIC-A = NIC-C = 0; TC11 and TC16 depend on NIC-B (second table)
_NIC_OF_TC: Final = np.zeros(32, np.uint8)
_NIC_OF_TC[5:9] = [11, 10, 8, 0]
_NIC_OF_TC[9:19] = [11, 10, 8, 7, 6, 5, 4, 2, 1, 0]
_NIC_OF_TC[20:23] = [11, 10, 0]
_NIC_OF_TC_NICB: Final = _NIC_OF_TC.copy()
_NIC_OF_TC_NICB[11] = 9
_NIC_OF_TC_NICB[16] = 3
_CATEGORY_SET: Final = np.array(["", "D", "C", "B", "A"], dtype="U1")

_SOURCE_OF_CF: Final = np.array(
    [
        Source.ADSB_NT,
        Source.ADSB_NT,
        Source.TISB,
        Source.TISB,
        Source.OTHER,
        Source.TISB,
        Source.ADSR,
        Source.OTHER,
    ],
    dtype=np.uint8,
)
# DF18 control fields whose ME follows the DF17 layouts (fine TIS-B, ADS-R, ES/NT)
_CF_ES_LAYOUT: Final = np.array([1, 1, 1, 0, 0, 1, 1, 0], dtype=np.bool_)
# ... and those whose position/velocity bit 8/9 is the IMF (not NIC-B / intent change)
_CF_HAS_IMF: Final = np.array([0, 0, 1, 0, 0, 1, 1, 0], dtype=np.bool_)


def decode_es(
    out: DecodedBatch,
    rows: Rows,
    me: Words,
    df: npt.NDArray[np.uint8],
    cf: npt.NDArray[np.uint8],
) -> None:
    """Decode the ME of DF17/18 rows (``df``, ``cf`` aligned with ``rows``)."""
    is18 = df == 18
    source = np.where(is18, _SOURCE_OF_CF[cf & 7], np.uint8(Source.ADSB))
    out._put("es_source", rows, source)
    if is18.any():
        r18 = np.flatnonzero(is18)
        cf18 = cf[r18]
        out._put("non_icao_address", rows[r18], (cf18 == 1) | (cf18 == 5))
        keep = np.ones(rows.shape[0], np.bool_)
        keep[r18] = _CF_ES_LAYOUT[cf18]
        if not keep.all():
            rows, me, is18, cf = rows[keep], me[keep], is18[keep], cf[keep]
    imf = is18 & _CF_HAS_IMF[cf & 7]

    tc = (me >> np.uint64(51)).astype(np.uint8)
    out._put("typecode", rows, tc)
    bds = _BDS_OF_TC[tc]
    out._put("bds", rows, bds, bds != "")

    ident = (tc >= 1) & (tc <= 4)
    surface = (tc >= 5) & (tc <= 8)
    airborne = ((tc >= 9) & (tc <= 18)) | ((tc >= 20) & (tc <= 22))
    groups = (
        (ident, _identification),
        (surface, _surface_position),
        (airborne, _airborne_position),
    )
    for sel, fn in groups:
        if sel.any():
            idx = np.flatnonzero(sel)
            fn(out, rows[idx], me[idx], tc[idx], imf[idx])
    for code, fn2 in ((19, _velocity), (28, decode_tc28), (29, decode_tc29), (31, decode_tc31)):
        sel = tc == code
        if sel.any():
            idx = np.flatnonzero(sel)
            fn2(out, rows[idx], me[idx], imf[idx])
    # CF5 addresses are never ICAO ones, whatever the IMF bit of a position says.
    cf5 = is18 & (cf == 5)
    if cf5.any():
        out._put("non_icao_address", rows[cf5], True)


def _identification(
    out: DecodedBatch, rows: Rows, me: Words, tc: npt.NDArray[np.uint8], _imf: npt.NDArray[np.bool_]
) -> None:
    cat = me_bits(me, 6, 3).astype(np.uint8)
    out._put("emitter_category", rows, cat)
    letters = _CATEGORY_SET[tc]
    out._put("category", rows, np.char.add(letters, cat.astype("U1")))
    shifts = np.arange(42, -1, -6, dtype=np.uint64)  # 8 characters of 6 bits, first in ME 9
    codes = (me[:, None] >> shifts[None, :]) & np.uint64(0x3F)
    chars = CALLSIGN_CHARS[codes.astype(np.intp)]
    # Trailing spaces are padding: turn them into NUL so the fixed-width bytes end there.
    is_space = chars == 0x20
    trailing = np.flip(np.logical_and.accumulate(np.flip(is_space, axis=1), axis=1), axis=1)
    chars[trailing] = 0
    callsign = np.ascontiguousarray(chars).view("S8").reshape(-1)
    out._put("callsign", rows, callsign)


def _position_common(out: DecodedBatch, rows: Rows, me: Words, tc: npt.NDArray[np.uint8]) -> None:
    out._put("time_sync", rows, me_bits(me, 21, 1) == 1)
    out._put("cpr_format", rows, me_bits(me, 22, 1).astype(np.int8))
    out._put("cpr_lat", rows, me_bits(me, 23, 17).astype(np.uint32))
    out._put("cpr_lon", rows, me_bits(me, 40, 17).astype(np.uint32))
    out._put("nuc_p", rows, _NUCP_OF_TC[tc])


def _surface_position(
    out: DecodedBatch, rows: Rows, me: Words, tc: npt.NDArray[np.uint8], _imf: npt.NDArray[np.bool_]
) -> None:
    _position_common(out, rows, me, tc)
    out._put("surface", rows, True)
    out._put("onground", rows, np.int8(1))
    movement = me_bits(me, 6, 7).astype(np.intp)
    out._put("movement", rows, movement.astype(np.uint8))
    out._put("groundspeed_kt", rows, MOVEMENT_KT[movement])
    track_ok = me_bits(me, 13, 1) == 1
    track = me_bits(me, 14, 7).astype(np.float32) * np.float32(360.0 / 128.0)
    out._put("track_deg", rows, np.where(track_ok, track, np.float32(np.nan)))
    out._put("nic", rows, _NIC_OF_TC[tc])


def _airborne_position(
    out: DecodedBatch, rows: Rows, me: Words, tc: npt.NDArray[np.uint8], imf: npt.NDArray[np.bool_]
) -> None:
    _position_common(out, rows, me, tc)
    out._put("surface", rows, False)
    out._put("onground", rows, np.int8(0))
    out._put("surveillance_status", rows, me_bits(me, 6, 2).astype(np.uint8))
    bit8 = me_bits(me, 8, 1) == 1
    nic_b = bit8 & ~imf
    out._put("nic_b", rows, nic_b, ~imf)
    if imf.any():
        w = np.flatnonzero(imf)
        out._put("tisb_imf", rows[w], bit8[w].astype(np.uint8))
        out._put("non_icao_address", rows[w], bit8[w])
    out._put("nic", rows, np.where(nic_b, _NIC_OF_TC_NICB[tc], _NIC_OF_TC[tc]))
    code = me_bits(me, 9, 12).astype(np.intp)
    baro = tc <= 18
    # GNSS height (TC20-22) uses the same 25 ft binary code as a Q = 1 barometric altitude.
    altitude = ALTITUDE_AC12_FT[code]
    if baro.all():
        out._put("altitude_ft", rows, altitude)
        return
    out._put("altitude_ft", rows[baro], altitude[baro])
    gnss = ~baro
    out._put(
        "geo_altitude_ft", rows[gnss], np.where(code[gnss] == 0, np.nan, code[gnss] * 25.0 - 1000.0)
    )


def _velocity(out: DecodedBatch, rows: Rows, me: Words, imf: npt.NDArray[np.bool_]) -> None:
    sub = me_bits(me, 6, 3).astype(np.uint8)
    valid = (sub >= 1) & (sub <= 4)
    if not valid.all():
        rows, me, sub, imf = rows[valid], me[valid], sub[valid], imf[valid]
    out._put("velocity_subtype", rows, sub)
    out._put("es_subtype", rows, sub)
    bit9 = me_bits(me, 9, 1) == 1
    out._put("intent_change", rows, bit9 & ~imf, ~imf)
    if imf.any():
        w = np.flatnonzero(imf)
        out._put("tisb_imf", rows[w], bit9[w].astype(np.uint8))
        out._put("non_icao_address", rows[w], bit9[w])
    out._put("ifr_capability", rows, me_bits(me, 10, 1) == 1)
    out._put("nac_v", rows, me_bits(me, 11, 3).astype(np.uint8))
    factor = np.where((sub == 2) | (sub == 4), np.float32(4.0), np.float32(1.0))

    ground = sub <= 2
    if ground.any():
        g = np.flatnonzero(ground)
        m = me[g]
        vew = me_bits(m, 15, 10).astype(np.float32)
        vns = me_bits(m, 26, 10).astype(np.float32)
        ok = (vew > 0) & (vns > 0)
        sign_ew = np.where(me_bits(m, 14, 1) == 1, np.float32(-1), np.float32(1))
        sign_ns = np.where(me_bits(m, 25, 1) == 1, np.float32(-1), np.float32(1))
        vx = np.where(vew > 0, sign_ew * (vew - 1) * factor[g], np.float32(np.nan))
        vy = np.where(vns > 0, sign_ns * (vns - 1) * factor[g], np.float32(np.nan))
        out._put("velocity_ew_kt", rows[g], vx)
        out._put("velocity_ns_kt", rows[g], vy)
        speed = np.hypot(vx, vy)
        track = np.mod(np.degrees(np.arctan2(vx, vy)), 360.0).astype(np.float32)
        out._put("groundspeed_kt", rows[g], np.where(ok, speed, np.float32(np.nan)))
        out._put("track_deg", rows[g], np.where(ok, track, np.float32(np.nan)))
    air = ~ground
    if air.any():
        a = np.flatnonzero(air)
        m = me[a]
        heading_ok = me_bits(m, 14, 1) == 1
        heading = me_bits(m, 15, 10).astype(np.float32) * np.float32(360.0 / 1024.0)
        out._put("heading_deg", rows[a], np.where(heading_ok, heading, np.float32(np.nan)))
        raw = me_bits(m, 26, 10).astype(np.float32)
        speed = np.where(raw > 0, (raw - 1) * factor[a], np.float32(np.nan))
        is_tas = me_bits(m, 25, 1) == 1
        out._put("tas_kt", rows[a], np.where(is_tas, speed, np.float32(np.nan)))
        out._put("ias_kt", rows[a], np.where(is_tas, np.float32(np.nan), speed))

    out._put("vertical_rate_source", rows, me_bits(me, 36, 1).astype(np.uint8))
    vr_raw = me_bits(me, 38, 9).astype(np.float32)
    vr_sign = np.where(me_bits(me, 37, 1) == 1, np.float32(-1), np.float32(1))
    out._put("vertical_rate_fpm", rows, np.where(vr_raw > 0, vr_sign * (vr_raw - 1) * 64, np.nan))
    diff_raw = me_bits(me, 50, 7).astype(np.float32)
    diff_sign = np.where(me_bits(me, 49, 1) == 1, np.float32(-1), np.float32(1))
    out._put(
        "geo_minus_baro_ft", rows, np.where(diff_raw > 0, diff_sign * (diff_raw - 1) * 25, np.nan)
    )


# Re-exported for DF16 (the MV field of a coordination reply carries the same RA report).
decode_acas_ra_mv = decode_acas_ra
