"""Airports: the ``airportsdata`` table (pinned 20260905) with imported runways and a
spatial index for "which airports are near this point".

This module owns airport look-up by code and by position. Data: ``airportsdata.load("ICAO")``
(28,298 airports: icao, iata, name, city, subd, country (ISO alpha-2), elevation (ft), lat,
lon, tz, lid) plus runways imported from OurAirports (``runways.RunwayColumns``).

Columns (numpy, one row per airport, in ICAO order): ``icao, iata, name, city, country, lat,
lon, elevation_ft, tz, longest_runway_ft`` (NaN without runway data), ``size_rank``.

Spatial index: rows sorted by latitude; a query takes the latitude band ``lat ± radius`` with
two ``searchsorted`` calls and computes great-circle (haversine, R = 6371.0088 km) distances
for that band only — about 0.1 ms per query.

Size heuristic (``size_rank``; airportsdata has no type column) — so that a large airport can
be told apart from a small airfield or helipad beside it:
    0  heliport / seaplane base: name says Heliport, Helipad, Heliplatform, Seaplane or
       Water Aerodrome, or the only runways are helipads (idents starting with "H" and
       length under 200 ft)
    1  small: longest runway < 4,000 ft, or no runway data and no IATA code
    2  medium: longest runway 4,000–7,999 ft, or no runway data but an IATA code
    3  large: longest runway >= 8,000 ft
Read-only after construction; safe to share between threads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import RefdataError
from skytrace.geo import EARTH_RADIUS_KM, haversine_km
from skytrace.refdata.runways import Runway, RunwayColumns

__all__ = ["AirportInfo", "Airports"]

_KM_PER_DEG_LAT: Final = math.pi * EARTH_RADIUS_KM / 180.0
_HELI_NAME = re.compile(r"heli(port|pad|platform|deck)|seaplane|water aerodrome", re.IGNORECASE)
SIZE_NAMES: Final = ("heliport", "small", "medium", "large")


@dataclass(frozen=True, slots=True)
class AirportInfo:
    icao: str
    iata: str
    name: str
    city: str
    country: str  # ISO alpha-2
    lat: float
    lon: float
    elevation_ft: float
    tz: str
    runways: tuple[Runway, ...] = ()
    longest_runway_ft: float = math.nan
    size: str = "small"  # heliport / small / medium / large (see the module docstring)


class Airports:
    """All airports, by code and by position."""

    def __init__(
        self, table: Mapping[str, Mapping[str, Any]], runways: RunwayColumns | None
    ) -> None:
        rows = sorted(table.values(), key=lambda r: str(r["icao"]))
        self.runway_data = runways
        self.icao = np.array([str(r["icao"]) for r in rows], dtype=str)
        self.iata = np.array([str(r.get("iata") or "") for r in rows], dtype=str)
        self.name = np.array([str(r.get("name") or "") for r in rows], dtype=str)
        self.city = np.array([str(r.get("city") or "") for r in rows], dtype=str)
        self.country = np.array([str(r.get("country") or "") for r in rows], dtype=str)
        self.tz = np.array([str(r.get("tz") or "") for r in rows], dtype=str)
        self.lat = np.array([_num(r.get("lat")) for r in rows], dtype=np.float64)
        self.lon = np.array([_num(r.get("lon")) for r in rows], dtype=np.float64)
        self.elevation_ft = np.array([_num(r.get("elevation")) for r in rows], dtype=np.float64)
        self.longest_runway_ft = np.full(len(rows), np.nan)
        heli_only = np.zeros(len(rows), dtype=bool)
        if runways is not None and len(runways):
            self._attach_runways(runways)
            heli_only = self._helipad_only
        self.size_rank = self._size_rank(heli_only)
        self._index = {str(c): i for i, c in enumerate(self.icao)}
        self._iata_index = {str(c): i for i, c in enumerate(self.iata) if c}
        finite = np.isfinite(self.lat) & np.isfinite(self.lon)
        by_lat = np.flatnonzero(finite)[np.argsort(self.lat[finite], kind="stable")]
        self._by_lat = by_lat
        self._sorted_lat = self.lat[by_lat]

    @classmethod
    def load(cls, runways: RunwayColumns | None = None) -> Airports:
        import airportsdata

        return cls(airportsdata.load("ICAO"), runways)

    def __len__(self) -> int:
        return len(self.icao)

    def _attach_runways(self, runways: RunwayColumns) -> None:
        """Longest runway and helipad-only flag of each airport, vectorized over groups."""
        c = runways.columns
        pos = np.searchsorted(self.icao, runways.airports)
        pos_c = np.minimum(pos, len(self.icao) - 1)
        known = self.icao[pos_c] == runways.airports
        lengths = np.where(np.isfinite(c["length_ft"]), c["length_ft"], -1.0)
        longest = np.maximum.reduceat(lengths, runways.group_starts)
        self.longest_runway_ft[pos_c[known]] = np.where(longest >= 0, longest, np.nan)[known]
        length = c["length_ft"].astype(np.float64)
        pad = np.char.startswith(c["le_ident"].astype(str), "H") & ~(length >= 200)
        all_pads = np.logical_and.reduceat(pad, runways.group_starts)
        self._helipad_only = np.zeros(len(self.icao), dtype=bool)
        self._helipad_only[pos_c[known]] = all_pads[known]

    def _size_rank(self, heli_only: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
        longest = self.longest_runway_ft
        has_iata = self.iata != ""
        rank = np.where(has_iata, 2, 1).astype(np.int8)
        known = np.isfinite(longest)
        rank[known] = np.select(
            [longest[known] >= 8000, longest[known] >= 4000], [3, 2], default=1
        ).astype(np.int8)
        heli = np.array([bool(_HELI_NAME.search(n)) for n in self.name]) | heli_only
        rank[heli] = 0
        return rank

    # ---- by code --------------------------------------------------------------------------

    def index_of(self, code: str) -> int:
        """Row of an ICAO or IATA code (case-insensitive); raises RefdataError when unknown."""
        key = code.strip().upper()
        i = self._index.get(key)
        if i is None and len(key) == 3:
            i = self._iata_index.get(key)
        if i is None:
            raise RefdataError(
                f"unknown airport {code!r}: not an ICAO (4 letters) or IATA (3 letters) code "
                f"known to airportsdata"
            )
        return i

    def get(self, code: str) -> AirportInfo:
        return self.info(self.index_of(code))

    def info(self, i: int) -> AirportInfo:
        icao = str(self.icao[i])
        runways = self.runway_data.for_airport(icao) if self.runway_data is not None else ()
        return AirportInfo(
            icao=icao,
            iata=str(self.iata[i]),
            name=str(self.name[i]),
            city=str(self.city[i]),
            country=str(self.country[i]),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            elevation_ft=float(self.elevation_ft[i]),
            tz=str(self.tz[i]),
            runways=runways,
            longest_runway_ft=float(self.longest_runway_ft[i]),
            size=SIZE_NAMES[int(self.size_rank[i])],
        )

    @property
    def has_runways(self) -> bool:
        return self.runway_data is not None

    # ---- by position ----------------------------------------------------------------------

    def _within(
        self, lat: float, lon: float, radius_km: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Rows within ``radius_km`` of a point and their distances, nearest first."""
        if not (math.isfinite(lat) and math.isfinite(lon)) or radius_km < 0:
            return np.array([], np.int64), np.array([], np.float64)
        band = radius_km / _KM_PER_DEG_LAT
        lo = int(np.searchsorted(self._sorted_lat, lat - band, side="left"))
        hi = int(np.searchsorted(self._sorted_lat, lat + band, side="right"))
        rows = self._by_lat[lo:hi]
        dist = haversine_km(lat, lon, self.lat[rows], self.lon[rows])
        keep = dist <= radius_km
        rows, dist = rows[keep], dist[keep]
        order = np.argsort(dist, kind="stable")
        return rows[order].astype(np.int64), dist[order]

    def near(self, lat: float, lon: float, radius_km: float) -> list[tuple[AirportInfo, float]]:
        """Airports within ``radius_km``, nearest first, as (info, distance_km)."""
        rows, dist = self._within(lat, lon, radius_km)
        return [(self.info(int(r)), float(d)) for r, d in zip(rows, dist, strict=True)]

    def nearest_airport(
        self, lat: float, lon: float, max_distance_km: float
    ) -> tuple[str, float, float] | None:
        """(icao, lat, lon) of the nearest airport within ``max_distance_km``, else None."""
        rows, _ = self._within(lat, lon, max_distance_km)
        if len(rows) == 0:
            return None
        r = int(rows[0])
        return str(self.icao[r]), float(self.lat[r]), float(self.lon[r])

    def nearest_many(
        self, lats: npt.ArrayLike, lons: npt.ArrayLike, max_distance_km: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Row of the nearest airport of each point (-1 none within range) and its distance."""
        la = np.asarray(lats, np.float64)
        lo = np.asarray(lons, np.float64)
        rows = np.full(la.shape, -1, np.int64)
        dist = np.full(la.shape, np.nan)
        for k in range(len(la)):
            r, d = self._within(float(la[k]), float(lo[k]), max_distance_km)
            if len(r):
                rows[k], dist[k] = r[0], d[0]
        return rows, dist

    def near_many(
        self, lats: npt.ArrayLike, lons: npt.ArrayLike, radius_km: float
    ) -> list[list[tuple[str, float]]]:
        """For each point, (icao, distance_km) of the airports within ``radius_km``."""
        la = np.asarray(lats, np.float64)
        lo = np.asarray(lons, np.float64)
        out: list[list[tuple[str, float]]] = []
        for k in range(len(la)):
            r, d = self._within(float(la[k]), float(lo[k]), radius_km)
            out.append([(str(self.icao[i]), float(x)) for i, x in zip(r, d, strict=True)])
        return out


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
