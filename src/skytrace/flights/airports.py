"""Which airport a takeoff or landing belongs to: candidates, runway fit, confidence.

Reference data (skytrace.refdata.airports.Airports) is seen through the small Protocols
below, so tests can pass a fake. Two questions are answered here:

1. *Field elevation near a position* (vectorized): ``FieldIndex`` finds the nearest airport
   of many points at once (shapely STRtree over airport reference points, then exact
   great-circle distance), for telling a taxiing aircraft from a low one.
2. *The airport of a takeoff or landing*: a strategy class (``RunwayFitChoice``) scores the
   airports near the decisive point. Observed (positions on the ground): positions of the
   take-off or landing roll are fitted to each candidate runway (inside its corridor, moving
   along it); a runway fit wins outright, so a landing roll on a large airport's runway does
   not go to a helipad or strip beside it. Without a fit, candidates score by distance and by
   whether their longest runway can take an aircraft this fast. Inferred (first/last position
   airborne): candidates within the limits score by distance and by whether the aircraft's
   track points away from (takeoff) or towards (landing) them.

   Both weigh what the aircraft can use (skytrace.flights.aircraft_class): an airliner is
   not put at a heliport, a grass strip or a short runway and prefers airports with
   scheduled service; a helicopter prefers heliports; where the aircraft's class is unknown
   the factor comes from its speed and the airport's size and longest runway.

Confidence in 0..1 = base (runway fit 0.98, observed 0.9, inferred 0.85)
x exp(-distance / scale) x (1 - 0.5 x runner-up score / best score). Pure; thread-safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from skytrace.flights.aircraft_class import AircraftClass, use_factors
from skytrace.geo import (
    angle_diff_deg,
    bearing_deg,
    destination_point,
    haversine_km,
    local_xy_m,
)

__all__ = [
    "AirportChoice",
    "AirportsLike",
    "Choice",
    "FieldIndex",
    "IndexedAirports",
    "RunwayFitChoice",
]


class AirportsLike(Protocol):
    """What flights need of skytrace.refdata.airports.Airports."""

    def near(self, lat: float, lon: float, radius_km: float) -> list[tuple[Any, float]]: ...

    def get(self, code: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Choice:
    """The outcome of an airport choice (kept inside flights; AirportCall is built from it)."""

    airport: Any | None  # skytrace.refdata.airports.AirportInfo
    distance_km: float
    height_above_field_ft: float
    runway: str
    confidence: float
    candidates: tuple[tuple[str, float, float], ...]  # (icao, distance_km, score)
    runway_fit: bool = False


class FieldIndex:
    """Airports as arrays for many-point questions: nearest field, fields within a radius.

    Built from the vectorized columns of ``skytrace.refdata.airports.Airports`` (``icao``,
    ``lat``, ``lon``, ``elevation_ft``; ``longest_runway_ft`` and ``size_rank`` when present).
    Also keeps, per 1-degree cell, the highest field elevation in that cell and its
    neighbours, so that rows far above any field can be skipped without a search.
    """

    def __init__(self, airports: Any) -> None:
        import shapely

        lat = np.asarray(getattr(airports, "lat", ()), np.float64)
        lon = np.asarray(getattr(airports, "lon", ()), np.float64)
        elev = np.asarray(getattr(airports, "elevation_ft", ()), np.float64)
        if lat.ndim != 1 or lat.size == 0 or lat.shape != lon.shape or elev.shape != lat.shape:
            raise TypeError("airports without lat/lon/elevation_ft arrays")
        self.lat = lat
        self.lon = lon
        self.elevation_ft = np.nan_to_num(elev, nan=0.0)
        self.icao = np.asarray(getattr(airports, "icao", np.full(lat.size, "")), dtype=str)
        # rank of each code in code order (equal codes, equal rank): sorting by it equals
        # sorting by the code strings, at the cost of an integer sort
        self.icao_rank = np.unique(self.icao, return_inverse=True)[1].astype(np.int64)
        longest = getattr(airports, "longest_runway_ft", None)
        rank = getattr(airports, "size_rank", None)
        self.longest_runway_ft = None if longest is None else np.asarray(longest, np.float64)
        self.size_rank = None if rank is None else np.asarray(rank, np.int64)
        # kind / scheduled service / runway surface codes (skytrace.refdata.airports), or
        # "unknown" for every airport when the reference data has none
        self.kind = _codes(airports, "kind", lat.size, 0)
        self.scheduled = _codes(airports, "scheduled", lat.size, -1)
        self.surface = _codes(airports, "surface", lat.size, 0)
        self.longest_or_nan = (
            np.full(lat.size, np.nan) if longest is None else self.longest_runway_ft
        )
        self._tree = shapely.STRtree(shapely.points(lon, lat))
        # airport infos fetched by near_infos (immutable records: sharing them is safe)
        self._infos: dict[int, Any] = {}
        self._by_lat = np.argsort(lat, kind="stable")
        self._sorted_lat = lat[self._by_lat]
        grid = np.full((182, 362), -np.inf)
        ok = np.isfinite(lat) & np.isfinite(lon)
        np.maximum.at(grid, (_cell_lat(lat[ok]) + 1, _cell_lon(lon[ok]) + 1), self.elevation_ft[ok])
        grid[:, 0], grid[:, -1] = grid[:, -2], grid[:, 1]  # longitude wraps
        near = grid.copy()
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near[1:-1, 1:-1] = np.maximum(
                    near[1:-1, 1:-1], grid[1 + dy : 181 + dy, 1 + dx : 361 + dx]
                )
        self._cell_max_elev_ft = near

    def max_field_elevation_ft(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Upper bound of the elevation of any field within ~60 km (-inf: none)."""
        la = np.nan_to_num(np.asarray(lat, np.float64))
        lo = np.nan_to_num(np.asarray(lon, np.float64))
        return np.asarray(self._cell_max_elev_ft[_cell_lat(la) + 1, _cell_lon(lo) + 1])

    def within(
        self, lat: float, lon: float, radius_km: float
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """Airports (indices) within ``radius_km`` of a point and their distances, nearest
        first (ties by index)."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return np.zeros(0, np.intp), np.zeros(0)
        band = radius_km / 111.19
        lo_i = int(np.searchsorted(self._sorted_lat, lat - band, side="left"))
        hi_i = int(np.searchsorted(self._sorted_lat, lat + band, side="right"))
        idx = self._by_lat[lo_i:hi_i]
        dist = haversine_km(lat, lon, self.lat[idx], self.lon[idx])
        keep = dist <= radius_km
        idx, dist = idx[keep], dist[keep]
        order = np.lexsort((idx, dist))
        return idx[order], dist[order]

    def near_infos(
        self, airports: AirportsLike, lat: float, lon: float, radius_km: float
    ) -> list[tuple[Any, float]]:
        """``airports.near`` answered from these arrays: (info, distance_km) of the airports
        within ``radius_km``, nearest first; each airport's info is fetched once and kept."""
        idx, dist = self.within(lat, lon, radius_km)
        infos = self._infos
        out = []
        for i, d in zip(idx.tolist(), dist.tolist(), strict=True):
            info = infos.get(i)
            if info is None:
                info = infos[i] = airports.get(str(self.icao[i]))
            out.append((info, d))
        return out

    def nearest(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """Index of the nearest airport and its distance in km, for each point."""
        import shapely

        la = np.asarray(lat, np.float64)
        lo = np.asarray(lon, np.float64)
        idx = np.zeros(la.shape, np.intp)
        dist = np.full(la.shape, np.inf)
        if la.size == 0:
            return idx, dist
        pairs = self._tree.query_nearest(shapely.points(lo, la), all_matches=False)
        idx[pairs[0]] = pairs[1]
        dist[pairs[0]] = haversine_km(
            la[pairs[0]], lo[pairs[0]], self.lat[pairs[1]], self.lon[pairs[1]]
        )
        return idx, dist

    def field_elevation_ft(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, max_distance_km: float
    ) -> npt.NDArray[np.float64]:
        """Elevation of the nearest field within ``max_distance_km`` (NaN when none)."""
        idx, dist = self.nearest(lat, lon)
        out = self.elevation_ft[idx].astype(np.float64)
        out[~(dist <= max_distance_km)] = np.nan
        return out


def _codes(airports: Any, name: str, n: int, unknown: int) -> npt.NDArray[np.int8]:
    values = getattr(airports, name, None)
    if values is None or np.shape(values) != (n,):
        return np.full(n, unknown, np.int8)
    return np.asarray(values, np.int8)


def _cell_lat(lat: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    return np.clip(np.floor(lat).astype(np.intp) + 90, 0, 179)


def _cell_lon(lon: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    return np.floor((lon + 180.0) % 360.0).astype(np.intp) % 360


@dataclass(frozen=True, slots=True)
class InferredPoints:
    """First (takeoff) or last (landing) airborne positions of many flights, as columns."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    altitude_ft: npt.NDArray[np.float64]
    track_deg: npt.NDArray[np.float64]
    groundspeed_kt: npt.NDArray[np.float64]
    rate_fpm: npt.NDArray[np.float64]  # climb (+) / descent (-) rate used to time it; NaN
    takeoff: npt.NDArray[np.bool_]  # True: the track should point away from the airport
    aircraft_class: npt.NDArray[np.int8] | None = None  # AircraftClass of each; None unknown
    military: npt.NDArray[np.bool_] | None = None


@dataclass(frozen=True, slots=True)
class IndexedAirports:
    """``airports`` whose ``near`` is answered by a ``FieldIndex`` over the same airports
    (same airports and distances; infos fetched once), for strategies that call ``near``
    once per takeoff or landing."""

    airports: AirportsLike
    fields: FieldIndex

    def near(self, lat: float, lon: float, radius_km: float) -> list[tuple[Any, float]]:
        return self.fields.near_infos(self.airports, lat, lon, radius_km)

    def get(self, code: str) -> Any:
        return self.airports.get(code)


class AirportChoice(Protocol):
    """A strategy that picks the airport of a takeoff or landing."""

    def choose_observed(
        self,
        airports: AirportsLike,
        rows: npt.NDArray[np.void],
        anchor: int,
        aircraft: AircraftClass = AircraftClass.UNKNOWN,
        military: bool = False,
    ) -> Choice: ...

    def choose_inferred_many(
        self,
        airports: AirportsLike,
        fields: FieldIndex,
        points: InferredPoints,
        max_distance_km: float,
        max_ft_above_field: float,
    ) -> list[Choice]: ...


def _f(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True, slots=True)
class RunwayFitChoice:
    """Runway geometry first, distance second (see the module docstring).

    ``rows`` given to ``choose_observed`` are the positions of the roll and the few airborne
    positions next to it; ``anchor`` is the index (in ``rows``) of the decisive ground
    position whose distance to the airport is reported.
    """

    observed_radius_km: float = 8.0
    runway_margin_m: float = 120.0
    runway_extension_m: float = 1500.0
    max_heading_diff_deg: float = 25.0
    min_runway_fit: float = 0.6
    observed_scale_km: float = 3.0
    inferred_scale_km: float = 40.0
    expected_slack_km: float = 10.0
    direction_power: float = 2.0
    confidence_scale_km: float = 150.0
    fast_kt: float = 80.0
    min_runway_ft_when_fast: float = 3000.0

    def _size_factor(self, airport: Any, speed_kt: float) -> float:
        """How well an airport's size suits an aircraft moving at ``speed_kt``."""
        fast = speed_kt == speed_kt and speed_kt >= self.fast_kt
        size = str(getattr(airport, "size", "") or "")
        if size == "heliport":
            return 0.02 if fast else 0.3
        lengths = [_f(r.length_ft) for r in getattr(airport, "runways", ())]
        lengths = [x for x in lengths if x == x]
        if lengths:
            return 1.0 if not fast or max(lengths) >= self.min_runway_ft_when_fast else 0.05
        if not fast:
            return 1.0
        return {"large": 1.0, "medium": 0.8, "small": 0.4}.get(size, 0.5)

    def runway_fit(self, airport: Any, rows: npt.NDArray[np.void]) -> tuple[str, float]:
        """Best runway designator of ``airport`` for the movement in ``rows``, and its fit."""
        best = ("", 0.0)
        if len(rows) == 0:
            return best
        track = rows["track_deg"].astype(np.float64)
        for rw in getattr(airport, "runways", ()):
            le_lat, le_lon, he_lat, he_lon = (
                _f(rw.le_lat),
                _f(rw.le_lon),
                _f(rw.he_lat),
                _f(rw.he_lon),
            )
            if not all(v == v for v in (le_lat, le_lon, he_lat, he_lon)):
                continue
            hx, hy = local_xy_m(he_lat, he_lon, le_lat, le_lon)
            length_m = float(math.hypot(float(hx), float(hy)))
            if length_m < 1.0:
                continue
            ux, uy = float(hx) / length_m, float(hy) / length_m
            px, py = local_xy_m(rows["lat"], rows["lon"], le_lat, le_lon)
            along = px * ux + py * uy
            cross = np.abs(px * uy - py * ux)
            width_m = _f(rw.width_ft) * 0.3048
            half = (width_m if width_m == width_m else 45.0) / 2 + self.runway_margin_m
            inside = (cross <= half) & (along >= -self.runway_extension_m)
            inside &= along <= length_m + self.runway_extension_m
            heading = float(bearing_deg(le_lat, le_lon, he_lat, he_lon))
            known = np.isfinite(track)
            for ident, hdg in ((rw.le_ident, heading), (rw.he_ident, (heading + 180) % 360)):
                aligned = ~known | (angle_diff_deg(track, hdg) <= self.max_heading_diff_deg)
                if known.any() and not (known & aligned).any():
                    continue
                fit = float(np.mean(inside & aligned))
                if fit > best[1]:
                    best = (str(ident), fit)
        return best

    def _use_factor(
        self, airport: Any, speed_kt: float, aircraft: AircraftClass, military: bool
    ) -> float:
        """``use_factors`` of one airport (an AirportInfo) — for jets no more than
        ``_size_factor`` —, and ``_size_factor`` where the aircraft's class is unknown."""
        if aircraft != AircraftClass.UNKNOWN:
            from skytrace.refdata.airports import KINDS
            from skytrace.refdata.runways import SURFACES

            sched = getattr(airport, "scheduled_service", None)
            kind = str(getattr(airport, "kind", "") or "")
            surface = str(getattr(airport, "surface", "") or "")
            factor = use_factors(
                np.array([aircraft], np.int8),
                np.array([military]),
                np.array([KINDS.index(kind) if kind in KINDS else 0], np.int8),
                np.array([-1 if sched is None else int(sched)], np.int8),
                np.array([_f(getattr(airport, "longest_runway_ft", math.nan))]),
                np.array([SURFACES.index(surface) if surface in SURFACES else 0], np.int8),
            )[0]
            if factor == factor:
                if aircraft in (AircraftClass.AIRLINER, AircraftClass.JET):
                    return min(float(factor), self._size_factor(airport, speed_kt))
                return float(factor)
        return self._size_factor(airport, speed_kt)

    def choose_observed(
        self,
        airports: AirportsLike,
        rows: npt.NDArray[np.void],
        anchor: int,
        aircraft: AircraftClass = AircraftClass.UNKNOWN,
        military: bool = False,
    ) -> Choice:
        lat, lon = float(rows["lat"][anchor]), float(rows["lon"][anchor])
        speed = float(np.nanmax(np.append(rows["groundspeed_kt"].astype(np.float64), 0.0)))
        scored: list[tuple[float, Any, float, str, bool]] = []
        for airport, dist in airports.near(lat, lon, self.observed_radius_km):
            ident, fit = self.runway_fit(airport, rows)
            if fit >= self.min_runway_fit:
                scored.append((1.0 + fit, airport, dist, ident, True))
            else:
                score = math.exp(-dist / self.observed_scale_km)
                use = self._use_factor(airport, speed, aircraft, military)
                scored.append((score * use, airport, dist, "", False))
        alt = _f(rows["altitude_ft"][anchor])
        return self._finish(scored, alt, base_fit=0.98, base=0.9, scale_km=10.0)

    def _size_factors(
        self, airports: AirportsLike, fields: FieldIndex, idx: npt.NDArray[np.intp], speed: float
    ) -> npt.NDArray[np.float64]:
        """``_size_factor`` for many airports of ``fields`` at once."""
        if fields.size_rank is None or fields.longest_runway_ft is None:
            return np.array(
                [self._size_factor(airports.get(str(fields.icao[i])), speed) for i in idx]
            )
        rank = fields.size_rank[idx]
        longest = fields.longest_runway_ft[idx]
        fast = speed == speed and speed >= self.fast_kt
        if not fast:
            return np.where(rank == 0, 0.3, 1.0)
        by_rank = np.select([rank >= 3, rank == 2, rank == 1], [1.0, 0.8, 0.4], 0.5)
        by_length = np.where(longest >= self.min_runway_ft_when_fast, 1.0, 0.05)
        return np.where(rank == 0, 0.02, np.where(np.isfinite(longest), by_length, by_rank))

    def choose_inferred_many(
        self,
        airports: AirportsLike,
        fields: FieldIndex,
        points: InferredPoints,
        max_distance_km: float,
        max_ft_above_field: float,
    ) -> list[Choice]:
        """The airport each point most likely took off from / landed at (see the module
        docstring), for many points at once."""
        import shapely

        n = len(points.lat)
        if n == 0:
            return []
        lat, lon = points.lat, points.lon
        ok = np.isfinite(lat) & np.isfinite(lon)
        coslat = np.maximum(np.cos(np.radians(np.where(ok, lat, 0.0))), 0.01)
        deg = max_distance_km / 111.19 / coslat
        geoms = shapely.points(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
        pi, ai = fields._tree.query(geoms, predicate="dwithin", distance=deg)
        keep = ok[pi]
        pi, ai = pi[keep], ai[keep]
        dist = haversine_km(lat[pi], lon[pi], fields.lat[ai], fields.lon[ai])
        keep = (dist <= max_distance_km) & ~(
            points.altitude_ft[pi] - fields.elevation_ft[ai] > max_ft_above_field
        )
        pi, ai, dist = pi[keep], ai[keep], dist[keep]
        speed = points.groundspeed_kt[pi]
        if fields.size_rank is None or fields.longest_runway_ft is None:
            cache: dict[tuple[int, bool], float] = {}
            size = np.empty(len(ai))
            for k, (a, sp) in enumerate(zip(ai.tolist(), speed.tolist(), strict=True)):
                fast = sp == sp and sp >= self.fast_kt
                if (a, fast) not in cache:
                    info = airports.get(str(fields.icao[a]))
                    cache[(a, fast)] = self._size_factor(info, self.fast_kt if fast else 0.0)
                size[k] = cache[(a, fast)]
        else:
            rank = fields.size_rank[ai]
            longest = fields.longest_runway_ft[ai]
            fast = np.isfinite(speed) & (speed >= self.fast_kt)
            by_rank = np.select([rank >= 3, rank == 2, rank == 1], [1.0, 0.8, 0.4], 0.5)
            by_length = np.where(longest >= self.min_runway_ft_when_fast, 1.0, 0.05)
            size_fast = np.where(
                rank == 0, 0.02, np.where(np.isfinite(longest), by_length, by_rank)
            )
            size = np.where(fast, size_fast, np.where(rank == 0, 0.3, 1.0))
        if points.aircraft_class is not None:
            mil = points.military[pi] if points.military is not None else np.zeros(len(pi), bool)
            use = use_factors(
                points.aircraft_class[pi],
                mil,
                fields.kind[ai],
                fields.scheduled[ai],
                fields.longest_or_nan[ai],
                fields.surface[ai],
            )
            # jets: the stricter of the two (the speed factor knows imported runways);
            # light aircraft and helicopters: their own factor (strips are fine for them)
            cls = points.aircraft_class[pi]
            jets = (cls == AircraftClass.AIRLINER) | (cls == AircraftClass.JET)
            size = np.where(np.isnan(use), size, np.where(jets, np.minimum(size, use), use))
        score = np.exp(-dist / self.inferred_scale_km) * size
        # How far the aircraft should have got from the field: the time to climb (or descend)
        # its height above that field, at 80 % of its ground speed. A candidate much nearer or
        # farther than that fits worse.
        height = np.maximum(points.altitude_ft[pi] - fields.elevation_ft[ai], 0.0)
        rate = np.abs(points.rate_fpm[pi])
        rate = np.where(np.isfinite(rate), np.clip(rate, 500.0, 5000.0), 2000.0)
        expected_km = height / rate * np.nan_to_num(speed, nan=250.0) * 0.8 * 1.852 / 60.0
        # Where that puts the aircraft on the ground: projected along its track (back along
        # it for a takeoff). Candidates score by their distance from that point, which weighs
        # both the distance and the side of the path they lie on.
        track = points.track_deg[pi]
        reach = np.where(np.isfinite(track) & np.isfinite(height), expected_km, 0.0)
        heading = np.where(points.takeoff[pi], track + 180.0, track)
        p_lat, p_lon = destination_point(lat[pi], lon[pi], np.nan_to_num(heading), reach)
        miss_km = haversine_km(p_lat, p_lon, fields.lat[ai], fields.lon[ai])
        miss_km = np.where(reach > 0, miss_km, np.abs(dist - expected_km))
        fit = np.exp(-miss_km / (0.5 * expected_km + self.expected_slack_km))
        score = np.where(np.isfinite(height), score * fit, score)
        # takeoff: bearing from the field to the aircraft; landing: the other way round
        to = points.takeoff[pi]
        away = np.empty(len(pi))
        p_to, a_to, p_ld, a_ld = pi[to], ai[to], pi[~to], ai[~to]
        away[to] = bearing_deg(fields.lat[a_to], fields.lon[a_to], lat[p_to], lon[p_to])
        away[~to] = bearing_deg(lat[p_ld], lon[p_ld], fields.lat[a_ld], fields.lon[a_ld])
        factor = (1 + np.cos(np.radians(angle_diff_deg(track, away)))) / 2
        factor = np.maximum(0.05, factor**self.direction_power)
        score = np.where(np.isfinite(track) & (dist > 2.0), score * factor, score)
        order = np.lexsort((fields.icao_rank[ai], dist, -score, pi))
        pi, ai, dist, score = pi[order], ai[order], dist[order], score[order]
        # only the best five of each point are reported (the best two decide): drop the rest
        # before converting to Python values
        first = np.searchsorted(pi, np.arange(n))
        best5 = np.arange(len(pi)) - first[pi] < 5
        pi, ai, dist, score = pi[best5], ai[best5], dist[best5], score[best5]
        codes = fields.icao[ai]
        starts = np.searchsorted(pi, np.arange(n))
        ends = np.searchsorted(pi, np.arange(n), side="right")
        out: list[Choice] = []
        infos: dict[str, Any] = {}
        code_l = codes.tolist()
        dist_l = np.round(dist, 2).tolist()
        score_l = np.round(score, 3).tolist()
        elev_l = fields.elevation_ft[ai].tolist()
        alt_l = points.altitude_ft.tolist()
        raw_score, raw_dist = score.tolist(), dist.tolist()
        for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            if a == b:
                out.append(Choice(None, math.nan, math.nan, "", 0.0, ()))
                continue
            top = raw_score[a]
            runner_up = raw_score[a + 1] if b - a > 1 else 0.0
            conf = 0.85 * math.exp(-raw_dist[a] / self.confidence_scale_km)
            conf *= 1.0 - 0.5 * (runner_up / top if top > 0 else 1.0)
            stop = min(b, a + 5)
            candidates = tuple(zip(code_l[a:stop], dist_l[a:stop], score_l[a:stop], strict=True))
            code = code_l[a]
            if code not in infos:
                infos[code] = airports.get(code)
            out.append(
                Choice(
                    infos[code],
                    raw_dist[a],
                    alt_l[k] - elev_l[a],
                    "",
                    round(max(0.0, min(1.0, conf)), 3),
                    candidates,
                )
            )
        return out

    def _finish(
        self,
        scored: list[tuple[float, Any, float, str, bool]],
        altitude_ft: float,
        *,
        base_fit: float,
        base: float,
        scale_km: float,
    ) -> Choice:
        if not scored:
            return Choice(None, math.nan, math.nan, "", 0.0, ())
        scored.sort(key=lambda s: (-s[0], s[2], str(s[1].icao)))
        score, airport, dist, runway, fit = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if fit:
            # A runway fit belongs to its airport wherever the reference point is; only
            # another airport whose runway also fits competes.
            conf = base_fit * (1.0 - 0.5 * max(0.0, runner_up - 1.0) / (score - 1.0))
        else:
            conf = base * math.exp(-dist / scale_km)
            conf *= 1.0 - 0.5 * (runner_up / score if score > 0 else 1.0)
        candidates = tuple((str(a.icao), round(d, 2), round(s, 3)) for s, a, d, _, _ in scored[:5])
        height = altitude_ft - _f(airport.elevation_ft)
        return Choice(
            airport, dist, height, runway, round(max(0.0, min(1.0, conf)), 3), candidates, fit
        )
