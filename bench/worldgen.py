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

from skytrace.model import POSITION_DTYPE, AirportCall, Flight, Source, empty_positions

__all__ = ["World", "make_world"]

EARTH_KM = 6371.0
DAY_START_S = 1_694_476_800.0  # 2023-09-12 00:00 UTC
DAY_S = 86_400.0


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
                typecode="A320",
                operator_icao=cs[:3],
                operator_source="callsign",
                max_altitude_ft=float(self.cruise_ft[i]),
                sources=("adsb_icao",),
            )


def _unit(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def make_world(n_aircraft: int, target_positions: int, seed: int = 7) -> World:
    import airportsdata

    rng = np.random.default_rng(seed)
    ap = [a for a in airportsdata.load().values() if a["iata"] and len(a["icao"]) == 4]
    ap.sort(key=lambda a: a["icao"])
    pick = rng.choice(len(ap), size=min(1500, len(ap)), replace=False)
    chosen = [ap[i] for i in sorted(pick)]
    lat = np.array([a["lat"] for a in chosen], float)
    lon = np.array([a["lon"] for a in chosen], float)
    units = _unit(lat, lon)
    dist = EARTH_KM * np.arccos(np.clip(units @ units.T, -1, 1))
    # Each airport's 40 nearest others (beyond 150 km) are its destinations; a Zipf-ish
    # weight makes some routes busy, as in life.
    dist_masked = np.where(dist < 150, np.inf, dist)
    neighbours = np.argsort(dist_masked, axis=1)[:, :40]
    weights = 1.0 / np.arange(1, 41)
    weights /= weights.sum()
    hub_weights = 1.0 / np.arange(1, len(chosen) + 1) ** 0.8
    hub_weights /= hub_weights.sum()

    icaos = rng.choice(np.arange(0x100000, 0xF00000), size=n_aircraft, replace=False)
    cols: dict[str, list[npt.NDArray[np.generic]]] = {k: [] for k in ("a", "o", "d", "dep", "arr")}
    here = rng.choice(len(chosen), size=n_aircraft, p=hub_weights)
    t = DAY_START_S + rng.uniform(0, 6 * 3600, n_aircraft)
    active = np.ones(n_aircraft, bool)
    while active.any():
        idx = np.nonzero(active)[0]
        k = rng.choice(40, size=len(idx), p=weights)
        dest = neighbours[here[idx], k]
        d_km = dist[here[idx], dest]
        dur = d_km / 800.0 * 3600 + 1200
        arr = t[idx] + dur
        ok = arr < DAY_START_S + DAY_S
        for key, val in (("a", idx), ("o", here[idx]), ("d", dest), ("dep", t[idx]), ("arr", arr)):
            cols[key].append(val[ok])
        here[idx] = dest
        t[idx] = arr + rng.uniform(2400, 5400, len(idx))
        active[idx[~ok]] = False
    a = np.concatenate(cols["a"])
    order = np.argsort(np.concatenate(cols["dep"]), kind="stable")
    a = a[order]
    o = np.concatenate(cols["o"])[order]
    d = np.concatenate(cols["d"])[order]
    dep = np.concatenate(cols["dep"])[order]
    arr = np.concatenate(cols["arr"])[order]
    n = len(a)
    airborne_s = float(np.sum(arr - dep))
    mean_interval = airborne_s / max(target_positions, 1)
    interval = mean_interval * rng.uniform(0.7, 1.3, n)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ops = ["".join(rng.choice(letters, 3)) for _ in range(300)]
    op_of_aircraft = rng.integers(0, 300, n_aircraft)
    callsign = np.array(
        [f"{ops[op_of_aircraft[x]]}{rng.integers(1, 9999)}".encode() for x in a], dtype="S8"
    )
    squawk = np.array([f"{v:04o}".encode() for v in rng.integers(0, 0o7777, n)], dtype="S4")
    return World(
        icao=icaos[a].astype(np.uint32),
        origin=o,
        dest=d,
        dep_s=dep,
        arr_s=arr,
        cruise_ft=rng.integers(24, 42, n).astype(float) * 1000,
        interval_s=interval,
        phase_s=rng.uniform(0, 1, n) * interval,
        callsign=callsign,
        squawk=squawk,
        mlat=(icaos[a] % 17) == 0,
        geo=(icaos[a] % 3) != 0,
        ap_icao=[c["icao"] for c in chosen],
        ap_iata=[c["iata"] for c in chosen],
        ap_lat=lat,
        ap_lon=lon,
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
    climb = np.minimum(since * 2200 / 60, to_go * 1800 / 60)
    alt = np.minimum(w.cruise_ft[f], climb)
    alt = np.round(alt / 25) * 25
    vr = np.where(alt >= w.cruise_ft[f], 0.0, np.where(since < to_go, 2200.0, -1800.0))
    vr = np.round((vr + rng.normal(0, 150, n)) / 64) * 64
    spd = 250 + np.minimum(alt, 30000) / 30000 * 220 + rng.normal(0, 2, n)
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
