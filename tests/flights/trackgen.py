"""A small, pure generator of flight tracks as POSITION_DTYPE rows, for flight tests.

A flight is a list of waypoints (lat, lon, altitude, speed, on ground); the aircraft moves
linearly in time between them, so the true takeoff (lift-off waypoint) and landing
(touchdown waypoint) times are known exactly. Units: ft, kt, s; UTC epoch seconds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skytrace.geo import bearing_deg, haversine_km
from skytrace.model import Source, empty_positions

KT_M_S = 1852.0 / 3600.0


@dataclass(frozen=True)
class Rwy:
    """One runway end to use: threshold position, true heading, field elevation."""

    icao: str
    lat: float
    lon: float
    heading_deg: float
    elevation_ft: float


@dataclass(frozen=True)
class Wp:
    lat: float
    lon: float
    altitude_ft: float
    speed_kt: float
    ground: bool = False
    hold_s: float = 0.0  # time spent getting here when both speeds are zero
    mark: str = ""  # "takeoff" / "landing" marks the true event time


def offset(lat: float, lon: float, bearing: float, distance_m: float) -> tuple[float, float]:
    """Point ``distance_m`` from (lat, lon) along ``bearing`` (spherical)."""
    r = 6371008.8
    d = distance_m / r
    b = math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def departure(rwy: Rwy, taxi_s: float = 240.0) -> list[Wp]:
    """Stand at the threshold, roll 1.8 km, lift off, climb out 8 km along the runway."""
    lift = offset(rwy.lat, rwy.lon, rwy.heading_deg, 1800)
    out = offset(rwy.lat, rwy.lon, rwy.heading_deg, 9800)
    before = offset(rwy.lat, rwy.lon, rwy.heading_deg + 180, 300)
    e = rwy.elevation_ft
    return [
        Wp(*before, e, 0.0, True),
        Wp(rwy.lat, rwy.lon, e, 0.0, True, hold_s=taxi_s),
        Wp(*lift, e, 150.0, True, mark="takeoff"),
        Wp(*out, e + 2000, 180.0),
    ]


def arrival(rwy: Rwy, taxi_s: float = 240.0, land: bool = True) -> list[Wp]:
    """Final approach fix 18 km out at 3,000 ft, threshold, touchdown, roll out, stop."""
    faf = offset(rwy.lat, rwy.lon, rwy.heading_deg + 180, 18000)
    td = offset(rwy.lat, rwy.lon, rwy.heading_deg, 400)
    end = offset(rwy.lat, rwy.lon, rwy.heading_deg, 1900)
    e = rwy.elevation_ft
    wps = [Wp(*faf, e + 3000, 160.0), Wp(rwy.lat, rwy.lon, e + 50, 140.0)]
    if land:
        wps += [
            Wp(*td, e, 135.0, True, mark="landing"),
            Wp(*end, e, 20.0, True),
            Wp(*end, e, 0.0, True, hold_s=taxi_s),
        ]
    return wps


def enroute(a: Wp, b: Wp, cruise_ft: float, cruise_kt: float = 450.0) -> list[Wp]:
    """Top of climb and top of descent between the climb-out point a and the approach fix b."""
    dist_m = float(haversine_km(a.lat, a.lon, b.lat, b.lon)) * 1000
    brg = float(bearing_deg(a.lat, a.lon, b.lat, b.lon))
    climb_min = max(cruise_ft - a.altitude_ft, 0) / 2000.0
    desc_min = max(cruise_ft - b.altitude_ft, 0) / 1800.0
    climb_m = climb_min * 60 * (a.speed_kt + cruise_kt) / 2 * KT_M_S
    desc_m = desc_min * 60 * (b.speed_kt + cruise_kt) / 2 * KT_M_S
    if climb_m + desc_m > 0.9 * dist_m:
        scale = 0.9 * dist_m / (climb_m + desc_m)
        cruise_ft = a.altitude_ft + (cruise_ft - a.altitude_ft) * scale
        climb_m, desc_m = climb_m * scale, desc_m * scale
    toc = offset(a.lat, a.lon, brg, climb_m)
    tod = offset(a.lat, a.lon, brg, dist_m - desc_m)
    return [Wp(*toc, cruise_ft, cruise_kt), Wp(*tod, cruise_ft, cruise_kt)]


def route(dep: Rwy, arr: Rwy, cruise_ft: float = 30000.0, taxi_s: float = 240.0) -> list[Wp]:
    d = departure(dep, taxi_s)
    a = arrival(arr, taxi_s)
    return d + enroute(d[-1], a[0], cruise_ft) + a


def fly(
    icao24: int,
    wps: list[Wp],
    t0: float,
    step_s: float = 5.0,
    callsign: str = "",
    squawk: str = "1000",
    source: Source = Source.ADSB,
    n_receivers: int = 1,
) -> tuple[npt.NDArray[np.void], dict[str, list[float]]]:
    """Rows every ``step_s`` from ``t0`` along the waypoints, and the marked event times."""
    times = [t0]
    for a, b in itertools.pairwise(wps):
        dist_m = float(haversine_km(a.lat, a.lon, b.lat, b.lon)) * 1000
        v = (a.speed_kt + b.speed_kt) / 2 * KT_M_S
        times.append(times[-1] + (dist_m / v if v > 0 and dist_m > 0 else b.hold_s))
    marks: dict[str, list[float]] = {}
    for w, t in zip(wps, times, strict=True):
        if w.mark:
            marks.setdefault(w.mark, []).append(t)
    ts = np.arange(t0, times[-1], step_s)
    rows = empty_positions(len(ts))
    rows["icao24"] = icao24
    rows["time_s"] = ts
    tt = np.asarray(times)
    j = np.clip(np.searchsorted(tt, ts, side="right") - 1, 0, len(wps) - 2)
    for k in range(len(wps) - 1):
        sel = j == k
        if not sel.any():
            continue
        a, b = wps[k], wps[k + 1]
        dur = max(tt[k + 1] - tt[k], 1e-9)
        f = (ts[sel] - tt[k]) / dur
        rows["lat"][sel] = a.lat + (b.lat - a.lat) * f
        rows["lon"][sel] = a.lon + (b.lon - a.lon) * f
        ground = a.ground and b.ground
        rows["altitude_ft"][sel] = (
            np.nan if ground else a.altitude_ft + (b.altitude_ft - a.altitude_ft) * f
        )
        rows["groundspeed_kt"][sel] = a.speed_kt + (b.speed_kt - a.speed_kt) * f
        moving = (a.lat, a.lon) != (b.lat, b.lon)
        rows["track_deg"][sel] = (
            float(bearing_deg(a.lat, a.lon, b.lat, b.lon)) if moving else (np.nan)
        )
        rows["vertical_rate_fpm"][sel] = (
            0.0 if ground else ((b.altitude_ft - a.altitude_ft) / dur * 60.0)
        )
        rows["onground"][sel] = ground
    rows["source"] = int(source)
    rows["n_receivers"] = n_receivers
    rows["squawk"] = squawk.encode()
    rows["callsign"] = callsign.encode()
    return rows, marks


def merge(*parts: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """Rows of several aircraft, time-ordered as a tracker emits them."""
    rows = np.concatenate(parts)
    return rows[np.argsort(rows["time_s"], kind="stable")]
