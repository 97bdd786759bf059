"""A generated world-scale day of air traffic for the store benchmark (numpy only).

Aircraft fly great-circle legs between real airports (airportsdata, MIT), one after another
with turnarounds; positions are sampled along each leg with realistic value ranges and
resolutions: velocity from integer east/north components (as ADS-B sends them), altitude in
25 ft steps, vertical rate in 64 ft/min steps, GNSS altitude on some aircraft only, a few MLAT
aircraft with noisier positions, a receiver count per position, millisecond time jitter.
Positions come out in time order, slab by slab, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skytrace.model import (
    POSITION_DTYPE,
    AircraftIdentity,
    AirportCall,
    Flight,
    Source,
    empty_positions,
)

__all__ = ["World", "make_world"]

EARTH_KM = 6371.0
DAY_START_S = 1_694_476_800.0  # 2023-09-12 00:00 UTC
DAY_S = 86_400.0
# Airline movements at a large airport for one at a medium airport with scheduled service
# (world-wide, a large hub handles hundreds of thousands of movements a year, a regional
# airport tens of thousands): start and end points of airliner legs are drawn in proportion.
LARGE_TRAFFIC = 8.0


@dataclass
class World:
    icao: npt.NDArray[np.uint32]  # per flight
    origin: npt.NDArray[np.int64]  # airport index per flight
    dest: npt.NDArray[np.int64]
    dep_s: npt.NDArray[np.float64]
    arr_s: npt.NDArray[np.float64]
    cruise_ft: npt.NDArray[np.float64]
    interval_s: npt.NDArray[np.float64]
    phase_s: npt.NDArray[np.float64]
    callsign: npt.NDArray[np.bytes_]
    squawk: npt.NDArray[np.bytes_]
    mlat: npt.NDArray[np.bool_]
    geo: npt.NDArray[np.bool_]
    ap_icao: list[str]
    ap_iata: list[str]
    ap_lat: npt.NDArray[np.float64]
    ap_lon: npt.NDArray[np.float64]
    climb_fpm: npt.NDArray[np.float64]  # per flight
    descent_fpm: npt.NDArray[np.float64]
    speed_kt: npt.NDArray[np.float64]  # cruise ground speed
    types: dict[int, tuple[str, str, str]]  # address -> (type designator, class, wake)

    def identities(self) -> WorldIdentities:
        """An aircraft database of this world's aircraft (as an imported one would be)."""
        return WorldIdentities(self.types)

    @property
    def n_flights(self) -> int:
        return len(self.icao)

    def expected_positions(self) -> int:
        dur = self.arr_s - self.dep_s
        return int(np.sum(np.floor((dur - self.phase_s) / self.interval_s) + 1))

    def flights(self) -> Iterator[Flight]:
        for i in range(self.n_flights):
            o, d = int(self.origin[i]), int(self.dest[i])
            dep = AirportCall(
                self.ap_icao[o],
                self.ap_iata[o],
                "",
                float(self.ap_lat[o]),
                float(self.ap_lon[o]),
                "observed",
                0.95,
                0.5,
                0.0,
            )
            arr = AirportCall(
                self.ap_icao[d],
                self.ap_iata[d],
                "",
                float(self.ap_lat[d]),
                float(self.ap_lon[d]),
                "observed",
                0.95,
                0.5,
                0.0,
            )
            t = int(self.dep_s[i])
            stamp = np.datetime64(t, "s").astype(object).strftime("%Y%m%d-%H%M")
            cs = self.callsign[i].decode()
            yield Flight(
                flight_id=f"{int(self.icao[i]):06x}-{stamp}",
                icao24=int(self.icao[i]),
                status="closed",
                first_seen_s=float(self.dep_s[i]),
                last_seen_s=float(self.arr_s[i]),
                departure=dep,
                arrival=arr,
                takeoff_s=float(self.dep_s[i]),
                landing_s=float(self.arr_s[i]),
                callsigns=(cs,),
                registration=f"N{int(self.icao[i]) % 99999:05d}",
                typecode=self.types.get(int(self.icao[i]), ("A320", "", ""))[0],
                operator_icao=cs[:3],
                operator_source="callsign",
                max_altitude_ft=float(self.cruise_ft[i]),
                sources=("adsb_icao",),
            )


class WorldIdentities:
    """skytrace.model.IdentityLookup over a generated world's aircraft types."""

    def __init__(self, types: dict[int, tuple[str, str, str]]) -> None:
        self.types = types

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        typecode, type_class, wake = self.types.get(int(icao24), ("", "", ""))
        return AircraftIdentity(
            icao24=int(icao24), typecode=typecode, type_class=type_class, wake_category=wake
        )


def _unit(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


AIRLINER_TYPES = (("A320", "L2J", "M"), ("B738", "L2J", "M"), ("A321", "L2J", "M"),
                  ("E190", "L2J", "M"), ("AT76", "L2T", "M"), ("B77W", "L2J", "H"))  # fmt: skip
LIGHT_TYPES = (("C172", "L1P", "L"), ("PA28", "L1P", "L"), ("SR22", "L1P", "L"),
               ("C182", "L1P", "L"), ("DA40", "L1P", "L"))  # fmt: skip


class Fleet:
    """One kind of aircraft of the world: where it flies from and to, and how it flies."""

    def __init__(
        self,
        airports: list[dict],
        n_aircraft: int,
        min_leg_km: float,
        max_leg_km: float,
        speed_kmh: float,
        overhead_s: float,
        cruise_ft: tuple[int, int],
        climb_fpm: float,
        descent_fpm: float,
        types: tuple[tuple[str, str, str], ...],
        airline: bool,
        traffic: npt.NDArray[np.float64] | None = None,
    ) -> None:
        self.airports = airports
        # relative traffic of each airport (None: every airport alike): where aircraft start
        # the day and how often each of an airport's neighbours is the destination
        self.traffic = traffic
        self.n_aircraft = n_aircraft
        self.min_leg_km, self.max_leg_km = min_leg_km, max_leg_km
        self.speed_kmh, self.overhead_s = speed_kmh, overhead_s
        self.cruise_ft = cruise_ft
        self.climb_fpm, self.descent_fpm = climb_fpm, descent_fpm
        self.types = types
        self.airline = airline


def _legs(fleet: Fleet, icaos: npt.NDArray[np.int64], rng: np.random.Generator) -> dict:
    """Legs flown by one fleet all day: aircraft hop between its airports with turnarounds."""
    lat = np.array([a["lat"] for a in fleet.airports], float)
    lon = np.array([a["lon"] for a in fleet.airports], float)
    units = _unit(lat, lon)
    dist = EARTH_KM * np.arccos(np.clip(units @ units.T, -1, 1))
    # Each airport's 40 nearest others (within the fleet's leg lengths) are its destinations;
    # a Zipf-ish weight makes some routes busy, as in life.
    dist_masked = np.where((dist < fleet.min_leg_km) | (dist > fleet.max_leg_km), np.inf, dist)
    n_near = min(40, len(lat) - 1)
    neighbours = np.argsort(dist_masked, axis=1)[:, :n_near]
    weights = 1.0 / np.arange(1, n_near + 1)
    weights /= weights.sum()
    hub_weights = 1.0 / np.arange(1, len(lat) + 1) ** 0.8
    if fleet.traffic is not None:
        hub_weights = fleet.traffic.copy()
    hub_weights /= hub_weights.sum()
    # per origin: the cumulative weights of its neighbours as destinations
    near_w = np.broadcast_to(weights, neighbours.shape)
    if fleet.traffic is not None:
        near_w = near_w * fleet.traffic[neighbours]
    cum = np.cumsum(near_w, axis=1)
    cum /= cum[:, -1:]
    n_aircraft = len(icaos)
    cols: dict[str, list[npt.NDArray[np.generic]]] = {k: [] for k in ("a", "o", "d", "dep", "arr")}
    here = rng.choice(len(lat), size=n_aircraft, p=hub_weights)
    t = DAY_START_S + rng.uniform(0, 6 * 3600, n_aircraft)
    active = np.ones(n_aircraft, bool)
    while active.any():
        idx = np.nonzero(active)[0]
        if fleet.traffic is None:
            k = rng.choice(n_near, size=len(idx), p=weights)
        else:
            u = rng.uniform(size=len(idx))
            k = np.minimum((cum[here[idx]] < u[:, None]).sum(axis=1), n_near - 1)
        dest = neighbours[here[idx], k]
        d_km = dist[here[idx], dest]
        dur = d_km / fleet.speed_kmh * 3600 + fleet.overhead_s
        arr = t[idx] + dur
        ok = (arr < DAY_START_S + DAY_S) & np.isfinite(dist_masked[here[idx], dest])
        for key, val in (("a", idx), ("o", here[idx]), ("d", dest), ("dep", t[idx]), ("arr", arr)):
            cols[key].append(val[ok])
        here[idx] = dest
        t[idx] = arr + rng.uniform(2400, 5400, len(idx))
        active[idx[~ok]] = False
    out = {k: np.concatenate(v) for k, v in cols.items()}
    out["lat"], out["lon"] = lat, lon
    return out


def make_world(
    n_aircraft: int, target_positions: int, seed: int = 7, light_share: float = 0.0
) -> World:
    """A day of legs. ``light_share`` = 0: every aircraft an airliner between 1,500 random
    airports with an IATA code (the store and flight benchmarks' world). Above 0: airliners
    fly between airports with scheduled service and a paved runway of 6,000 ft or more
    (shipped airport facts), and that share of the aircraft are light
    aircraft flying short hops between small airfields, slow and low, as in life."""
    import airportsdata

    rng = np.random.default_rng(seed)
    ap = [a for a in airportsdata.load().values() if a["iata"] and len(a["icao"]) == 4]
    ap.sort(key=lambda a: a["icao"])
    n_light = round(n_aircraft * light_share)
    if light_share > 0:
        from skytrace.refdata.airports import load_airport_facts

        facts = load_airport_facts()
        kind = dict(zip(facts.icao.tolist(), facts.kind.tolist(), strict=True))
        sched = dict(zip(facts.icao.tolist(), facts.scheduled.tolist(), strict=True))
        length = dict(zip(facts.icao.tolist(), facts.longest_runway_ft.tolist(), strict=True))
        surface = dict(zip(facts.icao.tolist(), facts.surface.tolist(), strict=True))
        airline_ap = [
            a for a in ap
            if sched.get(a["icao"]) == 1 and kind.get(a["icao"]) in (1, 2)
            and length.get(a["icao"], 0.0) >= 6000 and surface.get(a["icao"]) in (0, 1)
        ]  # fmt: skip
        every = sorted(airportsdata.load().values(), key=lambda a: a["icao"])
        strips = [
            a for a in every
            if kind.get(a["icao"]) == 3 and length.get(a["icao"], 0.0) >= 1500
        ]  # fmt: skip
        light_pick = rng.choice(len(strips), size=min(3000, len(strips)), replace=False)
        light_ap = [strips[i] for i in sorted(light_pick)]
    else:
        airline_ap, light_ap = ap, []
    pick = rng.choice(len(airline_ap), size=min(1500, len(airline_ap)), replace=False)
    chosen = [airline_ap[i] for i in sorted(pick)]
    traffic = None
    if light_share > 0:  # airline traffic gathers at the large airports, as in life
        traffic = np.array([LARGE_TRAFFIC if kind.get(a["icao"]) == 1 else 1.0 for a in chosen])
    fleets = [
        Fleet(chosen, n_aircraft - n_light, 150, 1e9, 800.0, 1200, (24, 42), 2200, 1800,
              AIRLINER_TYPES, True, traffic),
    ]  # fmt: skip
    if n_light:
        fleets.append(
            Fleet(light_ap, n_light, 40, 350, 220.0, 600, (3, 10), 700, 500, LIGHT_TYPES, False)
        )
    icaos = rng.choice(np.arange(0x100000, 0xF00000), size=n_aircraft, replace=False)
    parts, first, offset = [], 0, 0
    for fleet in fleets:
        legs = _legs(fleet, icaos[first : first + fleet.n_aircraft], rng)
        legs["a"] = legs["a"] + first
        legs["o"] = legs["o"] + offset
        legs["d"] = legs["d"] + offset
        legs["fleet"] = np.full(len(legs["a"]), len(parts))
        parts.append(legs)
        first += fleet.n_aircraft
        offset += len(fleet.airports)
    every_ap = [a for fleet in fleets for a in fleet.airports]
    lat = np.concatenate([p["lat"] for p in parts])
    lon = np.concatenate([p["lon"] for p in parts])
    order = np.argsort(np.concatenate([p["dep"] for p in parts]), kind="stable")
    a, o, d, dep, arr, fl = (
        np.concatenate([p[k] for p in parts])[order] for k in ("a", "o", "d", "dep", "arr", "fleet")
    )
    n = len(a)
    airborne_s = float(np.sum(arr - dep))
    mean_interval = airborne_s / max(target_positions, 1)
    interval = mean_interval * rng.uniform(0.7, 1.3, n)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ops = ["".join(rng.choice(letters, 3)) for _ in range(300)]
    op_of_aircraft = rng.integers(0, 300, n_aircraft)
    fleet_of_aircraft = np.zeros(n_aircraft, np.int64)
    fleet_of_aircraft[n_aircraft - n_light :] = 1 if n_light else 0
    airline = [fleets[fleet_of_aircraft[x]].airline for x in a.tolist()]
    callsign = np.array(
        [
            f"{ops[op_of_aircraft[x]]}{rng.integers(1, 9999)}" if is_airline
            else f"N{int(icaos[x]) % 99999:05d}"
            for x, is_airline in zip(a.tolist(), airline, strict=True)
        ],
        dtype="S8",
    )  # fmt: skip
    squawk = np.array([f"{v:04o}".encode() for v in rng.integers(0, 0o7777, n)], dtype="S4")
    # drawn in this order so that a world without light aircraft is the one the store and
    # flight benchmarks have always used
    cruise = rng.integers(24, 42, n).astype(float) * 1000
    phase = rng.uniform(0, 1, n) * interval
    light = fl == 1
    if light.any():
        lo, hi = fleets[1].cruise_ft
        cruise[light] = rng.integers(lo, hi, int(light.sum())) * 1000.0
    type_of_aircraft = rng.integers(0, 1 << 30, n_aircraft)
    types = {}
    for x in np.unique(a).tolist():
        fleet = fleets[fleet_of_aircraft[x]]
        types[int(icaos[x])] = fleet.types[type_of_aircraft[x] % len(fleet.types)]
    return World(
        icao=icaos[a].astype(np.uint32),
        origin=o,
        dest=d,
        dep_s=dep,
        arr_s=arr,
        cruise_ft=cruise,
        interval_s=interval,
        phase_s=phase,
        callsign=callsign,
        squawk=squawk,
        mlat=(icaos[a] % 17) == 0,
        geo=(icaos[a] % 3) != 0,
        ap_icao=[c["icao"] for c in every_ap],
        ap_iata=[c["iata"] for c in every_ap],
        ap_lat=lat,
        ap_lon=lon,
        climb_fpm=np.array([fleets[f].climb_fpm for f in fl]),
        descent_fpm=np.array([fleets[f].descent_fpm for f in fl]),
        speed_kt=np.array([fleets[f].speed_kmh / 1.852 for f in fl]),
        types=types,
    )


def positions_between(
    w: World, start_s: float, end_s: float, rng: np.random.Generator
) -> npt.NDArray[np.void]:
    """Every position of every flight with a sample time in [start_s, end_s), time ordered."""
    live = np.nonzero((w.dep_s < end_s) & (w.arr_s >= start_s))[0]
    if len(live) == 0:
        return np.zeros(0, POSITION_DTYPE)
    base = w.dep_s[live] + w.phase_s[live]
    iv = w.interval_s[live]
    k0 = np.maximum(np.ceil((start_s - base) / iv), 0)
    k1 = np.floor((np.minimum(end_s, w.arr_s[live]) - base) / iv - 1e-9)
    counts = np.maximum(k1 - k0 + 1, 0).astype(np.int64)
    f = np.repeat(live, counts)
    starts = np.cumsum(counts) - counts
    k = np.arange(len(f)) - np.repeat(starts, counts) + np.repeat(k0, counts)
    t = w.dep_s[f] + w.phase_s[f] + k * w.interval_s[f]
    n = len(t)
    dur = w.arr_s[f] - w.dep_s[f]
    since = t - w.dep_s[f]
    to_go = w.arr_s[f] - t
    frac = np.clip(since / dur, 0, 1)
    u0 = _unit(w.ap_lat[w.origin[f]], w.ap_lon[w.origin[f]])
    u1 = _unit(w.ap_lat[w.dest[f]], w.ap_lon[w.dest[f]])
    omega = np.arccos(np.clip(np.sum(u0 * u1, axis=1), -1, 1))
    so = np.sin(omega)
    a = np.sin((1 - frac) * omega) / so
    b = np.sin(frac * omega) / so
    p = a[:, None] * u0 + b[:, None] * u1
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1, 1)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    noise = np.where(w.mlat[f], 3e-4, 1e-5)
    lat += rng.normal(0, 1, n) * noise
    lon += rng.normal(0, 1, n) * noise
    # Bearing towards the destination, from the position.
    la, lo = np.radians(lat), np.radians(lon)
    la2, lo2 = np.radians(w.ap_lat[w.dest[f]]), np.radians(w.ap_lon[w.dest[f]])
    y = np.sin(lo2 - lo) * np.cos(la2)
    x = np.cos(la) * np.sin(la2) - np.sin(la) * np.cos(la2) * np.cos(lo2 - lo)
    bearing = np.arctan2(y, x)
    up, down = w.climb_fpm[f], w.descent_fpm[f]
    climb = np.minimum(since * up / 60, to_go * down / 60)
    alt = np.minimum(w.cruise_ft[f], climb)
    alt = np.round(alt / 25) * 25
    vr = np.where(alt >= w.cruise_ft[f], 0.0, np.where(since < to_go, up, -down))
    vr = np.round((vr + rng.normal(0, 150, n) * up / 2200) / 64) * 64
    # airliners 250 kt low to ~470 kt at altitude; light aircraft ~0.55 to 1 x cruise speed
    cruise_kt = w.speed_kt[f]
    spd = np.where(
        cruise_kt > 300,
        250 + np.minimum(alt, 30000) / 30000 * 220,
        cruise_kt * (0.55 + 0.45 * np.minimum(alt / np.maximum(w.cruise_ft[f], 1), 1)),
    ) + rng.normal(0, 2, n)
    ve = np.round(spd * np.sin(bearing))
    vn = np.round(spd * np.cos(bearing))
    out = empty_positions(n)
    out["icao24"] = w.icao[f]
    out["time_s"] = np.round(t + rng.uniform(0, 0.4, n), 3)
    out["lat"] = lat
    out["lon"] = lon
    out["altitude_ft"] = alt
    geo = w.geo[f]
    out["geo_altitude_ft"][geo] = alt[geo] + np.round(200 * np.sin(lat[geo] / 10) / 25) * 25
    out["groundspeed_kt"] = np.hypot(ve, vn)
    out["track_deg"] = np.degrees(np.arctan2(ve, vn)) % 360
    out["vertical_rate_fpm"] = vr
    out["onground"] = alt < 50
    out["source"] = np.where(w.mlat[f], int(Source.MLAT), int(Source.ADSB))
    out["n_receivers"] = np.clip(rng.poisson(4, n), 1, None)
    out["squawk"] = w.squawk[f]
    out["callsign"] = w.callsign[f]
    return out[np.argsort(out["time_s"], kind="stable")]
