"""Events along one flight that need a look at its rows: touch-and-gos and go-arounds; and
where an area border is crossed between two positions (``area_crossings``, used by ``build``
and by skytrace.alerts for rule geometries).

(Coverage gaps, emergencies and which positions change area are found for all flights at once
in ``build``.) A finder reports only what the rows given settle — a go-around needs the climb
after the dip — so the live detector, calling it on a growing flight, never reports
something the history run over the whole flight would not.

Event values: GO_AROUND "<ICAO>" (dip and climb without touching down), TOUCH_AND_GO
"<ICAO>" (short ground contact). Pure; thread-safe.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.flights.airports import FieldIndex
from skytrace.flights.columns import Cols
from skytrace.flights.config import EventRules
from skytrace.model import Event, EventKind

__all__ = ["area_crossings", "go_around_events"]


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
        out.append(_event(rows, i, EventKind.TOUCH_AND_GO, str(name), fid))
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


def area_crossings(
    cols: Cols | npt.NDArray[np.void],
    a: npt.NDArray[np.intp],
    b: npt.NDArray[np.intp],
    old_codes: npt.NDArray[Any],
    lookup: Any,
    steps: int,
) -> list[dict[str, Any]]:
    """Where and when each segment a[k] -> b[k] leaves area ``old_codes[k]``: bisection of the
    fraction along the segment (positions interpolated linearly in time, latitude, longitude —
    across the antimeridian too — and altitude), ``steps`` halvings, all segments at once."""
    lat0, lon0 = cols["lat"][a].astype(np.float64), cols["lon"][a].astype(np.float64)
    dlat = cols["lat"][b] - lat0
    dlon = (cols["lon"][b] - lon0 + 180.0) % 360.0 - 180.0
    lo = np.zeros(len(a))
    hi = np.ones(len(a))
    for _ in range(steps):
        mid = (lo + hi) / 2
        lon_mid = (lon0 + dlon * mid + 180.0) % 360.0 - 180.0
        inside = np.asarray(lookup(lat0 + dlat * mid, lon_mid), dtype=object) == old_codes
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    t0, t1 = cols["time_s"][a], cols["time_s"][b]
    alt0, alt1 = cols["altitude_ft"][a].astype(np.float64), cols["altitude_ft"][b]
    time_s = (t0 + (t1 - t0) * hi).tolist()
    lat_l = (lat0 + dlat * hi).tolist()
    lon_l = ((lon0 + dlon * hi + 180.0) % 360.0 - 180.0).tolist()
    alt_l = (alt0 + (alt1 - alt0) * hi).tolist()
    icao_l = cols["icao24"][a].tolist()
    return [
        {"time_s": round(t, 3), "icao24": i, "lat": la, "lon": lo_, "altitude_ft": al}
        for t, i, la, lo_, al in zip(time_s, icao_l, lat_l, lon_l, alt_l, strict=True)
    ]
