"""Cutting positions into flights: vectorized over arrays sorted by (icao24, time_s).

Algorithm (every step is a numpy pass over all rows; nothing loops per position):

1. *Ground state* per row (``classify_ground``): on-ground flag with a sane altitude, or —
   with airports known — slow and within a few hundred feet of the nearest field.
2. *Gap splits*: between consecutive rows of one aircraft, a gap splits when the row before
   is landing-like (ground, or low above the nearest field and not climbing) and the gap is
   ``min_stop_gap_s`` longer than coming down from that height at ``fastest_vertical_fpm``;
   or when the row after is takeoff-like (ground, or low and not descending) and the gap is
   ``min_stop_gap_s`` longer than coming down from the row before and climbing to the row
   after; a gap of ``max_cruise_gap_s`` or more always splits. Each test looks only at the
   two rows of the gap, so the live detector, seeing the same two rows, decides the same.
3. *Stops*: runs of ground rows. A ground run that follows airborne rows of the same piece
   is a landing that ends the flight once it has lasted ``min_stop_s`` or slowed to
   ``stop_speed_kt``; the flight is cut after the confirming row. A run that never
   confirms and is followed by airborne rows is a touch-and-go inside the flight. The ground
   run that opens a piece (taxi out, parked) is never a stop.
4. *Flights*: the pieces between cuts that hold ``min_airborne_positions`` airborne rows over
   ``min_airborne_s``; leading ground rows older than ``max_taxi_s`` before the first
   airborne row are trimmed off.

Every cut depends only on rows up to the cut, so running this over any suffix that starts
right after a cut gives the same pieces as running it over everything: the live detector
relies on that. Pure; thread-safe.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.flights.airports import FieldIndex
from skytrace.flights.config import FlightConfig

__all__ = [
    "CLOSED_BY_END",
    "CLOSED_BY_GAP",
    "CLOSED_BY_STOP",
    "SEGMENT_DTYPE",
    "Complement",
    "segment",
]

CLOSED_BY_END: Final = 0  # the data (or the aircraft's rows) end: still open live
CLOSED_BY_GAP: Final = 1  # a reception gap that separates flights
CLOSED_BY_STOP: Final = 2  # a confirmed landing (ground stop)

SEGMENT_DTYPE: Final = np.dtype(
    [
        ("start", np.int64),  # first row of the flight (after trimming the taxi-out head)
        ("end", np.int64),  # one past the last row
        ("piece_start", np.int64),  # first row of the piece before trimming
        ("first_air", np.int64),  # first airborne row
        ("last_air", np.int64),  # last airborne row
        ("closed_by", np.uint8),  # CLOSED_BY_*
        ("qualified", np.bool_),  # enough airborne rows to be a flight
    ]
)


class Complement:
    """The rows where ``mask`` is False (``air_idx = np.flatnonzero(~mask)``), answered from
    the rows where it is True.

    Used where those are few (ground rows among airborne ones): ``rank`` and ``row`` give
    ``np.searchsorted(air_idx, x)`` and ``air_idx[q]`` without building the long
    ``air_idx``.
    """

    __slots__ = ("_before", "marked", "size")

    def __init__(self, mask: npt.NDArray[np.bool_]) -> None:
        self.marked = np.flatnonzero(mask)
        self.size = len(mask) - self.marked.size  # number of unmarked rows
        # unmarked rows before each marked row
        self._before = self.marked - np.arange(self.marked.size)

    def rank(self, x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Unmarked rows before row ``x`` (``np.searchsorted(air_idx, x)``)."""
        return np.asarray(x - np.searchsorted(self.marked, x), np.int64)

    def row(self, q: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The ``q``-th unmarked row, 0-based (``air_idx[q]``, ``0 <= q < size``)."""
        return np.asarray(q + np.searchsorted(self._before, q, side="right"), np.int64)


def classify_ground(
    rows: Any, config: FlightConfig, fields: FieldIndex | None
) -> npt.NDArray[np.bool_]:
    """True for rows on the ground (see GroundRule)."""
    rule = config.ground
    alt = rows["altitude_ft"]
    ground = rows["onground"] & ~(alt > rule.max_flagged_altitude_ft)
    if fields is not None and len(rows):
        maybe = ~ground & (rows["groundspeed_kt"] < rule.max_taxi_speed_kt) & np.isfinite(alt)
        idx = np.flatnonzero(maybe)
        if idx.size:
            elev = fields.field_elevation_ft(
                rows["lat"][idx], rows["lon"][idx], rule.max_field_distance_km
            )
            ground[idx[alt[idx] - elev <= rule.max_ft_above_field]] = True
    return np.asarray(ground)


def height_above_field_ft(
    rows: Any, fields: FieldIndex | None, max_distance_km: float
) -> npt.NDArray[np.float64]:
    """Altitude above the nearest field within reach; altitude itself without airports."""
    alt = np.asarray(rows["altitude_ft"], np.float64)
    if fields is None:
        return alt
    return np.asarray(alt - fields.field_elevation_ft(rows["lat"], rows["lon"], max_distance_km))


def _gap_splits(
    rows: Any,
    ground: npt.NDArray[np.bool_],
    new_ac: npt.NDArray[np.bool_],
    config: FlightConfig,
    fields: FieldIndex | None,
) -> npt.NDArray[np.bool_]:
    seg = config.segmentation
    t = rows["time_s"]
    split = np.zeros(len(rows), np.bool_)
    if len(rows) < 2:
        return split
    dt = np.diff(t)
    cand = np.flatnonzero((dt >= seg.min_stop_gap_s) & ~new_ac[1:]) + 1  # row after the gap
    if cand.size == 0:
        return split
    before, after = rows[cand - 1], rows[cand]
    reach = config.inference.max_distance_km
    h_before = height_above_field_ft(before, fields, reach)
    h_after = height_above_field_ft(after, fields, reach)
    thr = seg.climb_threshold_fpm
    vr_b, vr_a = before["vertical_rate_fpm"], after["vertical_rate_fpm"]
    g_b, g_a = ground[cand - 1], ground[cand]
    landing_like = g_b | ((h_before < seg.low_ft_above_field) & ~(vr_b >= thr))
    takeoff_like = g_a | ((h_after < seg.low_ft_above_field) & ~(vr_a <= -thr))
    # the time it takes at least to come down from / climb to these heights
    alt_b = np.asarray(before["altitude_ft"], np.float64)
    alt_a = np.asarray(after["altitude_ft"], np.float64)
    down_s = _climb_time_s(np.where(g_b, 0.0, np.where(np.isnan(h_before), alt_b, h_before)), seg)
    up_s = _climb_time_s(np.where(g_a, 0.0, np.where(np.isnan(h_after), alt_a, h_after)), seg)
    dt = t[cand] - t[cand - 1]
    split_here = dt >= seg.max_cruise_gap_s
    split_here |= landing_like & (dt >= seg.min_stop_gap_s + down_s)
    split_here |= takeoff_like & (dt >= seg.min_stop_gap_s + down_s + up_s)
    split[cand[split_here]] = True
    return split


def _climb_time_s(height_ft: npt.NDArray[np.float64], seg: Any) -> npt.NDArray[np.float64]:
    """Seconds to cover ``height_ft`` at the fastest plausible vertical rate (0 if unknown)."""
    h = np.nan_to_num(np.maximum(np.asarray(height_ft, np.float64), 0.0))
    return np.asarray(h / seg.fastest_vertical_fpm * 60.0)


def landing_like_timeout_s(
    row: Any, ground: bool, config: FlightConfig, fields: FieldIndex | None
) -> float:
    """After how long without positions a flight whose last row is ``row`` is over."""
    seg = config.segmentation
    h = height_above_field_ft(row, fields, config.inference.max_distance_km)[0]
    vr = row["vertical_rate_fpm"][0]
    if ground:
        return seg.min_stop_gap_s
    if h < seg.low_ft_above_field and not vr >= seg.climb_threshold_fpm:
        return seg.min_stop_gap_s + float(_climb_time_s(np.asarray([h]), seg)[0])
    return seg.max_cruise_gap_s


def segment(
    rows: Any,
    config: FlightConfig,
    fields: FieldIndex | None = None,
    ground: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.void], npt.NDArray[np.bool_]]:
    """Pieces of ``rows`` (sorted by icao24, then time_s) and the ground mask.

    Returns every piece (qualified or not) in row order as SEGMENT_DTYPE rows; the last
    piece of each aircraft is CLOSED_BY_END.
    """
    seg = config.segmentation
    n = len(rows)
    if ground is None:
        ground = classify_ground(rows, config, fields)
    out = np.zeros(0, SEGMENT_DTYPE)
    if n == 0:
        return out, ground
    icao = rows["icao24"]
    t = rows["time_s"]
    new_ac = np.ones(n, np.bool_)
    new_ac[1:] = icao[1:] != icao[:-1]
    gap_split = _gap_splits(rows, ground, new_ac, config, fields)
    piece_start = new_ac | gap_split

    # Runs of equal ground state inside a piece; ground runs not opening a piece are stops
    # once confirmed.
    run_start = piece_start.copy()
    run_start[1:] |= ground[1:] != ground[:-1]
    starts = np.flatnonzero(run_start)
    stop_run = ground[starts] & ~piece_start[starts]
    cut_after = np.zeros(n, np.bool_)
    airborne = Complement(ground)  # ground rows are few
    if stop_run.any():
        # stop runs are ground runs: look at the (few) ground rows only
        g = airborne.marked
        run_id = np.searchsorted(starts, g, side="right") - 1
        gs = rows["groundspeed_kt"][g]
        since_s = t[g] - t[starts][run_id]
        cond = stop_run[run_id] & ((since_s >= seg.min_stop_s) | (gs <= seg.stop_speed_kt))
        idx, idx_run = g[cond], run_id[cond]
        if idx.size:
            # first confirming row of each stop run
            first = np.ones(idx.size, np.bool_)
            first[1:] = idx_run[1:] != idx_run[:-1]
            cut_after[idx[first]] = True
    boundary = piece_start.copy()
    boundary[1:] |= cut_after[:-1]
    b_idx = np.flatnonzero(boundary)
    ends = np.append(b_idx[1:], n)
    closed_by = np.full(b_idx.size, CLOSED_BY_END, np.uint8)
    nxt = ends[:-1]
    closed_by[:-1] = np.where(
        cut_after[nxt - 1], CLOSED_BY_STOP, np.where(gap_split[nxt], CLOSED_BY_GAP, CLOSED_BY_END)
    )
    seg_of_row = np.repeat(np.arange(b_idx.size), ends - b_idx)
    pos = airborne.rank(b_idx)
    pos_last = airborne.rank(ends) - 1
    n_air = (pos_last + 1 - pos).astype(np.int64)
    has_air = n_air > 0
    n_all_air = airborne.size
    first_air = np.where(
        has_air, airborne.row(np.minimum(pos, max(n_all_air - 1, 0))) if n_all_air else 0, b_idx
    )
    last_air = np.where(has_air, airborne.row(np.maximum(pos_last, 0)) if n_all_air else 0, b_idx)
    span = t[last_air] - t[first_air]
    qualified = has_air & (n_air >= seg.min_airborne_positions) & (span >= seg.min_airborne_s)
    # Trim the taxi-out head to max_taxi_s before the first airborne row.
    keep = t >= (t[first_air] - seg.max_taxi_s)[seg_of_row]
    kept = Complement(~keep)  # few rows are dropped: search those
    start = kept.row(kept.rank(b_idx)) if kept.size else b_idx
    start = np.where(has_air, start, b_idx)
    if cut_after[-1]:
        # The last row confirmed a stop: that piece is complete and an empty one follows.
        closed_by[-1] = CLOSED_BY_STOP
        b_idx, ends = np.append(b_idx, n), np.append(ends, n)
        start, first_air = np.append(start, n), np.append(first_air, n)
        last_air, qualified = np.append(last_air, n), np.append(qualified, False)
        closed_by = np.append(closed_by, CLOSED_BY_END)
    out = np.zeros(b_idx.size, SEGMENT_DTYPE)
    out["start"] = start
    out["end"] = ends
    out["piece_start"] = b_idx
    out["first_air"] = first_air
    out["last_air"] = last_air
    out["closed_by"] = closed_by
    out["qualified"] = qualified
    return out, ground
