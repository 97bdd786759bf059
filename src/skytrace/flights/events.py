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


def _event(rows: Any, i: int, kind: EventKind, value: str, fid: str) -> Event:
    return Event(
        time_s=float(rows["time_s"][i]),
        icao24=int(rows["icao24"][i]),
        kind=kind,
        value=value,
        flight_id=fid,
        lat=float(rows["lat"][i]),
        lon=float(rows["lon"][i]),
        altitude_ft=float(rows["altitude_ft"][i]),
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
    rows: Any,
    ground: npt.NDArray[np.bool_],
    dip: npt.NDArray[np.bool_],
    rules: EventRules,
    fields: FieldIndex | None,
    icao_of: Any,
    fid: str,
) -> list[Event]:
    """Touch-and-gos and go-arounds of one flight's rows.

    A touch-and-go is a ground run with airborne rows on both sides (the flight did not stop).
    A go-around (or low pass) is a run of ``dip`` rows — airborne, below ``20,000`` ft and
    below the highest field nearby + ``go_around_ft_above_field``, and lower than an earlier
    row of the flight — between airborne rows outside the dip, in which the aircraft came
    within ``go_around_ft_above_field`` of a field within ``go_around_radius_km``.
    ``icao_of(index_into_fields) -> str`` names an airport of the field index.
    """
    out: list[Event] = []
    n = len(ground)
    for a, b in _runs(ground):
        if a == 0 or b >= n:
            continue  # taxi out / after landing: not inside the flight
        i = a + int(np.argmin(np.nan_to_num(rows["groundspeed_kt"][a:b], nan=np.inf)))
        name = _name(rows, i, fields, icao_of, rules)
        out.append(_event(rows, i, EventKind.GO_AROUND, f"{name} touch-and-go".strip(), fid))
    if fields is None or not dip.any():
        return out
    alt = rows["altitude_ft"].astype(np.float64)
    high = ~ground & ~dip & np.isfinite(alt)
    for a, b in _runs(dip):
        if a == 0 or b >= n or not high[a - 1] or not high[b]:
            continue
        idx, dist = fields.nearest(rows["lat"][a:b], rows["lon"][a:b])
        low = (alt[a:b] - fields.elevation_ft[idx] < rules.go_around_ft_above_field) & (
            dist <= rules.go_around_radius_km
        )
        if not low.any():
            continue
        k = int(np.argmin(np.where(low, alt[a:b], np.inf)))
        out.append(_event(rows, a + k, EventKind.GO_AROUND, str(icao_of(int(idx[k]))), fid))
    return out


def _name(rows: Any, i: int, fields: FieldIndex | None, icao_of: Any, rules: EventRules) -> str:
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
