"""Events along one flight: coverage gaps, emergencies, go-arounds, touch-and-gos, areas.

Each finder works on the rows of one flight (numpy columns, time-ordered) and reports
only what is settled by the rows it was given — a go-around needs the climb after the dip,
an area crossing needs the sample after it — so the live detector, calling these on a
growing flight, never reports something the batch run over the whole flight would not.

Event values: GO_AROUND "<ICAO>" (dip and climb without touching down) or
"<ICAO> touch-and-go" (short ground contact); EMERGENCY the squawk; AREA_ENTRY / AREA_EXIT
"country:<ISO alpha-2>" or "fir:<ICAO id>". Areas are sampled on one row per
``area_sample_s`` bucket of UTC time; where two samples differ the exact crossing is found
among all rows between them. Pure; thread-safe.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.flights.airports import FieldIndex
from skytrace.flights.config import EventRules
from skytrace.model import Event, EventKind

__all__ = ["area_events", "coverage_events", "emergency_events", "go_around_events"]


def _event(rows: npt.NDArray[np.void], i: int, kind: EventKind, value: str, fid: str) -> Event:
    r = rows[i]
    return Event(
        time_s=float(r["time_s"]),
        icao24=int(r["icao24"]),
        kind=kind,
        value=value,
        flight_id=fid,
        lat=float(r["lat"]),
        lon=float(r["lon"]),
        altitude_ft=float(r["altitude_ft"]),
    )


def coverage_gaps(rows: npt.NDArray[np.void], rules: EventRules) -> list[tuple[int, int]]:
    """(last row before, first row after) of each reception gap of ``coverage_gap_s`` or more."""
    t = rows["time_s"]
    idx = np.flatnonzero(np.diff(t) >= rules.coverage_gap_s)
    return [(int(i), int(i) + 1) for i in idx]


def coverage_events(rows: npt.NDArray[np.void], rules: EventRules, fid: str) -> list[Event]:
    out: list[Event] = []
    for a, b in coverage_gaps(rows, rules):
        out.append(_event(rows, a, EventKind.COVERAGE_LOST, "", fid))
        gap_min = (rows["time_s"][b] - rows["time_s"][a]) / 60.0
        out.append(_event(rows, b, EventKind.COVERAGE_REGAINED, f"{gap_min:.0f} min", fid))
    return out


def emergency_events(rows: npt.NDArray[np.void], rules: EventRules, fid: str) -> list[Event]:
    sq = rows["squawk"]
    codes = [c.encode() for c in rules.emergency_squawks]
    emerg = np.isin(sq, codes)
    if not emerg.any():
        return []
    start = emerg.copy()
    start[1:] &= ~(emerg[:-1] & (sq[1:] == sq[:-1]))
    return [
        _event(rows, int(i), EventKind.EMERGENCY, sq[i].decode("ascii", "replace"), fid)
        for i in np.flatnonzero(start)
    ]


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    if mask.size == 0:
        return []
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def go_around_events(
    rows: npt.NDArray[np.void],
    ground: npt.NDArray[np.bool_],
    stop_interior: list[tuple[int, int]],
    rules: EventRules,
    fields: FieldIndex | None,
    icao_of: Any,
    fid: str,
) -> list[Event]:
    """Airborne dips low near an airport between higher rows, and touch-and-gos.

    ``stop_interior``: the ground runs inside the flight (touch-and-go), [start, end).
    ``icao_of(index_into_fields) -> str`` names an airport of the field index.
    """
    out: list[Event] = []
    for a, b in stop_interior:
        i = a + int(np.argmin(rows["groundspeed_kt"][a:b])) if b > a else a
        out.append(
            _event(
                rows,
                i,
                EventKind.GO_AROUND,
                _name(rows, i, fields, icao_of, rules) + " touch-and-go",
                fid,
            )
        )
    if fields is None:
        return out
    alt = rows["altitude_ft"].astype(np.float64)
    cand = np.flatnonzero(~ground & (alt < 20_000))
    if cand.size:
        # skip rows far above every field nearby before searching for the nearest one
        ceiling = fields.max_field_elevation_ft(rows["lat"][cand], rows["lon"][cand])
        cand = cand[alt[cand] < ceiling + rules.go_around_ft_above_field]
    if cand.size == 0:
        return out
    idx, dist = fields.nearest(rows["lat"][cand], rows["lon"][cand])
    height = alt[cand] - fields.elevation_ft[idx]
    low = np.zeros(len(rows), np.bool_)
    low[cand[(height < rules.go_around_ft_above_field) & (dist <= rules.go_around_radius_km)]] = (
        True
    )
    high_air = ~ground & ~low & np.isfinite(alt)
    for a, b in _runs(low):
        if a == 0 or b >= len(rows) or not high_air[a - 1] or not high_air[b]:
            continue
        i = a + int(np.nanargmin(alt[a:b])) if np.isfinite(alt[a:b]).any() else a
        out.append(
            _event(rows, i, EventKind.GO_AROUND, _name(rows, i, fields, icao_of, rules), fid)
        )
    return out


def _name(
    rows: npt.NDArray[np.void], i: int, fields: FieldIndex | None, icao_of: Any, rules: EventRules
) -> str:
    if fields is None:
        return ""
    idx, dist = fields.nearest(rows["lat"][i : i + 1], rows["lon"][i : i + 1])
    return str(icao_of(int(idx[0]))) if dist[0] <= rules.go_around_radius_km else ""


def area_events(rows: npt.NDArray[np.void], rules: EventRules, areas: Any, fid: str) -> list[Event]:
    """Country and FIR crossings (exit of the old area, entry into the new one)."""
    if areas is None or len(rows) < 2:
        return []
    t = rows["time_s"]
    bucket = np.floor(t / rules.area_sample_s)
    first = np.ones(len(rows), np.bool_)
    first[1:] = bucket[1:] != bucket[:-1]
    samples = np.flatnonzero(first)
    out: list[Event] = []
    for prefix, lookup in (("country", areas.countries_at), ("fir", areas.firs_at)):
        codes = np.asarray(lookup(rows["lat"][samples], rows["lon"][samples]), dtype=object)
        change = np.flatnonzero(codes[1:] != codes[:-1])
        for c in change:
            a, b = int(samples[c]), int(samples[c + 1])
            old = str(codes[c])
            seg = np.asarray(lookup(rows["lat"][a : b + 1], rows["lon"][a : b + 1]), dtype=object)
            diff = np.flatnonzero(seg != old)
            i = a + int(diff[0]) if diff.size else b
            new = str(seg[i - a])
            if old:
                out.append(_event(rows, i, EventKind.AREA_EXIT, f"{prefix}:{old}", fid))
            if new:
                out.append(_event(rows, i, EventKind.AREA_ENTRY, f"{prefix}:{new}", fid))
    return out
