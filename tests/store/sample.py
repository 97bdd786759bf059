"""A small deterministic history for the store tests: a few aircraft, flights and positions.

The Air Koryo flight 7277cf (P-671, A148) ZKPY -> UHWW on 2023-09-12 takes off 02:14:00 and
lands 03:18:00 UTC; positions every 10 s along the straight line between the airports. Two
other aircraft fly elsewhere the same day so that filters have something to exclude.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from skytrace.model import AirportCall, Event, EventKind, Flight, Source, empty_positions

__all__ = ["SampleFlight", "sample_flights", "sample_history", "utc_s"]


def utc_s(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class SampleFlight:
    flight: Flight
    positions: npt.NDArray[np.void]
    events: list[Event]


def _call(icao: str, iata: str, lat: float, lon: float) -> AirportCall:
    return AirportCall(
        icao=icao,
        iata=iata,
        name=f"{icao} airport",
        lat=lat,
        lon=lon,
        method="observed",
        confidence=0.9,
        distance_km=1.5,
        height_above_field_ft=0.0,
        runway="01",
        evidence="seen on the ground",
        candidates=((icao, 1.5, 0.9), ("ZZZZ", 40.0, 0.1)),
    )


def _flight(
    icao24: int,
    reg: str,
    typecode: str,
    operator: str,
    callsign: str,
    dep: tuple[str, str, float, float],
    arr: tuple[str, str, float, float],
    takeoff: str,
    landing: str,
    step_s: float = 10.0,
) -> SampleFlight:
    t0, t1 = utc_s(takeoff), utc_s(landing)
    times = np.arange(t0, t1 + 0.001, step_s)
    n = len(times)
    frac = (times - t0) / (t1 - t0)
    rows = empty_positions(n)
    rows["icao24"] = icao24
    rows["time_s"] = times
    rows["lat"] = dep[2] + frac * (arr[2] - dep[2])
    rows["lon"] = dep[3] + frac * (arr[3] - dep[3])
    climb = np.minimum(frac, 1 - frac) * 2 * 60000
    rows["altitude_ft"] = np.minimum(climb, 30000).round(-2)
    rows["geo_altitude_ft"][::2] = rows["altitude_ft"][::2] + 100
    rows["groundspeed_kt"] = 420.0
    rows["track_deg"] = 45.0
    rows["vertical_rate_fpm"] = np.where(frac < 0.5, 1024.0, -1024.0)
    rows["onground"] = rows["altitude_ft"] == 0
    rows["source"] = int(Source.ADSB)
    rows["n_receivers"] = 3
    rows["squawk"] = b"1234"
    rows["callsign"] = callsign.encode()
    stamp = datetime.fromtimestamp(t0, tz=UTC).strftime("%Y%m%d-%H%M")
    flight_id = f"{icao24:06x}-{stamp}"
    flight = Flight(
        flight_id=flight_id,
        icao24=icao24,
        status="closed",
        first_seen_s=t0,
        last_seen_s=t1,
        departure=_call(*dep),
        arrival=_call(*arr),
        takeoff_s=t0,
        landing_s=t1,
        callsigns=(callsign,),
        registration=reg,
        typecode=typecode,
        type_description="test type",
        country="KP" if operator == "KOR" else "FR",
        operator_icao=operator,
        operator_name={"KOR": "Air Koryo", "AFR": "Air France"}.get(operator, ""),
        operator_source="callsign",
        distance_flown_km=700.0,
        gc_distance_km=690.0,
        max_altitude_ft=30000.0,
        n_positions=n,
        n_receivers=3,
        sources=("adsb_icao",),
        gaps=((t0 + 600.0, t0 + 900.0),),
    )
    events = [
        Event(t0, icao24, EventKind.TAKEOFF, dep[0], flight_id, dep[2], dep[3], 0.0),
        Event(t1, icao24, EventKind.LANDING, arr[0], flight_id, arr[2], arr[3], 0.0),
    ]
    return SampleFlight(flight, rows, events)


ZKPY = ("ZKPY", "FNJ", 39.2241, 125.67)
UHWW = ("UHWW", "VVO", 43.3990, 132.148)
LFPG = ("LFPG", "CDG", 49.0097, 2.5479)
EGLL = ("EGLL", "LHR", 51.4706, -0.4619)


def sample_flights() -> list[SampleFlight]:
    """Four flights of three aircraft on 2023-09-12/13, in takeoff order."""
    return [
        _flight(0x7277CF, "P-671", "A148", "KOR", "KOR151", ZKPY, UHWW,
                "2023-09-12 02:14:00", "2023-09-12 03:18:00"),
        _flight(0x3946E0, "F-GKXA", "A320", "AFR", "AFR1234", LFPG, EGLL,
                "2023-09-12 02:30:00", "2023-09-12 03:40:00"),
        _flight(0x7277CF, "P-671", "A148", "KOR", "KOR152", UHWW, ZKPY,
                "2023-09-12 06:00:00", "2023-09-12 07:05:00"),
        _flight(0x3946E0, "F-GKXA", "A320", "AFR", "AFR1235", EGLL, LFPG,
                "2023-09-13 09:00:00", "2023-09-13 10:10:00"),
    ]  # fmt: skip


def sample_history() -> tuple[list[Flight], npt.NDArray[np.void], list[Event]]:
    """All flights, all positions (time ordered) and all events of the sample."""
    sample = sample_flights()
    rows = np.concatenate([s.positions for s in sample])
    rows = rows[np.argsort(rows["time_s"], kind="stable")]
    events = sorted((e for s in sample for e in s.events), key=lambda e: e.time_s)
    return [s.flight for s in sample], rows, events
