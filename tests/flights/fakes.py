"""Fakes of reference data with the signatures of skytrace.refdata (Airports, AreaIndex).

Airports come from the airportsdata package (MIT); runway thresholds of a few airports are
facts taken from OurAirports (public domain). Countries and FIRs are simple boxes.
"""

from __future__ import annotations

from functools import lru_cache

import airportsdata
import numpy as np

from skytrace.errors import RefdataError
from skytrace.geo import bearing_deg, haversine_km
from skytrace.model import AircraftIdentity
from skytrace.refdata.airports import AirportInfo
from skytrace.refdata.runways import Runway

RUNWAYS = {
    "EHAM": [
        ("18R", "36L", 52.3627, 4.71193, 52.3286, 4.70884, 12467, 198),
        ("06", "24", 52.2879, 4.73402, 52.3046, 4.77752, 11283, 148),
        ("18C", "36C", 52.3314, 4.74003, 52.3018, 4.73750, 10826, 148),
    ],
    "LFBO": [
        ("14R", "32L", 43.6441, 1.34593, 43.6190, 1.37210, 11483, 148),
        ("14L", "32R", 43.6374, 1.35762, 43.6156, 1.38022, 9843, 148),
    ],
    "UHWW": [
        ("07R", "25L", 43.3937, 132.142, 43.4045, 132.169, 11483, 197),
        ("07L", "25R", 43.3913, 132.129, 43.4066, 132.167, 11483, 197),
    ],
    "ZKPY": [
        ("17", "35", 39.2204, 125.664, 39.1902, 125.676, 11490, 230),
        ("01", "19", 39.2277, 125.676, 39.2619, 125.676, 12475, 197),
    ],
    "EHRD": [("06", "24", 51.9491, 4.42722, 51.9626, 4.45990, 7218, 148)],
}


def runway(
    icao: str,
    le: str,
    he: str,
    la1: float,
    lo1: float,
    la2: float,
    lo2: float,
    length: float,
    width: float,
) -> Runway:
    h = float(bearing_deg(la1, lo1, la2, lo2))
    nan = float("nan")
    return Runway(
        icao, le, he, la1, lo1, la2, lo2, h, (h + 180) % 360, length, width, "ASP", nan, nan
    )


class FakeAirports:
    """Airports.near / get / arrays, over airportsdata plus ``extra`` airports."""

    def __init__(self, extra: list[AirportInfo] = ()) -> None:
        base = _base()
        infos = [a for a in base if a.icao not in {e.icao for e in extra}] + list(extra)
        self.infos = infos
        self.by_code = {a.icao: a for a in infos} | {a.iata: a for a in infos if a.iata}
        self.icao = np.array([a.icao for a in infos], dtype=object)
        self.lat = np.array([a.lat for a in infos])
        self.lon = np.array([a.lon for a in infos])
        self.elevation_ft = np.array([a.elevation_ft for a in infos])

    def get(self, code: str) -> AirportInfo:
        try:
            return self.by_code[code.upper()]
        except KeyError:
            raise RefdataError(f"unknown airport {code!r}") from None

    def near(self, lat: float, lon: float, radius_km: float) -> list[tuple[AirportInfo, float]]:
        d = haversine_km(lat, lon, self.lat, self.lon)
        idx = np.flatnonzero(d <= radius_km)
        idx = idx[np.argsort(d[idx], kind="stable")]
        return [(self.infos[i], float(d[i])) for i in idx]


@lru_cache(maxsize=1)
def _base() -> tuple[AirportInfo, ...]:
    out = []
    for code, a in airportsdata.load().items():
        rws = tuple(runway(code, *r) for r in RUNWAYS.get(code, ()))
        out.append(
            AirportInfo(
                code,
                a["iata"],
                a["name"],
                a["city"],
                a["country"],
                a["lat"],
                a["lon"],
                float(a["elevation"]),
                a["tz"],
                rws,
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def airports() -> FakeAirports:
    return FakeAirports()


class BoxAreas:
    """Countries and FIRs as longitude bands: enough to test crossings and their times."""

    def __init__(self, country_bands: list[tuple[float, str]], fir_bands: list[tuple[float, str]]):
        self.country_bands = country_bands  # (west edge lon, code), ascending
        self.fir_bands = fir_bands

    @staticmethod
    def _lookup(bands: list[tuple[float, str]], lons: np.ndarray) -> np.ndarray:
        edges = np.array([b[0] for b in bands])
        codes = np.array([""] + [b[1] for b in bands], dtype=object)
        return codes[np.searchsorted(edges, np.asarray(lons), side="right")]

    def countries_at(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        return self._lookup(self.country_bands, lons)

    def firs_at(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        return self._lookup(self.fir_bands, lons)

    def country_name(self, code: str) -> str:
        return {"KP": "North Korea", "RU": "Russia", "FR": "France", "NL": "Netherlands"}.get(
            code, code
        )


class FakeIdentities:
    def __init__(self, known: dict[int, AircraftIdentity]) -> None:
        self.known = known

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        return self.known.get(icao24, AircraftIdentity(icao24))
