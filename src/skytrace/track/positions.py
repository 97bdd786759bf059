"""Positions: CPR pairing and resolution, then plausibility, for one batch of one tracker.

Input: the position rows of a batch (ES airborne/surface position messages), sorted by slot
then time, and the tracker's state columns (last CPR halves, last reliable position).

1. Pairing (vectorized). For each row, the latest opposite-format half of the same aircraft
   before it: a forward fill of row indices inside each slot's run; for the first rows of a
   run the half carried in state from earlier batches. A pair is used when both halves are of
   the same kind (airborne/surface) and at most ``cpr_pair_max_s`` apart (surface: 25 s, 50 s
   when slower than 25 kt, as readsb does, since a slow aircraft moves little).
2. Resolution (vectorized, CPR math from skytrace.decode.cpr). Airborne pair: global decode.
   Surface pair: global decode with a reference that picks among the 90° ambiguities: the
   aircraft's own last position, else the receiver's area (its configured position, else the
   last position it heard) - never a fixed point. The first surface position of an aircraft
   must lie near an airport (AirportFinder) when one is given. A row without a usable pair is
   decoded locally from the aircraft's last reliable position when that is recent.
3. Plausibility (vectorized check of each candidate against the previous one, then an ordered
   fold only for the runs that need it). A candidate passes when the distance from the
   previous accepted position is within what the elapsed time allows at the reported
   groundspeed (plus margins; more for MLAT) and its altitude change is within the maximum
   vertical rate. An aircraft without a reliable position needs ``confirm_positions``
   consistent candidates in a row before any is shown. Runs where every check passes are
   accepted in bulk; from the first failure (or for unconfirmed aircraft with too few
   candidates) the candidates go through the ordered fold of ``plausibility.accept``.

Units: degrees, km, kt, ft, s. Pure; not thread-safe (mutates the state it is given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from skytrace.decode import cpr
from skytrace.geo import distance_km, haversine_km
from skytrace.model import Source
from skytrace.track.config import TrackerConfig

__all__ = [
    "AirportFinder",
    "Candidates",
    "RejectReason",
    "check_pairs",
    "ffill_index",
]

_KT_TO_KM_S: Final = 1.852 / 3600.0


class AirportFinder(Protocol):
    """Nearest airport within a distance: (icao, lat, lon) or None (refdata implements it)."""

    def nearest_airport(
        self, lat: float, lon: float, max_distance_km: float
    ) -> tuple[str, float, float] | None: ...


class RejectReason(StrEnum):
    """Why a position was not accepted (the value of POSITION_REJECTED events)."""

    CPR_GLOBAL = "cpr_global_failed"  # the even/odd pair does not decode (zone/NL mismatch)
    CPR_LOCAL = "cpr_local_out_of_range"  # local decode too far from the reference
    SURFACE_NO_REFERENCE = "surface_no_reference"  # no own/receiver reference for a surface pair
    SURFACE_OFF_AIRPORT = "surface_off_airport"  # first surface fix not at any airport
    SPEED = "speed"  # farther from the previous position than the speed allows
    ALTITUDE_JUMP = "altitude_jump"  # altitude changed faster than any aircraft climbs
    UNCONFIRMED = "unconfirmed"  # a first position no later decode agreed with


def ffill_index(
    valid: npt.NDArray[np.bool_], run_start: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """For each row, the index of the latest row at or before it (same run) where ``valid``.

    Rows are grouped in contiguous runs; ``run_start[i]`` is the first row of row i's run.
    Returns -1 where no valid row precedes in the run.
    """
    idx = np.where(valid, np.arange(valid.size), -1)
    ff = np.maximum.accumulate(idx) if idx.size else idx
    return np.where(ff >= run_start, ff, -1)


def run_starts(slot: npt.NDArray[np.int32]) -> npt.NDArray[np.intp]:
    """``run_start[i]``: index of the first row of row i's run of equal slots (sorted input)."""
    n = slot.size
    if n == 0:
        return np.empty(0, np.intp)
    first = np.ones(n, bool)
    first[1:] = slot[1:] != slot[:-1]
    return np.maximum.accumulate(np.where(first, np.arange(n), 0))


@dataclass(slots=True)
class Candidates:
    """Resolved (not yet checked) positions of a batch, sorted by slot then time."""

    row: npt.NDArray[np.intp]  # index into the batch's sorted rows
    slot: npt.NDArray[np.int32]
    time_s: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    altitude_ft: npt.NDArray[np.float32]
    groundspeed_kt: npt.NDArray[np.float32]
    surface: npt.NDArray[np.bool_]
    source: npt.NDArray[np.uint8]
    receiver: npt.NDArray[np.uint32]
    failed_row: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, np.intp))
    failed_reason: list[RejectReason] = field(default_factory=list)
    unresolved: int = 0  # halves still waiting for a partner or a reference


def check_pairs(
    cfg: TrackerConfig,
    lat0: npt.NDArray[np.float64],
    lon0: npt.NDArray[np.float64],
    t0: npt.NDArray[np.float64],
    alt0: npt.NDArray[np.float32],
    mlat0: npt.NDArray[np.bool_],
    surface0: npt.NDArray[np.bool_],
    lat1: npt.NDArray[np.float64],
    lon1: npt.NDArray[np.float64],
    t1: npt.NDArray[np.float64],
    alt1: npt.NDArray[np.float32],
    mlat1: npt.NDArray[np.bool_],
    surface1: npt.NDArray[np.bool_],
    groundspeed_kt: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(speed_ok, altitude_ok) of moving from position 0 to position 1."""
    dt = np.maximum(t1 - t0, 0.0)
    both_surface = surface0 & surface1
    default_kt = np.where(both_surface, cfg.max_surface_speed_kt, cfg.max_speed_kt)
    limit_kt = np.where(
        np.isnan(groundspeed_kt),
        default_kt,
        np.minimum(groundspeed_kt * cfg.speed_margin_factor + cfg.speed_margin_kt, default_kt),
    )
    allowed_km = (
        cfg.position_tolerance_km
        + np.where(mlat0 | mlat1, cfg.mlat_tolerance_km, 0.0)
        + limit_kt * _KT_TO_KM_S * dt
    )
    speed_ok = haversine_km(lat0, lon0, lat1, lon1) <= allowed_km
    dalt = np.abs(alt1.astype(np.float64) - alt0)
    alt_allowed = cfg.altitude_tolerance_ft + cfg.max_vertical_rate_fpm * dt / 60.0
    altitude_ok = ~(dalt > alt_allowed)  # NaN (unknown) passes
    return speed_ok, altitude_ok


def check_one(
    cfg: TrackerConfig,
    ref: tuple[float, float, float, float, bool, bool],
    cur: tuple[float, float, float, float, bool, bool],
    groundspeed_kt: float,
) -> RejectReason | None:
    """Scalar twin of ``check_pairs`` for the fold: (lat, lon, t, alt, mlat, surface)."""
    lat0, lon0, t0, alt0, mlat0, surf0 = ref
    lat1, lon1, t1, alt1, mlat1, surf1 = cur
    dt = max(t1 - t0, 0.0)
    default_kt = cfg.max_surface_speed_kt if (surf0 and surf1) else cfg.max_speed_kt
    if groundspeed_kt != groundspeed_kt:
        limit_kt = default_kt
    else:
        limit_kt = min(groundspeed_kt * cfg.speed_margin_factor + cfg.speed_margin_kt, default_kt)
    allowed_km = cfg.position_tolerance_km + limit_kt * _KT_TO_KM_S * dt
    if mlat0 or mlat1:
        allowed_km += cfg.mlat_tolerance_km
    if distance_km(lat0, lon0, lat1, lon1) > allowed_km:
        return RejectReason.SPEED
    if abs(alt1 - alt0) > cfg.altitude_tolerance_ft + cfg.max_vertical_rate_fpm * dt / 60.0:
        return RejectReason.ALTITUDE_JUMP
    return None


def is_mlat(source: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    return np.asarray(source == Source.MLAT)


def resolve(
    cfg: TrackerConfig,
    col: dict[str, npt.NDArray[Any]],
    rows: PositionRows,
    receiver_ref: dict[int, tuple[float, float]],
    airports: AirportFinder | None,
) -> Candidates:
    """Pair and decode the position rows of a batch (steps 1-2 of the module docstring)."""
    n = rows.slot.size
    start = run_starts(rows.slot)
    odd = rows.fmt == 1
    last_even = ffill_index(~odd, start)
    last_odd = ffill_index(odd, start)
    opp = np.where(odd, last_even, last_odd)
    in_batch = opp >= 0
    safe_opp = np.where(in_batch, opp, 0)
    slot = rows.slot
    # the opposite half: in this batch, else carried in state from earlier batches
    st_lat17 = np.where(odd, col["even_lat17"][slot], col["odd_lat17"][slot])
    st_lon17 = np.where(odd, col["even_lon17"][slot], col["odd_lon17"][slot])
    st_time = np.where(odd, col["even_time_s"][slot], col["odd_time_s"][slot])
    st_surf = np.where(odd, col["even_surface"][slot], col["odd_surface"][slot])
    o_lat17 = np.where(in_batch, rows.lat17[safe_opp], st_lat17)
    o_lon17 = np.where(in_batch, rows.lon17[safe_opp], st_lon17)
    o_time = np.where(in_batch, rows.time_s[safe_opp], st_time)
    o_surf = np.where(in_batch, rows.surface[safe_opp], st_surf)
    has_opp = in_batch | (st_lat17 >= 0)

    surf = rows.surface
    slow = ~(rows.groundspeed_kt > cfg.surface_slow_kt)  # unknown counts as slow
    max_gap = np.where(
        surf,
        np.where(slow, cfg.surface_slow_pair_max_s, cfg.surface_pair_max_s),
        cfg.cpr_pair_max_s,
    )
    paired = has_opp & (o_surf == surf) & (np.abs(rows.time_s - o_time) <= max_gap)

    lat_even = np.where(odd, o_lat17, rows.lat17)
    lon_even = np.where(odd, o_lon17, rows.lon17)
    lat_odd = np.where(odd, rows.lat17, o_lat17)
    lon_odd = np.where(odd, rows.lon17, o_lon17)

    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    ok = np.zeros(n, bool)
    reason = np.full(n, -1, np.int8)  # index into _REASONS; -1 none / unresolved

    # own reference: the last reliable position in state if recent
    own_ok = col["pos_valid"][slot] & (
        rows.time_s - col["pos_time_s"][slot] <= cfg.local_ref_max_age_s
    )
    own_lat = np.where(own_ok, col["pos_lat"][slot], np.nan)
    own_lon = np.where(own_ok, col["pos_lon"][slot], np.nan)

    air_pair = paired & ~surf
    if air_pair.any():
        sel = np.flatnonzero(air_pair)
        la, lo, good = cpr.airborne_global(
            lat_even[sel], lon_even[sel], lat_odd[sel], lon_odd[sel], odd[sel]
        )
        lat[sel], lon[sel], ok[sel] = la, lo, good
        reason[sel[~good]] = _REASON_INDEX[RejectReason.CPR_GLOBAL]

    # in-batch reference: the latest globally resolved airborne row before (same run)
    ref_row = ffill_index(ok, start)
    has_ref_row = ref_row >= 0
    safe_ref = np.where(has_ref_row, ref_row, 0)
    # the aircraft's latest known position at any age: this batch's, else the state's
    any_lat = np.where(has_ref_row, lat[safe_ref], col["pos_lat"][slot])
    any_lon = np.where(has_ref_row, lon[safe_ref], col["pos_lon"][slot])
    any_time = np.where(has_ref_row, rows.time_s[safe_ref], col["pos_time_s"][slot])
    ref_fresh = has_ref_row & (rows.time_s - rows.time_s[safe_ref] <= cfg.local_ref_max_age_s)
    ref_lat = np.where(has_ref_row, np.where(ref_fresh, lat[safe_ref], np.nan), own_lat)
    ref_lon = np.where(has_ref_row, np.where(ref_fresh, lon[safe_ref], np.nan), own_lon)

    surf_pair = paired & surf
    if surf_pair.any():
        sel = np.flatnonzero(surf_pair)
        s_ref_lat = ref_lat[sel].copy()
        s_ref_lon = ref_lon[sel].copy()
        first_fix = np.isnan(s_ref_lat)
        off_airport = np.zeros(sel.size, bool)
        if first_fix.any():
            # no own reference: find one per aircraft from its first pair of the batch
            ff = np.flatnonzero(first_fix)
            ff_slot = rows.slot[sel[ff]]
            # one reference per aircraft and per known position it follows (or none)
            ff_key = ff_slot.astype(np.int64) * (n + 1) + (ref_row[sel[ff]] + 1)
            uniq, first = np.unique(ff_key, return_index=True)
            found: dict[int, tuple[float, float]] = {}
            for key, j in zip(uniq.tolist(), ff[first].tolist(), strict=True):
                r = sel[j]
                # the aircraft's own last position at any age beats the receiver's area;
                # it may have moved since: allow what it can fly in the meantime
                area = receiver_ref.get(int(rows.receiver[r]))
                range_nm = _RECEIVER_RANGE_NM
                if not math.isnan(any_lat[r]):
                    area = (float(any_lat[r]), float(any_lon[r]))
                    age_s = max(float(rows.time_s[r] - any_time[r]), 0.0)
                    range_nm = min(45.0 + age_s * cfg.max_speed_kt / 3600.0, 2000.0)
                ref, off = _first_surface_reference(
                    cfg,
                    (
                        int(lat_even[r]),
                        int(lon_even[r]),
                        int(lat_odd[r]),
                        int(lon_odd[r]),
                        bool(odd[r]),
                    ),
                    area,
                    range_nm,
                    airports,
                )
                if ref is not None:
                    found[key] = ref
                elif off:
                    off_airport[ff[ff_key == key]] = True
            refs = np.array([found.get(v, (np.nan, np.nan)) for v in ff_key.tolist()])
            s_ref_lat[ff] = refs[:, 0]
            s_ref_lon[ff] = refs[:, 1]
        la, lo, good = cpr.surface_global(
            lat_even[sel], lon_even[sel], lat_odd[sel], lon_odd[sel], odd[sel],
            s_ref_lat, s_ref_lon,
        )  # fmt: skip
        reasons = np.where(
            np.isnan(s_ref_lat),
            np.where(
                off_airport,
                _REASON_INDEX[RejectReason.SURFACE_OFF_AIRPORT],
                _REASON_INDEX[RejectReason.SURFACE_NO_REFERENCE],
            ),
            _REASON_INDEX[RejectReason.CPR_GLOBAL],
        )
        lat[sel], lon[sel], ok[sel] = la, lo, good
        reason[sel[~good]] = reasons[~good]

    # local decode where no pair resolved it and a fresh reference exists
    local = ~ok & ~paired & ~np.isnan(ref_lat)
    if local.any():
        sel = np.flatnonzero(local)
        air = ~surf[sel]
        la = np.full(sel.size, np.nan)
        lo = np.full(sel.size, np.nan)
        good = np.zeros(sel.size, bool)
        if air.any():
            a = sel[air]
            la[air], lo[air], good[air] = cpr.airborne_local(
                rows.lat17[a], rows.lon17[a], odd[a], ref_lat[a], ref_lon[a]
            )
        if (~air).any():
            s = sel[~air]
            la[~air], lo[~air], good[~air] = cpr.surface_local(
                rows.lat17[s], rows.lon17[s], odd[s], ref_lat[s], ref_lon[s]
            )
        lat[sel], lon[sel], ok[sel] = la, lo, good
        reason[sel[~good]] = _REASON_INDEX[RejectReason.CPR_LOCAL]

    keep = np.flatnonzero(ok)
    failed = np.flatnonzero(reason >= 0)
    return Candidates(
        row=rows.row[keep],
        slot=rows.slot[keep],
        time_s=rows.time_s[keep],
        lat=lat[keep],
        lon=lon[keep],
        altitude_ft=rows.altitude_ft[keep],
        groundspeed_kt=rows.groundspeed_kt[keep],
        surface=rows.surface[keep],
        source=rows.source[keep],
        receiver=rows.receiver[keep],
        failed_row=rows.row[failed],
        failed_reason=[_REASONS[i] for i in reason[failed].tolist()],
        unresolved=int(n - keep.size - failed.size),
    )


# centres of the eight 90° cells a surface pair cannot tell apart (two hemispheres x four)
_CELL_LAT: Final = np.array([45.0] * 4 + [-45.0] * 4)
_CELL_LON: Final = np.array([-135.0, -45.0, 45.0, 135.0] * 2)
_RECEIVER_RANGE_NM: Final = 400.0


def _first_surface_reference(
    cfg: TrackerConfig,
    pair: tuple[int, int, int, int, bool],
    area: tuple[float, float] | None,
    range_nm: float,
    airports: AirportFinder | None,
) -> tuple[tuple[float, float] | None, bool]:
    """A reference for an aircraft first seen on the ground, and whether it was off-airport.

    The pair decodes to one point in each of eight 90° cells. The point must lie on an
    airport when an AirportFinder is given; among those left, the one within ``range_nm`` of
    ``area`` (the aircraft's own old position, else the receiver's position or the last
    position it heard) is taken, or, with no
    area known, the only one at an airport (two airports 90° apart that both fit: ambiguous).
    """
    lat_e, lon_e, lat_o, lon_o, odd = pair
    la, lo, good = cpr.surface_global(
        lat_e, lon_e, lat_o, lon_o, odd, _CELL_LAT, _CELL_LON, max_distance_nm=1e6
    )
    cells = np.flatnonzero(good)
    if airports is not None:
        cells = np.array(
            [
                c
                for c in cells.tolist()
                if airports.nearest_airport(float(la[c]), float(lo[c]), cfg.surface_airport_max_km)
                is not None
            ],
            np.intp,
        )
        if cells.size == 0:
            return None, True
    if area is not None:
        d = cpr.distance_nm(area[0], area[1], la[cells], lo[cells])
        near = cells[d < range_nm]
        if near.size == 1:
            return (float(la[near[0]]), float(lo[near[0]])), False
        return None, airports is not None and near.size == 0
    if airports is not None and cells.size == 1:
        return (float(la[cells[0]]), float(lo[cells[0]])), False
    return None, False


_REASONS: Final = list(RejectReason)
_REASON_INDEX: Final = {r: i for i, r in enumerate(_REASONS)}


@dataclass(slots=True)
class PositionRows:
    """The position messages of a batch, sorted by slot then time (inputs of ``resolve``)."""

    row: npt.NDArray[np.intp]  # index into the batch's sorted rows
    slot: npt.NDArray[np.int32]
    time_s: npt.NDArray[np.float64]
    fmt: npt.NDArray[np.int8]
    lat17: npt.NDArray[np.int64]
    lon17: npt.NDArray[np.int64]
    surface: npt.NDArray[np.bool_]
    altitude_ft: npt.NDArray[np.float32]
    groundspeed_kt: npt.NDArray[np.float32]  # latest known (this row, batch or state)
    source: npt.NDArray[np.uint8]
    receiver: npt.NDArray[np.uint32]
