"""From the rows of one flight to its ``Flight`` record and events.

Takeoff (landing is the mirror image):

- *observed*: a ground row at most ``observed_max_gap_s`` before the first airborne row.
  Time = midway between the two. Airport = the strategy's choice over the roll (ground rows
  of the last 90 s and airborne rows of the first 30 s), with the runway when the roll fits
  one.
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
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.errors import SkytraceError
from skytrace.flights import events as ev
from skytrace.flights.airports import Choice, FieldIndex
from skytrace.flights.config import FlightConfig
from skytrace.flights.geo import bearing_deg, compass_word, haversine_km
from skytrace.model import AirportCall, Event, EventKind, Flight, IdentityLookup, Source

__all__ = ["Context", "build_flight", "flight_id"]

ROLL_GROUND_S = 90.0
ROLL_AIR_S = 30.0


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
    t = datetime.fromtimestamp(time_s, UTC)
    return f"{icao24:06x}-{t:%Y%m%d-%H%M}"


def _hhmm(time_s: float) -> str:
    return f"{datetime.fromtimestamp(time_s, UTC):%H:%M:%S} UTC"


def _ft(x: float) -> str:
    return f"{round(x / 100.0) * 100:,.0f} ft"


def _minutes(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60.0:.0f} min"


def _rate_fpm(rows: npt.NDArray[np.void], air_idx: npt.NDArray[np.intp], k: int) -> float:
    """Vertical rate at airborne row air_idx[0]: reported, else slope of the next ``k`` rows."""
    vr = float(rows["vertical_rate_fpm"][air_idx[0]])
    if vr == vr:
        return vr
    sel = air_idx[:k] if k > 0 else air_idx[k:]
    alt = rows["altitude_ft"][sel].astype(np.float64)
    t = rows["time_s"][sel]
    ok = np.isfinite(alt)
    if ok.sum() < 2 or t[ok][-1] <= t[ok][0]:
        return math.nan
    return float((alt[ok][-1] - alt[ok][0]) / (t[ok][-1] - t[ok][0]) * 60.0)


def _call(choice: Choice, method: str, evidence: str) -> AirportCall:
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
    )


_NONE = Choice(None, math.nan, math.nan, "", 0.0, ())


def _end(
    rows: npt.NDArray[np.void],
    ground: npt.NDArray[np.bool_],
    ctx: Context,
    phase: str,
) -> tuple[AirportCall | None, float]:
    """The takeoff (phase "takeoff") or landing ("landing") of a flight's rows."""
    cfg = ctx.config.inference
    t = rows["time_s"]
    air_idx = np.flatnonzero(~ground)
    if phase == "landing":
        air_idx = air_idx[::-1]
    edge = int(air_idx[0])
    step = -1 if phase == "takeoff" else 1
    nb = edge + step
    word = "takeoff" if phase == "takeoff" else "landing"
    observed = 0 <= nb < len(rows) and ground[nb] and abs(t[edge] - t[nb]) <= cfg.observed_max_gap_s
    if observed:
        time_s = (float(t[edge]) + float(t[nb])) / 2.0
        if ctx.airports is None:
            return None, time_s
        if phase == "takeoff":
            g = np.flatnonzero(ground[:edge] & (t[:edge] >= t[nb] - ROLL_GROUND_S))
            a = np.flatnonzero(~ground & (t >= t[edge]) & (t <= t[edge] + ROLL_AIR_S))
            sel = np.concatenate([g, a])
        else:
            a = np.flatnonzero(~ground & (t <= t[edge]) & (t >= t[edge] - ROLL_AIR_S))
            g = np.flatnonzero(ground & (t >= t[nb]) & (t <= t[nb] + ROLL_GROUND_S))
            g = g[g > edge]
            sel = np.concatenate([a, g])
        roll = rows[sel]
        anchor = int(np.flatnonzero(sel == nb)[0])
        choice = ctx.config.airport_choice.choose_observed(ctx.airports, roll, anchor)
        if choice.airport is None:
            return _call(
                choice,
                "unknown",
                f"{word} seen on the ground at {_hhmm(t[nb])} but no airport within reach",
            ), time_s
        place = (
            f"on runway {choice.runway}"
            if choice.runway
            else (f"on the ground {choice.distance_km:.1f} km from the airport reference point")
        )
        if phase == "takeoff":
            text = f"observed: last on the ground {place}, airborne at {_hhmm(t[edge])}"
        else:
            text = f"observed: last airborne at {_hhmm(t[edge])}, then {place}"
        return _call(choice, "observed", text), time_s

    row = rows[edge]
    rate = _rate_fpm(rows, air_idx, ctx.config.segmentation.min_airborne_positions)
    seen = "first seen" if phase == "takeoff" else "last seen"
    alt = float(row["altitude_ft"])
    moving_right = (
        rate >= ctx.config.segmentation.climb_threshold_fpm
        if phase == "takeoff"
        else rate <= -ctx.config.segmentation.climb_threshold_fpm
    )
    if ctx.airports is None:
        return None, math.nan
    choice = ctx.config.airport_choice.choose_inferred(
        ctx.airports, row, phase, cfg.max_distance_km, cfg.max_ft_above_field, ctx.fields
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
        return _call(
            _NONE if choice.airport is None else choice,
            "unknown",
            f"{word} not seen: {seen} at {alt_txt}, {why}",
        ), math.nan
    used = (
        min(max(abs(rate), cfg.min_rate_fpm), cfg.max_rate_fpm)
        if rate == rate
        else (cfg.default_climb_fpm if phase == "takeoff" else cfg.default_descent_fpm)
    )
    elapsed_s = max(0.0, height) / used * 60.0
    unc_s = max(cfg.min_uncertainty_s, cfg.uncertainty_fraction * elapsed_s)
    time_s = float(t[edge]) - elapsed_s if phase == "takeoff" else float(t[edge]) + elapsed_s
    a = choice.airport
    direction = compass_word(float(bearing_deg(a.lat, a.lon, row["lat"], row["lon"])))
    verb = "climbing" if phase == "takeoff" else "descending"
    rate_txt = f"{abs(rate):,.0f} ft/min" if rate == rate else "an unknown rate"
    when = "earlier" if phase == "takeoff" else "later"
    text = (
        f"inferred: {seen} {choice.distance_km:.0f} km {direction} {verb} through {_ft(alt)} "
        f"({_ft(height)} above the field) at {rate_txt}; {word} estimated about "
        f"{_minutes(elapsed_s)} {when} (± {_minutes(unc_s)})"
    )
    return _call(choice, "inferred", text), time_s


def _interior_ground_runs(ground: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Ground runs with airborne rows on both sides (touch-and-gos), [start, end)."""
    runs = ev._runs(ground)
    return [(a, b) for a, b in runs if a > 0 and b < len(ground)]


def build_flight(
    rows: npt.NDArray[np.void],
    ground: npt.NDArray[np.bool_],
    ctx: Context,
    final: bool,
) -> tuple[Flight, list[Event]]:
    """The Flight record and the events of one flight's rows (one aircraft, time-ordered).

    ``final`` False (a live flight still open): no landing yet, status "open".
    """
    cfg = ctx.config
    icao24 = int(rows["icao24"][0])
    t = rows["time_s"]
    air = np.flatnonzero(~ground)
    departure, takeoff_s = _end(rows, ground, ctx, "takeoff")
    arrival, landing_s = (None, math.nan)
    if final:
        arrival, landing_s = _end(rows, ground, ctx, "landing")
    fid = flight_id(icao24, takeoff_s if takeoff_s == takeoff_s else float(t[0]))

    cs_col = rows["callsign"]
    uniq, first = np.unique(cs_col, return_index=True)
    callsigns = tuple(
        dict.fromkeys(
            c.decode("ascii", "replace").strip() for c in uniq[np.argsort(first)] if c.strip()
        )
    )
    ident = None
    if ctx.identities is not None:
        try:
            ident = ctx.identities.identify(icao24, callsigns[0] if callsigns else "")
        except SkytraceError:
            ident = None
    lat, lon = rows["lat"], rows["lon"]
    step_km = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    if departure is not None and arrival is not None and departure.icao and arrival.icao:
        gc = float(haversine_km(departure.lat, departure.lon, arrival.lat, arrival.lon))
    else:
        gc = float(haversine_km(lat[air[0]], lon[air[0]], lat[air[-1]], lon[air[-1]]))
    alt = rows["altitude_ft"]
    counts = Counter(rows["source"].tolist())
    sources = tuple(
        Source(s).label if s in Source._value2member_map_ else str(s)
        for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    gaps = ev.coverage_gaps(rows, cfg.events)
    flight = Flight(
        flight_id=fid,
        icao24=icao24,
        status="closed" if final else "open",
        first_seen_s=float(t[0]),
        last_seen_s=float(t[-1]),
        departure=departure,
        arrival=arrival,
        takeoff_s=takeoff_s,
        landing_s=landing_s,
        callsigns=callsigns,
        registration=ident.registration if ident else "",
        typecode=ident.typecode if ident else "",
        type_description=ident.type_description if ident else "",
        country=ident.country if ident else "",
        operator_icao=ident.operator_icao if ident else "",
        operator_name=ident.operator_name if ident else "",
        operator_source=ident.operator_source if ident else "unknown",
        distance_flown_km=round(float(step_km.sum()), 3),
        gc_distance_km=round(gc, 3),
        max_altitude_ft=float(np.nanmax(alt)) if np.isfinite(alt).any() else math.nan,
        n_positions=len(rows),
        n_receivers=int(rows["n_receivers"].max()),
        sources=sources,
        gaps=tuple((float(t[a]), float(t[b])) for a, b in gaps),
    )
    events: list[Event] = []
    if takeoff_s == takeoff_s:
        code = departure.icao if departure is not None else ""
        events.append(_at(rows, int(air[0]), EventKind.TAKEOFF, code, fid, takeoff_s))
    if final and landing_s == landing_s:
        code = arrival.icao if arrival is not None else ""
        events.append(_at(rows, int(air[-1]), EventKind.LANDING, code, fid, landing_s))
    events += ev.coverage_events(rows, cfg.events, fid)
    events += ev.emergency_events(rows, cfg.events, fid)
    events += ev.go_around_events(
        rows, ground, _interior_ground_runs(ground), cfg.events, ctx.fields, ctx.icao_of, fid
    )
    events += ev.area_events(rows, cfg.events, ctx.areas, fid)
    events.sort(key=lambda e: (e.time_s, e.kind.value, e.value))
    return flight, events


def _at(
    rows: npt.NDArray[np.void], i: int, kind: EventKind, value: str, fid: str, time_s: float
) -> Event:
    r = rows[i]
    return Event(
        time_s=time_s,
        icao24=int(r["icao24"]),
        kind=kind,
        value=value,
        flight_id=fid,
        lat=float(r["lat"]),
        lon=float(r["lon"]),
        altitude_ft=float(r["altitude_ft"]),
    )
