"""Traffic: where every simulated aircraft is at a given time, as arrays.

Two models, one interface (``state(t_s) -> TrafficState``):

``ScenarioTraffic`` flies gate-to-gate flights. Each flight's path is a chain of great-circle
legs: gate -> departure runway threshold -> runway end -> 12 km on runway heading -> 20 km
final fix on the arrival runway's extended centreline -> threshold -> rollout end -> gate.
Along that path (sampled every 100 m) the profile is:
  - taxi at 15 kt; takeoff roll accelerating at 2 m/s² to V2 (lift-off);
  - climb with a gradient that falls with height, dh/ds = G × (1 − 0.85·h/h_cruise) with G
    the type's initial gradient (800 ft/NM for narrow-body jets, 650-700 for wide-bodies and
    turboprops), so the vertical rate is ~2,000-3,000 fpm low and a few hundred near the top;
    cruise level capped at the type's ceiling (turboprops FL250-270);
  - cruise at the type's true airspeed; descent on a 3° path (318 ft/NM) down to the
    threshold, so the aircraft crosses the threshold at field elevation;
  - airborne speed rises with height from V2 (or approach speed, on the way down) to cruise;
  - landing roll decelerating at 1.8 m/s² to taxi speed; 5 minutes at the gate before and 3
    after with the transponder on.
Time comes from integrating distance over speed; the table is shifted so that lift-off is at
the flight's ``takeoff`` time. ``state`` interpolates every flight's table at once (one
``searchsorted`` over all tables joined). No wind: ground speed is true airspeed.

``CruiseTraffic`` is the world-scale load model: N aircraft on great circles between random
airports at cruise levels, each position computed in closed form from its origin, initial
bearing and distance flown (a route loops back to its origin at the end).

Units: degrees, feet, knots, feet per minute, seconds (UTC epoch). Deterministic for a
``numpy.random.Generator``; not thread-safe (one simulation owns its traffic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.geo import bearing_deg, destination_point, haversine_km
from skytrace.refdata.runways import Runway
from skytrace.simulate.scenario import AirportSpec, FlightSpec

__all__ = [
    "PERFORMANCE",
    "CruiseTraffic",
    "FlightProfile",
    "Kinematics",
    "Performance",
    "ScenarioTraffic",
    "TrafficState",
    "build_profile",
]

F64 = npt.NDArray[np.float64]
KT_TO_KM_S: Final = 1.852 / 3600.0
FT_PER_NM_GLIDE: Final = 318.0  # 3° glide path
TAXI_KT: Final = 15.0


@dataclass(frozen=True, slots=True)
class Performance:
    cruise_kt: float
    v2_kt: float
    approach_kt: float
    category: int  # ADS-B emitter category in set A (3 = large, 5 = heavy, 2 = small)
    climb_ft_per_nm: float = 800.0  # initial climb gradient (falls with height, see above)
    ceiling_ft: float = 41000.0


PERFORMANCE: Final = {
    "A148": Performance(440, 140, 130, 3),
    "SU95": Performance(450, 145, 135, 3),
    "A319": Performance(450, 145, 135, 3),
    "A320": Performance(450, 150, 138, 3),
    "A321": Performance(455, 155, 142, 3),
    "A20N": Performance(450, 150, 138, 3),
    "A21N": Performance(455, 155, 142, 3),
    "B737": Performance(450, 150, 138, 3),
    "B738": Performance(455, 155, 142, 3),
    "B38M": Performance(455, 155, 142, 3),
    "B739": Performance(455, 155, 142, 3),
    "A333": Performance(475, 160, 145, 5, 650),
    "A359": Performance(485, 160, 145, 5, 700),
    "B77W": Performance(490, 165, 150, 5, 650),
    "B789": Performance(488, 160, 148, 5, 700),
    "E190": Performance(440, 140, 130, 3),
    "DH8D": Performance(300, 120, 115, 2, 700, 27000),
    "AT76": Performance(280, 115, 110, 2, 650, 25000),
}
DEFAULT_PERFORMANCE: Final = Performance(440, 145, 135, 3)


@dataclass(slots=True)
class Kinematics:
    """Where given aircraft are at given times (one row per request)."""

    lat: F64
    lon: F64
    altitude_ft: F64
    groundspeed_kt: F64
    track_deg: F64
    vertical_rate_fpm: F64
    onground: npt.NDArray[np.bool_]


@dataclass(slots=True)
class TrafficState:
    """Active aircraft at one time, as aligned columns."""

    aircraft: npt.NDArray[np.int64]  # index into the traffic's aircraft
    icao24: npt.NDArray[np.uint32]
    callsign: npt.NDArray[np.bytes_]  # "S8"
    squawk: npt.NDArray[np.int64]  # octal digits written as decimal
    category: npt.NDArray[np.int64]
    lat: F64
    lon: F64
    altitude_ft: F64
    groundspeed_kt: F64
    track_deg: F64
    vertical_rate_fpm: F64
    onground: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.aircraft.shape[0])


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@dataclass(frozen=True, slots=True)
class _RunwayEnd:
    ident: str
    lat: float
    lon: float
    end_lat: float
    end_lon: float
    heading_deg: float
    length_km: float


def _runway_ends(runways: tuple[Runway, ...]) -> list[_RunwayEnd]:
    ends = []
    for r in runways:
        length = r.length_ft * 0.0003048
        ends.append(
            _RunwayEnd(r.le_ident, r.le_lat, r.le_lon, r.he_lat, r.he_lon, r.le_heading_deg, length)
        )
        ends.append(
            _RunwayEnd(r.he_ident, r.he_lat, r.he_lon, r.le_lat, r.le_lon, r.he_heading_deg, length)
        )
    return ends


def _choose_runway(airport: AirportSpec, wanted: str, course_deg: float) -> _RunwayEnd:
    ends = _runway_ends(airport.runways)
    for end in ends:
        if wanted and end.ident.upper() == wanted.upper():
            return end
    # Without a runway in the flight plan: the one best aligned with the overall course, the
    # longest among equals (stands in for the wind, which the model does not have).
    return min(
        ends, key=lambda e: (round(_angle_diff(e.heading_deg, course_deg) / 30), -e.length_km)
    )


@dataclass(slots=True)
class FlightProfile:
    """One flight's trajectory table (rows in time order)."""

    t_s: F64
    lat: F64
    lon: F64
    altitude_ft: F64
    groundspeed_kt: F64
    track_deg: F64
    vertical_rate_fpm: F64
    onground: npt.NDArray[np.bool_]
    departure_runway: str
    arrival_runway: str
    takeoff_s: float
    landing_s: float


def build_profile(
    flight: FlightSpec,
    origin: AirportSpec,
    destination: AirportSpec,
    *,
    gate_before_s: float = 300.0,
    gate_after_s: float = 180.0,
    step_km: float = 0.1,
) -> FlightProfile:
    """The gate-to-gate trajectory of one flight (see the module docstring for the model)."""
    perf = PERFORMANCE.get(flight.typecode, DEFAULT_PERFORMANCE)
    course = float(bearing_deg(origin.lat, origin.lon, destination.lat, destination.lon))
    dep = _choose_runway(origin, flight.departure_runway, course)
    arr = _choose_runway(destination, flight.arrival_runway, course)
    gate_dep = destination_point(dep.lat, dep.lon, dep.heading_deg - 90.0, 0.6)
    fix_dep = destination_point(dep.end_lat, dep.end_lon, dep.heading_deg, 12.0)
    fix_arr = destination_point(arr.lat, arr.lon, arr.heading_deg + 180.0, 20.0)
    roll_end = destination_point(arr.lat, arr.lon, arr.heading_deg, 0.7 * arr.length_km)
    gate_arr = destination_point(
        float(roll_end[0]), float(roll_end[1]), arr.heading_deg + 90.0, 0.6
    )
    wps = [
        (float(gate_dep[0]), float(gate_dep[1])),
        (dep.lat, dep.lon),
        (dep.end_lat, dep.end_lon),
        (float(fix_dep[0]), float(fix_dep[1])),
        (float(fix_arr[0]), float(fix_arr[1])),
        (arr.lat, arr.lon),
        (float(roll_end[0]), float(roll_end[1])),
        (float(gate_arr[0]), float(gate_arr[1])),
    ]
    wlat = np.array([w[0] for w in wps])
    wlon = np.array([w[1] for w in wps])
    leg_km = haversine_km(wlat[:-1], wlon[:-1], wlat[1:], wlon[1:])
    leg_brg = bearing_deg(wlat[:-1], wlon[:-1], wlat[1:], wlon[1:])
    cum = np.concatenate([[0.0], np.cumsum(leg_km)])
    total = float(cum[-1])
    s = np.unique(np.concatenate([np.arange(0.0, total, step_km), cum]))
    leg = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(leg_km) - 1)
    lat, lon = destination_point(wlat[leg], wlon[leg], leg_brg[leg], s - cum[leg])

    s_roll, s_thr, s_rollout = float(cum[1]), float(cum[5]), float(cum[6])
    v2_ms = perf.v2_kt * 0.514444
    s_lift = s_roll + min(v2_ms**2 / (2 * 2.0) / 1000.0, 0.9 * dep.length_km)
    cruise_ft = min(flight.cruise_altitude_ft, perf.ceiling_ft)
    h_cruise_agl = max(cruise_ft - origin.elevation_ft, 1000.0)
    k = 0.85 / h_cruise_agl
    climb_nm = np.maximum(s - s_lift, 0.0) / 1.852
    h_climb = origin.elevation_ft + (1 - np.exp(-perf.climb_ft_per_nm * k * climb_nm)) / k
    h_desc = destination.elevation_ft + FT_PER_NM_GLIDE * np.maximum(s_thr - s, 0.0) / 1.852
    airborne = (s >= s_lift) & (s < s_thr)
    alt = np.where(airborne, np.minimum(np.minimum(h_climb, cruise_ft), h_desc), 0.0)
    alt = np.where(s < s_lift, origin.elevation_ft, alt)
    alt = np.where(s >= s_thr, destination.elevation_ft, alt)

    outbound = s < total / 2
    ref_elev = np.where(outbound, origin.elevation_ft, destination.elevation_ft)
    frac = np.clip((alt - ref_elev) / max(cruise_ft - ref_elev.min(), 1.0), 0, 1)
    v_low = np.where(outbound, perf.v2_kt, perf.approach_kt)
    speed = v_low + (perf.cruise_kt - v_low) * np.sqrt(frac)
    roll_x = np.maximum(s - s_roll, 0.0) * 1000.0
    speed = np.where((s >= s_roll) & (s < s_lift), np.sqrt(2 * 2.0 * roll_x) / 0.514444, speed)
    app_ms = perf.approach_kt * 0.514444
    decel_x = np.maximum(s - s_thr, 0.0) * 1000.0
    rollout_kt = np.sqrt(np.maximum(app_ms**2 - 2 * 1.8 * decel_x, 0.0)) / 0.514444
    speed = np.where((s >= s_thr) & (s < s_rollout), np.maximum(rollout_kt, TAXI_KT), speed)
    speed = np.where((s < s_roll) | (s >= s_rollout), TAXI_KT, speed)
    speed = np.maximum(speed, 5.0)

    v_mid = (speed[1:] + speed[:-1]) / 2
    t = np.concatenate([[0.0], np.cumsum(np.diff(s) / (v_mid * KT_TO_KM_S))])
    t_lift = float(np.interp(s_lift, s, t))
    t = t + (flight.takeoff_s - t_lift)
    track = np.concatenate([bearing_deg(lat[:-1], lon[:-1], lat[1:], lon[1:]), [0.0]])
    track[-1] = track[-2]
    vr = np.concatenate([np.diff(alt) / np.maximum(np.diff(t), 1e-6) * 60.0, [0.0]])
    onground = (s < s_lift) | (s >= s_thr)
    vr[onground] = 0.0
    landing_s = float(np.interp(s_thr, s, t))

    # The gate: standing still with the transponder on, before and after.
    t = np.concatenate([[t[0] - gate_before_s], t, [t[-1] + gate_after_s]])
    lat = np.concatenate([[lat[0]], lat, [lat[-1]]])
    lon = np.concatenate([[lon[0]], lon, [lon[-1]]])
    alt = np.concatenate([[alt[0]], alt, [alt[-1]]])
    speed = np.concatenate([[0.0], speed, [0.0]])
    track = np.concatenate([[track[0]], track, [track[-1]]])
    vr = np.concatenate([[0.0], vr, [0.0]])
    onground = np.concatenate([[True], onground, [True]])
    speed[1] = 0.0
    speed[-2] = 0.0
    return FlightProfile(
        t,
        lat,
        lon,
        alt,
        speed,
        track,
        vr,
        onground,
        dep.ident,
        arr.ident,
        flight.takeoff_s,
        landing_s,
    )


class ScenarioTraffic:
    """Scenario flights, each a precomputed profile; ``state`` evaluates them all at once."""

    def __init__(
        self,
        flights: list[FlightSpec],
        airports: dict[str, AirportSpec],
        categories: dict[str, int] | None = None,
    ) -> None:
        self.flights = flights
        self.profiles = [
            build_profile(f, airports[f.origin], airports[f.destination]) for f in flights
        ]
        n = len(flights)
        self.icao24 = np.array([f.icao24 for f in flights], np.uint32)
        self.callsign = np.array([f.callsign.encode() for f in flights], "S8")
        self.squawk = np.array([f.squawk for f in flights], np.int64)
        self.category = np.array(
            [PERFORMANCE.get(f.typecode, DEFAULT_PERFORMANCE).category for f in flights], np.int64
        )
        self.t_first = np.array([p.t_s[0] for p in self.profiles]) if n else np.zeros(0)
        self.t_last = np.array([p.t_s[-1] for p in self.profiles]) if n else np.zeros(0)
        lengths = np.array([len(p.t_s) for p in self.profiles], np.int64)
        self._start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self._end = self._start + lengths
        # One sorted key over all tables: flight index * 1e6 + seconds since its first row.
        rel = [p.t_s - p.t_s[0] for p in self.profiles]
        self._key = np.concatenate([r + i * 1e6 for i, r in enumerate(rel)]) if n else np.zeros(0)

        def cat(name: str) -> F64:
            return np.concatenate([getattr(p, name) for p in self.profiles]) if n else np.zeros(0)

        self._lat, self._lon, self._alt = cat("lat"), cat("lon"), cat("altitude_ft")
        self._gs, self._trk, self._vr = (
            cat("groundspeed_kt"),
            cat("track_deg"),
            cat("vertical_rate_fpm"),
        )
        self._gnd = cat("onground").astype(bool)

    def __len__(self) -> int:
        return len(self.flights)

    def sample(self, aircraft: npt.NDArray[np.int64], t_s: F64) -> Kinematics:
        """Each requested flight at its own time (clamped to its first and last row)."""
        q = aircraft * 1e6 + np.clip(t_s - self.t_first[aircraft], 0.0, None)
        i = np.searchsorted(self._key, q, side="right") - 1
        i = np.clip(i, self._start[aircraft], self._end[aircraft] - 2)
        w = np.clip((q - self._key[i]) / np.maximum(self._key[i + 1] - self._key[i], 1e-9), 0, 1)

        def lerp(col: F64) -> F64:
            return np.asarray(col[i] + w * (col[i + 1] - col[i]), np.float64)

        return Kinematics(
            lat=lerp(self._lat),
            lon=lerp(self._lon),
            altitude_ft=lerp(self._alt),
            groundspeed_kt=lerp(self._gs),
            track_deg=self._trk[i],
            vertical_rate_fpm=self._vr[i],
            onground=self._gnd[i] & self._gnd[i + 1],
        )

    def state(self, t_s: float) -> TrafficState:
        active = np.flatnonzero((self.t_first <= t_s) & (t_s <= self.t_last)).astype(np.int64)
        k = self.sample(active, np.full(active.shape[0], t_s))
        return TrafficState(
            aircraft=active,
            icao24=self.icao24[active],
            callsign=self.callsign[active],
            squawk=self.squawk[active],
            category=self.category[active],
            lat=k.lat,
            lon=k.lon,
            altitude_ft=k.altitude_ft,
            groundspeed_kt=k.groundspeed_kt,
            track_deg=k.track_deg,
            vertical_rate_fpm=k.vertical_rate_fpm,
            onground=k.onground,
        )


class CruiseTraffic:
    """World-scale load: ``n`` aircraft cruising on great circles between the given airports."""

    def __init__(
        self,
        n: int,
        airport_lat: F64,
        airport_lon: F64,
        rng: np.random.Generator,
        start_s: float,
        address_base: int = 0x100000,
    ) -> None:
        a = rng.integers(0, len(airport_lat), n)
        b = rng.integers(0, len(airport_lat), n)
        b = np.where(a == b, (b + 1) % len(airport_lat), b)
        self.lat0, self.lon0 = airport_lat[a], airport_lon[a]
        dist = haversine_km(self.lat0, self.lon0, airport_lat[b], airport_lon[b])
        self.route_km = np.maximum(dist, 200.0)
        self.bearing = bearing_deg(self.lat0, self.lon0, airport_lat[b], airport_lon[b])
        self.flown0_km = rng.uniform(0, 1, n) * self.route_km
        self.speed_kt = rng.uniform(380, 500, n)
        self.altitude_ft = np.round(rng.uniform(24000, 41000, n) / 1000) * 1000
        self.start_s = start_s
        self.icao24 = (address_base + rng.permutation(0xE00000 - address_base)[:n]).astype(
            np.uint32
        )
        letters = np.array(list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), np.uint8)
        prefix = letters[rng.integers(0, 26, (n, 3))]
        digits = np.char.mod("%d", rng.integers(1, 9999, n)).astype("S4")
        self.callsign = np.char.add(np.array([bytes(p) for p in prefix], "S3"), digits).astype("S8")
        self.squawk = np.array([int(f"{x:04o}") for x in rng.integers(0o1000, 0o7000, n)], np.int64)
        self.category = np.full(n, 3, np.int64)
        self._all = np.arange(n, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._all.shape[0])

    def sample(self, aircraft: npt.NDArray[np.int64], t_s: F64) -> Kinematics:
        a = aircraft
        speed = self.speed_kt[a]
        flown = (self.flown0_km[a] + (t_s - self.start_s) * speed * KT_TO_KM_S) % self.route_km[a]
        lat, lon = destination_point(self.lat0[a], self.lon0[a], self.bearing[a], flown)
        # Track of a great circle at a point: the bearing on to a point 1 km further on.
        ahead_lat, ahead_lon = destination_point(
            self.lat0[a], self.lon0[a], self.bearing[a], flown + 1.0
        )
        n = a.shape[0]
        return Kinematics(
            lat=lat,
            lon=lon,
            altitude_ft=self.altitude_ft[a],
            groundspeed_kt=speed,
            track_deg=bearing_deg(lat, lon, ahead_lat, ahead_lon),
            vertical_rate_fpm=np.zeros(n),
            onground=np.zeros(n, bool),
        )

    def state(self, t_s: float) -> TrafficState:
        k = self.sample(self._all, np.full(len(self), t_s))
        return TrafficState(
            aircraft=self._all,
            icao24=self.icao24,
            callsign=self.callsign,
            squawk=self.squawk,
            category=self.category,
            lat=k.lat,
            lon=k.lon,
            altitude_ft=k.altitude_ft,
            groundspeed_kt=k.groundspeed_kt,
            track_deg=k.track_deg,
            vertical_rate_fpm=k.vertical_rate_fpm,
            onground=k.onground,
        )
