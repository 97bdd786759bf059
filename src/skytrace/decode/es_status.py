"""Extended squitter status messages: TC28 (BDS 6,1), TC29 (BDS 6,2), TC31 (BDS 6,5), ACAS RA.

Standard: DO-260 (version 0), DO-260A (version 1), DO-260B (version 2); ICAO Doc 9871.
ME bits 1-based, MSB first:

* TC28 subtype 1, emergency/priority: emergency state 9-11, Mode A code 12-24.
* TC28 subtype 2 and the ACAS RA report (BDS 3,0 layout, also the MV of DF16 with VDS 0x30):
  ARA 9-22, RAC 23-26, RAT 27, MTE 28, TTI 29-30, TID 31-56 (TTI 1: address in 31-54;
  TTI 2: altitude code 31-43, range 44-50, bearing 51-56).
* TC29 subtype 1 (v2): SIL supplement 8, altitude source 9 (0 MCP/FCU, 1 FMS), selected
  altitude 10-20 ((N - 1) x 32 ft), baro setting 21-29 (800 + (N - 1) x 0.8 hPa), heading
  status 30, heading 31-39 (180/256 deg), NACp 40-43, NICbaro 44, SIL 45-46, mode bits
  valid 47, autopilot 48, VNAV 49, altitude hold 50, (IMF 51), approach 52, TCAS 53, LNAV 54.
* TC29 subtype 0 (v1): vertical data source 8-9, altitude type 10, (backward compat 11),
  altitude capability 12-13, vertical mode 14-15, target altitude 16-25 (-1000 + 100 N ft),
  horizontal source 26-27, target heading/track 28-36 (deg), heading/track flag 37,
  horizontal mode 38-39, NACp 40-43, NICbaro 44, SIL 45-46.
* TC31: subtype 6-8 (0 airborne, 1 surface); capability class 9-24 (surface 9-20, then
  length/width 21-24); operational mode 25-40; version 41-43; NIC-A 44; NACp 45-48;
  GVA (v2 airborne) / BAQ (v1 airborne) 49-50; SIL 51-52; NICbaro (airborne) or TRK/HDG
  (surface) 53; HRD 54; SIL supplement (v2) 55.

Pure; thread-safe.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.decode.batch import DecodedBatch
from skytrace.decode.codes import ALTITUDE_AC13_FT, SQUAWK_ID13

__all__ = ["decode_acas_ra", "decode_tc28", "decode_tc29", "decode_tc31"]

Rows = npt.NDArray[np.intp]
Words = npt.NDArray[np.uint64]

_NAN: Final = np.float32(np.nan)


def _b(me: Words, first: int, width: int) -> Words:
    return (me >> np.uint64(57 - first - width)) & np.uint64((1 << width) - 1)


def _flag(me: Words, bit: int) -> npt.NDArray[np.bool_]:
    flag: npt.NDArray[np.bool_] = _b(me, bit, 1) == 1
    return flag


def decode_tc28(out: DecodedBatch, rows: Rows, me: Words, _imf: npt.NDArray[np.bool_]) -> None:
    """Aircraft status: emergency state and squawk (ST1), ACAS RA broadcast (ST2)."""
    sub = _b(me, 6, 3).astype(np.uint8)
    out._put("es_subtype", rows, sub)
    st1 = sub == 1
    if st1.any():
        w = np.flatnonzero(st1)
        out._put("emergency_state", rows[w], _b(me[w], 9, 3).astype(np.uint8))
        out._put("squawk", rows[w], SQUAWK_ID13[_b(me[w], 12, 13).astype(np.intp)])
    st2 = sub == 2
    if st2.any():
        w = np.flatnonzero(st2)
        decode_acas_ra(out, rows[w], me[w])


def decode_acas_ra(out: DecodedBatch, rows: Rows, field: Words) -> None:
    """The ACAS RA report in a 56-bit field laid out as BDS 3,0 (TC28 ST2, DF16 MV)."""
    out._put("acas_ra", rows, True)
    out._put("ara", rows, _b(field, 9, 14).astype(np.uint16))
    out._put("rac", rows, _b(field, 23, 4).astype(np.uint8))
    out._put("rat", rows, _flag(field, 27))
    out._put("mte", rows, _flag(field, 28))
    tti = _b(field, 29, 2).astype(np.uint8)
    out._put("tti", rows, tti)
    by_address = tti == 1
    if by_address.any():
        w = np.flatnonzero(by_address)
        out._put("threat_icao", rows[w], _b(field[w], 31, 24).astype(np.uint32))
    by_position = tti == 2
    if by_position.any():
        w = np.flatnonzero(by_position)
        f = field[w]
        out._put("threat_altitude_ft", rows[w], ALTITUDE_AC13_FT[_b(f, 31, 13).astype(np.intp)])
        rng = _b(f, 44, 7).astype(np.float32)
        rng_nm = np.where(rng == 0, _NAN, np.where(rng == 127, 12.55, (rng - 1) / 10))
        out._put("threat_range_nm", rows[w], rng_nm)
        brg = _b(f, 51, 6).astype(np.float32)
        out._put(
            "threat_bearing_deg", rows[w], np.where((brg == 0) | (brg > 60), _NAN, (brg - 1) * 6)
        )


def decode_tc29(out: DecodedBatch, rows: Rows, me: Words, _imf: npt.NDArray[np.bool_]) -> None:
    """Target state and status, version 1 (subtype 0) and version 2 (subtype 1)."""
    sub = _b(me, 6, 2).astype(np.uint8)
    out._put("es_subtype", rows, sub)
    out._put("nac_p", rows, _b(me, 40, 4).astype(np.uint8))
    out._put("nic_baro", rows, _flag(me, 44))
    out._put("sil", rows, _b(me, 45, 2).astype(np.uint8))
    v2 = sub == 1
    if v2.any():
        w = np.flatnonzero(v2)
        r, m = rows[w], me[w]
        out._put("sil_supplement", r, _flag(m, 8))
        alt_raw = _b(m, 10, 11).astype(np.float32)
        alt = np.where(alt_raw == 0, _NAN, (alt_raw - 1) * 32)
        fms = _flag(m, 9)
        out._put("nav_altitude_mcp_ft", r, np.where(fms, _NAN, alt))
        out._put("nav_altitude_fms_ft", r, np.where(fms, alt, _NAN))
        qnh = _b(m, 21, 9).astype(np.float32)
        out._put("nav_qnh_hpa", r, np.where(qnh == 0, _NAN, 800 + (qnh - 1) * np.float32(0.8)))
        heading = _b(m, 31, 9).astype(np.float32) * np.float32(180.0 / 256.0)
        out._put("nav_heading_deg", r, np.where(_flag(m, 30), heading, _NAN))
        modes_valid = _flag(m, 47)
        out._put("nav_modes_valid", r, modes_valid)
        for name, bit in (
            ("nav_autopilot", 48),
            ("nav_vnav", 49),
            ("nav_alt_hold", 50),
            ("nav_approach", 52),
            ("nav_lnav", 54),
        ):
            out._put(name, r, _flag(m, bit), modes_valid)
        out._put("tcas_operational", r, _flag(m, 53))
    v1 = sub == 0
    if v1.any():
        w = np.flatnonzero(v1)
        r, m = rows[w], me[w]
        out._put("vertical_data_source", r, _b(m, 8, 2).astype(np.uint8))
        out._put("target_altitude_type", r, _b(m, 10, 1).astype(np.uint8))
        out._put("vertical_mode", r, _b(m, 14, 2).astype(np.uint8))
        n = _b(m, 16, 10).astype(np.float32)
        out._put("target_altitude_ft", r, np.where(n <= 1010, -1000 + 100 * n, _NAN))
        out._put("horizontal_data_source", r, _b(m, 26, 2).astype(np.uint8))
        heading = _b(m, 28, 9).astype(np.float32)
        has_heading = _b(m, 26, 2) != 0
        out._put("target_heading_deg", r, np.where(has_heading & (heading < 360), heading, _NAN))
        out._put("target_heading_is_track", r, _flag(m, 37))
        out._put("horizontal_mode", r, _b(m, 38, 2).astype(np.uint8))


def decode_tc31(out: DecodedBatch, rows: Rows, me: Words, _imf: npt.NDArray[np.bool_]) -> None:
    """Aircraft operational status, version 0/1/2, airborne (subtype 0) and surface (1)."""
    sub = _b(me, 6, 3).astype(np.uint8)
    known = sub <= 1
    if not known.all():
        rows, me, sub = rows[known], me[known], sub[known]
    out._put("es_subtype", rows, sub)
    version = _b(me, 41, 3).astype(np.uint8)
    out._put("version", rows, version)
    # Version 0 (DO-260) messages carry no fields defined the same way as 1 and 2.
    v12 = (version == 1) | (version == 2)
    if not v12.any():
        return
    w = np.flatnonzero(v12)
    rows, me, sub, version = rows[w], me[w], sub[w], version[w]
    surface = sub == 1
    airborne = ~surface
    v2 = version == 2
    cc = np.where(surface, _b(me, 9, 12), _b(me, 9, 16)).astype(np.uint16)
    out._put("capability_class", rows, cc)
    out._put("operational_mode", rows, _b(me, 25, 16).astype(np.uint16))
    out._put("nic_a", rows, _flag(me, 44))
    out._put("nac_p", rows, _b(me, 45, 4).astype(np.uint8))
    out._put("sil", rows, _b(me, 51, 2).astype(np.uint8))
    out._put("hrd", rows, _flag(me, 54))
    out._put("om_tcas_ra_active", rows, _flag(me, 27))
    out._put("om_ident_active", rows, _flag(me, 28))
    _put_where(out, "om_atc_services", rows, _flag(me, 29), ~v2)
    _put_where(out, "om_single_antenna", rows, _flag(me, 30), v2)
    _put_where(out, "sda", rows, _b(me, 31, 2).astype(np.uint8), v2)
    _put_where(out, "sil_supplement", rows, _flag(me, 55), v2)
    # Airborne capability class: ACAS bit 11 is "NOT-TCAS" in version 1, "TCAS operational" in 2.
    acas = np.where(v2, _flag(me, 11), ~_flag(me, 11))
    _put_where(out, "tcas_operational", rows, acas, airborne)
    _put_where(out, "cc_1090es_in", rows, _flag(me, 12), v2)
    _put_where(out, "cc_cdti", rows, _flag(me, 12), ~v2)
    _put_where(out, "cc_arv", rows, _flag(me, 15), airborne)
    _put_where(out, "cc_ts", rows, _flag(me, 16), airborne)
    _put_where(out, "cc_tc", rows, _b(me, 17, 2).astype(np.uint8), airborne)
    _put_where(out, "cc_uat_in", rows, np.where(surface, _flag(me, 16), _flag(me, 19)), v2)
    _put_where(out, "nic_baro", rows, _flag(me, 53), airborne)
    _put_where(out, "gva", rows, _b(me, 49, 2).astype(np.uint8), airborne & v2)
    _put_where(out, "baq", rows, _b(me, 49, 2).astype(np.uint8), airborne & ~v2)
    _put_where(out, "cc_poa", rows, _flag(me, 11), surface)
    _put_where(out, "cc_b2_low", rows, np.where(v2, _flag(me, 15), _flag(me, 13)), surface)
    _put_where(out, "nac_v", rows, _b(me, 17, 3).astype(np.uint8), surface & v2)
    _put_where(out, "nic_c", rows, _flag(me, 20), surface & v2)
    _put_where(out, "length_width_code", rows, _b(me, 21, 4).astype(np.uint8), surface)
    _put_where(out, "track_heading_surface", rows, _flag(me, 53), surface)
    _put_where(out, "gps_antenna_offset", rows, _b(me, 33, 8).astype(np.uint8), surface & v2)


def _put_where(
    out: DecodedBatch,
    name: str,
    rows: Rows,
    values: npt.NDArray[np.bool_] | npt.NDArray[np.uint8],
    where: npt.NDArray[np.bool_],
) -> None:
    if where.any():
        w = np.flatnonzero(where)
        out._put(name, rows[w], values[w])
