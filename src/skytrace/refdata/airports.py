"""Airports: the ``airportsdata`` table (pinned 20260905) with what skytrace ships about each
airport, imported runways, and a spatial index for "which airports are near this point".

This module owns airport look-up by code and by position. Data: ``airportsdata.load("ICAO")``
(28,298 airports: icao, iata, name, city, subd, country (ISO alpha-2), elevation (ft), lat,
lon, tz, lid); the shipped airport facts (``data/refdata/airport_facts.csv``, made by
scripts/gen_airport_facts.py from airports-py and OurAirports: kind, scheduled airline
service, longest runway and its surface for 23,197 of them); and runways imported from
OurAirports (``runways.RunwayColumns``), which replace the shipped runway length and surface
of every airport they cover.

Columns (numpy, one row per airport, in ICAO order): ``icao, iata, name, city, country, lat,
lon, elevation_ft, tz, longest_runway_ft`` (NaN unknown), ``kind`` (index into ``KINDS``,
0 unknown), ``scheduled`` (1 / 0, -1 unknown), ``surface`` (index into
``runways.SURFACES``, 0 unknown), ``size_rank``.

Spatial index: rows sorted by latitude; a query takes the latitude band ``lat ± radius`` with
two ``searchsorted`` calls and computes great-circle (haversine, R = 6371.0088 km) distances
for that band only — about 0.1 ms per query.

Size (``size_rank``) — so that a large airport can be told apart from a small airfield or
helipad beside it: from the kind where it is known (large 3, medium 2, small or closed 1,
heliport or seaplane base 0), otherwise by this heuristic:
    0  heliport / seaplane base: name says Heliport, Helipad, Heliplatform, Seaplane or
       Water Aerodrome, or the only runways are helipads (idents starting with "H" and
       length under 200 ft)
    1  small: longest runway < 4,000 ft, or no runway data and no IATA code
    2  medium: longest runway 4,000–7,999 ft, or no runway data but an IATA code
    3  large: longest runway >= 8,000 ft
Read-only after construction; safe to share between threads.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import RefdataError
from skytrace.geo import EARTH_RADIUS_KM, haversine_km
from skytrace.refdata.runways import SURFACES, Runway, RunwayColumns, surface_kind

__all__ = ["KINDS", "AirportFacts", "AirportInfo", "Airports", "load_airport_facts"]

_KM_PER_DEG_LAT: Final = math.pi * EARTH_RADIUS_KM / 180.0
_HELI_NAME = re.compile(r"heli(port|pad|platform|deck)|seaplane|water aerodrome", re.IGNORECASE)
SIZE_NAMES: Final = ("heliport", "small", "medium", "large")
KINDS: Final = ("", "large", "medium", "small", "heliport", "seaplane", "closed")
_KIND_RANK: Final = np.array([-1, 3, 2, 1, 0, 0, 1], np.int8)  # size_rank of each kind
FACTS_FILE: Final = "airport_facts.csv"


@dataclass(frozen=True, slots=True)
class AirportFacts:
    """What is known of airports beyond their position: columns sorted by ``icao``."""

    icao: npt.NDArray[np.str_]
    kind: npt.NDArray[np.int8]  # index into KINDS
    scheduled: npt.NDArray[np.int8]  # 1 / 0, -1 unknown
    longest_runway_ft: npt.NDArray[np.float64]  # NaN unknown
    surface: npt.NDArray[np.int8]  # index into runways.SURFACES

    def __len__(self) -> int:
        return len(self.icao)


def load_airport_facts(path: Path | None = None) -> AirportFacts:
    """Read an airport-facts CSV (``icao,kind,scheduled,longest_runway_ft,surface``); by
    default the one shipped in the package. Unknown kinds and surfaces read as unknown."""
    if path is None:
        text = files("skytrace").joinpath("data", "refdata", FACTS_FILE).read_text("utf-8")
    else:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RefdataError(f"airport facts {path} are unreadable ({exc})") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows or rows[0][:5] != ["icao", "kind", "scheduled", "longest_runway_ft", "surface"]:
        raise RefdataError(f"airport facts {path or FACTS_FILE}: unexpected header {rows[:1]}")
    body = sorted((r for r in rows[1:] if len(r) >= 5 and r[0]), key=lambda r: r[0])
    kind_of = {k: i for i, k in enumerate(KINDS)}
    surface_of = {k: i for i, k in enumerate(SURFACES)}
    return AirportFacts(
        icao=np.array([r[0].upper() for r in body], dtype=str),
        kind=np.array([kind_of.get(r[1], 0) for r in body], np.int8),
        scheduled=np.array([{"1": 1, "0": 0}.get(r[2], -1) for r in body], np.int8),
        longest_runway_ft=np.array([_num(r[3]) for r in body], np.float64),
        surface=np.array([surface_of.get(r[4], 0) for r in body], np.int8),
    )


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
    kind: str = ""  # one of KINDS; "" unknown
    scheduled_service: bool | None = None  # scheduled airline service; None unknown
    surface: str = ""  # of the longest runway: paved / unpaved / water; "" unknown


class Airports:
    """All airports, by code and by position."""

    def __init__(
        self,
        table: Mapping[str, Mapping[str, Any]],
        runways: RunwayColumns | None,
        facts: AirportFacts | None = None,
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
        self.kind = np.zeros(len(rows), np.int8)
        self.scheduled = np.full(len(rows), -1, np.int8)
        self.surface = np.zeros(len(rows), np.int8)
        if facts is not None and len(facts) and len(rows):
            self._attach_facts(facts)
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
    def load(
        cls, runways: RunwayColumns | None = None, facts: AirportFacts | None = None
    ) -> Airports:
        """airportsdata's airports with ``facts`` (default: the shipped ones) and runways."""
        import airportsdata

        return cls(airportsdata.load("ICAO"), runways, facts or load_airport_facts())

    def __len__(self) -> int:
        return len(self.icao)

    def _attach_facts(self, facts: AirportFacts) -> None:
        pos = np.minimum(np.searchsorted(facts.icao, self.icao), len(facts) - 1)
        have = facts.icao[pos] == self.icao
        rows, src = np.flatnonzero(have), pos[have]
        self.kind[rows] = facts.kind[src]
        self.scheduled[rows] = facts.scheduled[src]
        self.longest_runway_ft[rows] = facts.longest_runway_ft[src]
        self.surface[rows] = facts.surface[src]

    def _attach_runways(self, runways: RunwayColumns) -> None:
        """Longest runway (not a helipad), its surface and the helipad-only flag of each
        airport, vectorized over groups; they replace the shipped facts where known."""
        c = runways.columns
        pos = np.searchsorted(self.icao, runways.airports)
        pos_c = np.minimum(pos, len(self.icao) - 1)
        known = self.icao[pos_c] == runways.airports
        length = c["length_ft"].astype(np.float64)
        pad = np.char.startswith(c["le_ident"].astype(str), "H") & ~(length >= 200)
        lengths = np.where(np.isfinite(length) & ~pad, length, -1.0)
        longest = np.maximum.reduceat(lengths, runways.group_starts)
        # row of each airport's longest runway: the first row of its group reaching the max
        group = np.repeat(np.arange(len(runways.airports)), runways.group_counts)
        at_max = np.flatnonzero(lengths == longest[group])
        best = at_max[np.unique(group[at_max], return_index=True)[1]]
        with_len = known & (longest >= 0)
        self.longest_runway_ft[pos_c[with_len]] = longest[with_len]
        surface_of = {k: i for i, k in enumerate(SURFACES)}
        surfaces = np.array([surface_of[surface_kind(str(x))] for x in c["surface"][best]], np.int8)
        has_surface = np.zeros(len(runways.airports), bool)
        has_surface[group[best]] = surfaces != 0
        surface_by_group = np.zeros(len(runways.airports), np.int8)
        surface_by_group[group[best]] = surfaces
        keep = with_len & has_surface
        self.surface[pos_c[keep]] = surface_by_group[keep]
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
        by_kind = _KIND_RANK[self.kind]
        return np.where(by_kind >= 0, by_kind, rank).astype(np.int8)

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
            kind=KINDS[int(self.kind[i])],
            scheduled_service=None if self.scheduled[i] < 0 else bool(self.scheduled[i]),
            surface=SURFACES[int(self.surface[i])],
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
