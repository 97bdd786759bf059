"""From the rows of one flight to its ``Flight`` record and events.

Takeoff (landing is the mirror image):

- *observed*: a ground row at most ``observed_max_gap_s`` before the first airborne row.
  Time = when the wheels leave the ground (``wheels_time``), else midway between the two.
  Airport = the strategy's choice over the roll (ground rows of the last 90 s and airborne
  rows of the first 30 s), with the runway when the roll fits one.
- *inferred*: otherwise, when the first airborne row is climbing (its vertical rate, else the
  slope of the first ``min_airborne_positions`` airborne rows) within the inference limits of
  an airport. Time = first sight minus height above field / climb rate, with an uncertainty
  of ``uncertainty_fraction`` of that (at least ``min_uncertainty_s``).
- *unknown*: neither; ``AirportCall.method == "unknown"`` and the time stays NaN.

Only the first rows decide the takeoff, so an open flight keeps its id while it grows.
Units: feet, knots, ft/min, km, UTC epoch seconds. Pure; thread-safe.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from skytrace.flights.aircraft_class import AirportUser
from skytrace.flights.airports import Choice, FieldIndex, IndexedAirports
from skytrace.flights.columns import Cols
from skytrace.flights.config import FlightConfig
from skytrace.flights.geo import compass_word
from skytrace.geo import bearing_one_deg
from skytrace.model import AirportCall, Event, EventKind, IdentityLookup

__all__ = [
    "Context",
    "EdgeRow",
    "at_event",
    "edge_rows",
    "flight_id",
    "inferred_call",
    "observed_call",
]

ROLL_GROUND_S = 90.0
ROLL_AIR_S = 30.0
# Wheel times: how far from the air/ground flag flip the roll is looked for, how far the
# pressure altitude may wander on the runway (one 25 ft step), and how much the speed must
# change along the run for it to be a takeoff or landing roll rather than level flight.
WHEELS_WINDOW_S = 150.0
WHEELS_PLATEAU_FT = 25.0
WHEELS_MIN_SPEED_CHANGE_KT = 15.0
WHEELS_MIN_RUN_S = 4.0


def wheels_time(cols: Cols, lo: int, hi: int, edge: int, phase: str) -> float | None:
    """When the wheels left (takeoff) or touched (landing) the runway, or None if the rows
    do not show it. ``edge`` is the first (takeoff) or last (landing) row the air/ground flag
    calls airborne; rows [lo, hi) are the flight's.

    Transponders flip their air/ground flag at a speed or weight-on-wheels state of their
    own: often at 50–60 kt on the takeoff roll, and well into the landing roll-out. Between
    the flip and the real lift-off (touchdown) the rows are "airborne" at the runway's
    constant pressure altitude while the speed rises (falls) by tens of knots. Lift-off is
    the end of that run, as the altitude starts to rise; touchdown its start, when the
    altitude stops falling. Without such a run (no altitude, or the altitude changes at once)
    the flag is taken as it is (None).
    """
    t = cols["time_s"]
    alt = cols["altitude_ft"]
    speed = cols["groundspeed_kt"]
    if phase == "takeoff":
        stop = edge + int(np.searchsorted(t[edge:hi], t[edge] + WHEELS_WINDOW_S, "right"))
        rows = np.arange(edge, stop)
    else:
        first = lo + int(np.searchsorted(t[lo : edge + 1], t[edge] - WHEELS_WINDOW_S, "left"))
        rows = np.arange(edge, first - 1, -1)  # backwards from the flip
    a = alt[rows].astype(np.float64)
    if rows.size < 3 or not math.isfinite(a[0]):
        return None
    off = np.flatnonzero(~(np.abs(a - a[0]) <= WHEELS_PLATEAU_FT))
    if off.size == 0:
        return None  # the run never ends inside the window: no lift-off (touchdown) seen
    end = int(off[0])  # first row off the runway altitude; rows[:end] are on it
    run_s = abs(float(t[rows[end - 1]]) - float(t[rows[0]]))
    # from the flip to lift-off (back from the flip to touchdown) the speed grows either way
    change = float(speed[rows[end - 1]]) - float(speed[rows[0]])
    if not (run_s >= WHEELS_MIN_RUN_S and change >= WHEELS_MIN_SPEED_CHANGE_KT):
        return None
    return (float(t[rows[end - 1]]) + float(t[rows[end]])) / 2.0


@dataclass(slots=True)
class Context:
    """What building a record needs besides the rows (reference data and configuration)."""

    config: FlightConfig
    airports: Any | None = None
    fields: FieldIndex | None = None
    areas: Any | None = None
    identities: IdentityLookup | None = None

    def icao_of(self, index: int) -> str:
        codes = getattr(self.airports, "icao", None)
        return str(codes[index]) if codes is not None else ""


def flight_id(icao24: int, time_s: float) -> str:
    """``"7277cf-20230912-0214"``: address and takeoff (or first-seen) minute, UTC."""
    g = time.gmtime(math.floor(time_s))  # same minute as datetime.fromtimestamp(t, UTC)
    return (
        f"{icao24:06x}-{g.tm_year:04d}{g.tm_mon:02d}{g.tm_mday:02d}-{g.tm_hour:02d}{g.tm_min:02d}"
    )


def _hhmm(time_s: float) -> str:
    return f"{datetime.fromtimestamp(time_s, UTC):%H:%M:%S} UTC"


def _ft(x: float) -> str:
    return f"{round(x / 100.0) * 100:,.0f} ft"


def _minutes(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60.0:.0f} min"


def _call(
    choice: Choice, method: str, evidence: str, time_uncertainty_s: float = math.nan
) -> AirportCall:
    a = choice.airport
    if a is None or method == "unknown":
        return AirportCall(
            icao="",
            iata="",
            name="",
            lat=math.nan,
            lon=math.nan,
            method="unknown",
            confidence=0.0,
            distance_km=choice.distance_km,
            height_above_field_ft=choice.height_above_field_ft,
            evidence=evidence,
            candidates=choice.candidates,
        )
    return AirportCall(
        icao=str(a.icao),
        iata=str(a.iata or ""),
        name=str(a.name),
        lat=float(a.lat),
        lon=float(a.lon),
        method=method,
        confidence=choice.confidence,
        distance_km=round(choice.distance_km, 3),
        height_above_field_ft=choice.height_above_field_ft,
        runway=choice.runway,
        evidence=evidence,
        candidates=choice.candidates,
        time_uncertainty_s=time_uncertainty_s,
    )


_ANY_USER = AirportUser()


def observed_call(
    cols: Cols,
    ground: npt.NDArray[np.bool_],
    start: int,
    end: int,
    edge: int,
    nb: int,
    ctx: Context,
    phase: str,
    user: AirportUser = _ANY_USER,
) -> tuple[AirportCall | None, float]:
    """An observed takeoff (``edge`` first airborne row, ``nb`` the ground row before it) or
    landing (``edge`` last airborne row, ``nb`` the ground row after it) of rows
    [start, end), by the aircraft ``user``."""
    t = cols["time_s"]
    word = "takeoff" if phase == "takeoff" else "landing"
    wheels = wheels_time(cols, start, end, edge, phase)
    time_s = (float(t[edge]) + float(t[nb])) / 2.0 if wheels is None else wheels
    if ctx.airports is None:
        return None, time_s
    te, tn = float(t[edge]), float(t[nb])
    # only rows within the roll's time window matter: find it by bisection, not by a scan
    w0 = start + int(np.searchsorted(t[start:end], min(te, tn) - ROLL_GROUND_S, "left"))
    w1 = start + int(np.searchsorted(t[start:end], max(te, tn) + ROLL_GROUND_S, "right"))
    start = w0
    rows_t = t[w0:w1]
    g_mask = ground[w0:w1]
    if phase == "takeoff":
        g = np.flatnonzero(g_mask & (rows_t <= tn) & (rows_t >= tn - ROLL_GROUND_S))
        a = np.flatnonzero(~g_mask & (rows_t >= te) & (rows_t <= te + ROLL_AIR_S))
        sel = np.concatenate([g, a]) + start
    else:
        a = np.flatnonzero(~g_mask & (rows_t <= te) & (rows_t >= te - ROLL_AIR_S))
        g = np.flatnonzero(g_mask & (rows_t >= tn) & (rows_t <= tn + ROLL_GROUND_S))
        g = g[g + start > edge]
        sel = np.concatenate([a, g]) + start
    roll = cols[sel]
    anchor = int(np.flatnonzero(sel == nb)[0])
    airports = ctx.airports if ctx.fields is None else IndexedAirports(ctx.airports, ctx.fields)
    choice = ctx.config.airport_choice.choose_observed(
        airports, roll, anchor, user.aircraft, user.military
    )
    if choice.airport is None:
        text = f"{word} seen on the ground at {_hhmm(tn)} but no airport within reach"
        return _call(choice, "unknown", text), time_s
    place = (
        f"on runway {choice.runway}"
        if choice.runway
        else f"on the ground {choice.distance_km:.1f} km from the airport reference point"
    )
    if phase == "takeoff":
        where = place.removeprefix("on the ground ")  # "on the ground" once, not twice
        text = f"observed: last on the ground {where}, airborne at {_hhmm(time_s)}"
    else:
        text = f"observed: touched down at {_hhmm(time_s)}, then {place}"
    return _call(choice, "observed", text), time_s


class EdgeRow(NamedTuple):
    """The first or last airborne row of a flight as plain floats (per-flight code reads
    these many times; numpy scalars would cost more than the arithmetic)."""

    time_s: float
    lat: float
    lon: float
    altitude_ft: float


def edge_rows(cols: Cols, rows: npt.NDArray[np.int64]) -> list[EdgeRow]:
    """``EdgeRow`` of each of ``rows``, read in one pass per column."""
    return [
        EdgeRow(*v)
        for v in zip(
            cols["time_s"][rows].tolist(),
            cols["lat"][rows].tolist(),
            cols["lon"][rows].tolist(),
            cols["altitude_ft"][rows].astype(np.float64).tolist(),
            strict=True,
        )
    ]


def inferred_call(
    choice: Choice | None, edge: EdgeRow, rate: float, ctx: Context, phase: str
) -> tuple[AirportCall | None, float]:
    """A takeoff or landing inferred from the first/last airborne row ``edge`` (or unknown)."""
    if ctx.airports is None or choice is None:
        return None, math.nan
    cfg = ctx.config.inference
    seg = ctx.config.segmentation
    word = "takeoff" if phase == "takeoff" else "landing"
    seen = "first seen" if phase == "takeoff" else "last seen"
    alt = edge.altitude_ft
    lat, lon = edge.lat, edge.lon
    moving_right = (
        rate >= seg.climb_threshold_fpm if phase == "takeoff" else rate <= -seg.climb_threshold_fpm
    )
    height = choice.height_above_field_ft
    if choice.airport is None or not moving_right or height != height:
        why = (
            "no airport within "
            f"{cfg.max_distance_km:.0f} km and {_ft(cfg.max_ft_above_field)} above its field"
        )
        if choice.airport is not None and not moving_right:
            why = f"not {'climbing' if phase == 'takeoff' else 'descending'}"
        if choice.airport is not None and height != height:
            why = "altitude unknown"
        alt_txt = _ft(alt) if alt == alt else "unknown altitude"
        return _call(choice, "unknown", f"{word} not seen: {seen} at {alt_txt}, {why}"), math.nan
    used = (
        min(max(abs(rate), cfg.min_rate_fpm), cfg.max_rate_fpm)
        if rate == rate
        else (cfg.default_climb_fpm if phase == "takeoff" else cfg.default_descent_fpm)
    )
    elapsed_s = max(0.0, height) / used * 60.0
    unc_s = max(cfg.min_uncertainty_s, cfg.uncertainty_fraction * elapsed_s)
    t_edge = edge.time_s
    time_s = t_edge - elapsed_s if phase == "takeoff" else t_edge + elapsed_s
    a = choice.airport
    direction = compass_word(bearing_one_deg(float(a.lat), float(a.lon), lat, lon))
    verb = "climbing" if phase == "takeoff" else "descending"
    rate_txt = f"{abs(rate):,.0f} ft/min" if rate == rate else "an unknown rate"
    when = "earlier" if phase == "takeoff" else "later"
    text = (
        f"inferred: {seen} {choice.distance_km:.0f} km {direction} {verb} through {_ft(alt)} "
        f"({_ft(height)} above the field) at {rate_txt}; {word} estimated about "
        f"{_minutes(elapsed_s)} {when} (± {_minutes(unc_s)})"
    )
    return _call(choice, "inferred", text, round(unc_s, 1)), time_s


def at_event(
    icao24: int, edge: EdgeRow, kind: EventKind, value: str, fid: str, time_s: float
) -> Event:
    """An event at time ``time_s`` placed at the row ``edge`` of aircraft ``icao24``."""
    return Event(
        time_s=time_s,
        icao24=icao24,
        kind=kind,
        value=value,
        flight_id=fid,
        lat=edge.lat,
        lon=edge.lon,
        altitude_ft=edge.altitude_ft,
    )
