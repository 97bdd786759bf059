"""Airport choice weighs what the aircraft can use (issue 14): airliners are not put at grass
strips, heliports or closed fields and prefer airports with scheduled service; helicopters and
light aircraft may use them; military aircraft use air bases.

Each case is a generated approach that leaves coverage high before the field (the landing is
inferred). The airport the aircraft really uses lies 15 km to the side of where its descent
projects to the ground; decoy fields lie right there, as a strip or an air base beside a big
airport do in life. Airports are skytrace.refdata.airports.Airports with facts the test
writes.
"""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.flights import detect_flights
from skytrace.flights.aircraft_class import AircraftClass, aircraft_class, use_factors
from skytrace.model import AircraftIdentity
from skytrace.refdata.airports import KINDS, AirportFacts, Airports
from skytrace.refdata.runways import SURFACES
from tests.flights import fakes
from tests.flights import trackgen as g

T0 = 1694484000.0  # 2023-09-12 02:00 UTC
FIELD = (43.40, 132.15)  # where the approach leads
APPROACH_DEG = 90.0  # the aircraft flies east to FIELD


def _at(km_before: float, km_left: float = 0.0) -> tuple[float, float]:
    """A point ``km_before`` short of FIELD on the approach, ``km_left`` to its left."""
    lat, lon = g.offset(*FIELD, APPROACH_DEG + 180, km_before * 1000)
    if km_left:
        lat, lon = g.offset(lat, lon, APPROACH_DEG - 90, km_left * 1000)
    return lat, lon


def _airports(fields: dict[str, tuple[tuple[float, float], str, int, float, str]]) -> Airports:
    """Airports from {code: ((lat, lon), kind, scheduled, longest_ft, surface)}."""
    table = {
        code: {"icao": code, "iata": "", "name": f"{kind or 'unknown'} field {code}",
               "city": "", "country": "RU", "lat": pos[0], "lon": pos[1], "elevation": 50,
               "tz": "Asia/Vladivostok"}
        for code, (pos, kind, _, _, _) in fields.items()
    }  # fmt: skip
    codes = sorted(fields)
    facts = AirportFacts(
        icao=np.array(codes, dtype=str),
        kind=np.array([KINDS.index(fields[c][1]) for c in codes], np.int8),
        scheduled=np.array([fields[c][2] for c in codes], np.int8),
        longest_runway_ft=np.array([fields[c][3] for c in codes], np.float64),
        surface=np.array([SURFACES.index(fields[c][4]) for c in codes], np.int8),
    )
    return Airports(table, None, facts)


def _approach(
    icao24: int, cruise_ft: float, speed_kt: float, last_seen_ft: float, callsign: str = ""
) -> np.ndarray:
    """Cruise from 250 km out, descend to FIELD; positions below ``last_seen_ft`` are cut."""
    start = _at(250.0)
    top = _at(cruise_ft / 1000 * 5.0)  # ~3 NM per 1,000 ft, as airliners descend
    wps = [
        g.Wp(*start, cruise_ft, speed_kt),
        g.Wp(*top, cruise_ft, speed_kt),
        g.Wp(*FIELD, 50.0, min(speed_kt, 140.0)),
    ]
    rows, _ = g.fly(icao24, wps, T0, step_s=5.0, callsign=callsign)
    return rows[rows["altitude_ft"] >= last_seen_ft]


REAL = {"XREAL": (_at(0.0, 15.0), "large", 1, 10_500.0, "paved")}
# decoys where the approach leads: fields an airliner does not use, though most of their
# runways are long enough for it
DECOYS = {
    "XGVL": (_at(1.0, 1.0), "medium", 0, 6_500.0, "unpaved"),  # a long gravel strip
    "XCLS": (_at(2.0, -1.0), "closed", 0, 8_000.0, "paved"),  # a closed airfield
    "XGRS": (_at(0.0, 0.5), "small", 0, 2_000.0, "unpaved"),  # a grass strip
    "XHEL": (_at(0.5, -0.5), "heliport", 0, float("nan"), ""),  # a heliport
}
AIR_BASE = {"XMIL": (_at(1.5, 1.5), "medium", 0, 9_000.0, "paved")}


def airliner(icao24: int) -> AircraftIdentity:
    return AircraftIdentity(icao24, typecode="A320", type_class="L2J", wake_category="M")


def test_airliner_landing_inferred_past_strip_heliport_and_ranch_goes_to_the_airport() -> None:
    airports = _airports(REAL | DECOYS)
    rows = _approach(0x7277D0, 33_000.0, 450.0, last_seen_ft=9_000.0, callsign="KOR151")
    ids = fakes.FakeIdentities({0x7277D0: airliner(0x7277D0)})
    flights, _ = detect_flights(rows, airports=airports, identities=ids)
    arr = flights[-1].arrival
    assert arr.method == "inferred"
    assert arr.icao == "XREAL"
    # the decoys were candidates, and they lost
    assert len({c[0] for c in arr.candidates} & set(DECOYS)) >= 3


def test_without_aircraft_knowledge_a_nearer_decoy_would_have_won() -> None:
    """The cases here are real tests of the class: the same approach by an aircraft of unknown
    type that never flew high and fast (so not a jet by its track either) goes elsewhere."""
    airports = _airports(REAL | DECOYS | AIR_BASE)
    rows = _approach(0x7277D1, 9_500.0, 280.0, last_seen_ft=9_000.0)
    flights, _ = detect_flights(rows, airports=airports)
    assert flights[-1].arrival.icao in set(DECOYS) | set(AIR_BASE)
    rows = _approach(0x7277D1, 33_000.0, 450.0, last_seen_ft=9_000.0)
    ids = fakes.FakeIdentities({0x7277D1: airliner(0x7277D1)})
    flights, _ = detect_flights(rows, airports=airports, identities=ids)
    assert flights[-1].arrival.icao == "XREAL"


def test_airliner_prefers_scheduled_service_to_an_air_base_beside_it() -> None:
    airports = _airports(REAL | AIR_BASE)
    rows = _approach(0x7277D2, 33_000.0, 450.0, last_seen_ft=9_000.0)
    ids = fakes.FakeIdentities({0x7277D2: airliner(0x7277D2)})
    flights, _ = detect_flights(rows, airports=airports, identities=ids)
    assert flights[-1].arrival.icao == "XREAL"


def test_between_two_airline_airports_the_large_one_is_likelier() -> None:
    """A medium airport with scheduled service a little nearer the path than the large
    airport on its other side loses to it (airline traffic gathers at large airports);
    right where the descent leads, with the large one well off the path, it wins: the prior
    weighs, the track decides."""
    medium = {"XMED": (_at(0.0, -12.0), "medium", 1, 8_000.0, "paved")}
    ids = fakes.FakeIdentities({0x7277D5: airliner(0x7277D5)})
    rows = _approach(0x7277D5, 33_000.0, 450.0, last_seen_ft=9_000.0)
    flights, _ = detect_flights(rows, airports=_airports(REAL | medium), identities=ids)
    assert flights[-1].arrival.icao == "XREAL"
    on_the_path = {
        "XMED": (_at(0.0), "medium", 1, 8_000.0, "paved"),
        "XFAR": (_at(0.0, 40.0), "large", 1, 10_500.0, "paved"),
    }
    flights, _ = detect_flights(rows, airports=_airports(on_the_path), identities=ids)
    assert flights[-1].arrival.icao == "XMED"


def test_military_transport_may_use_the_air_base() -> None:
    airports = _airports(REAL | AIR_BASE)
    rows = _approach(0x7277D3, 25_000.0, 300.0, last_seen_ft=3_000.0)
    ident = AircraftIdentity(
        0x7277D3, typecode="IL76", type_class="L4J", wake_category="H", military=True
    )
    ids = fakes.FakeIdentities({0x7277D3: ident})
    flights, _ = detect_flights(rows, airports=airports, identities=ids)
    assert flights[-1].arrival.icao == "XMIL"


def test_helicopter_lands_at_the_heliport() -> None:
    heli = (_at(1.0), "heliport", 0, float("nan"), "")
    beside = {"XBIG": (_at(0.0, 1.0), "large", 1, 10_500.0, "paved")}
    airports = _airports(beside | {"XHEL": heli})
    lat, lon = heli[0]
    wps = [
        g.Wp(*_at(60.0), 1_500.0, 120.0),
        g.Wp(*_at(5.0), 1_000.0, 110.0),
        g.Wp(lat, lon, 300.0, 40.0),
    ]
    rows, _ = g.fly(0x7277D4, wps, T0, step_s=5.0)
    rows = rows[rows["altitude_ft"] >= 500.0]
    ident = AircraftIdentity(0x7277D4, typecode="EC35", type_class="H2T", wake_category="L")
    flights, _ = detect_flights(
        rows, airports=airports, identities=fakes.FakeIdentities({0x7277D4: ident})
    )
    assert flights[-1].arrival.icao == "XHEL"


@pytest.mark.parametrize(
    ("type_class", "wake", "callsign", "alt", "speed", "expected"),
    [
        ("L2J", "M", "", np.nan, np.nan, AircraftClass.AIRLINER),
        ("L2T", "M", "", np.nan, np.nan, AircraftClass.AIRLINER),
        ("L1P", "L", "", np.nan, np.nan, AircraftClass.LIGHT),
        ("H2T", "L", "", np.nan, np.nan, AircraftClass.HELICOPTER),
        ("", "", "", 37_000.0, 460.0, AircraftClass.JET),
        ("", "", "", 8_000.0, 140.0, AircraftClass.UNKNOWN),
    ],
)
def test_aircraft_class_from_type_or_track(
    type_class: str, wake: str, callsign: str, alt: float, speed: float, expected: AircraftClass
) -> None:
    ident = AircraftIdentity(1, type_class=type_class, wake_category=wake)
    assert aircraft_class(ident, callsign, alt, speed) == expected


def test_airline_callsign_makes_an_airliner_only_with_a_known_operator() -> None:
    known = AircraftIdentity(1, operator_icao="KOR", operator_source="callsign")
    assert aircraft_class(known, "KOR151") == AircraftClass.AIRLINER
    assert aircraft_class(AircraftIdentity(1), "KOR151") == AircraftClass.UNKNOWN
    assert aircraft_class(known, "N12345") == AircraftClass.UNKNOWN


def test_use_factors_rank_fields_for_each_class() -> None:
    # fields: large scheduled paved, grass strip, heliport
    kind = np.array([1, 3, 4], np.int8)
    sched = np.array([1, 0, 0], np.int8)
    length = np.array([10_000.0, 2_000.0, np.nan])
    surface = np.array([1, 2, 0], np.int8)
    no = np.zeros(3, bool)

    def f(cls: AircraftClass) -> np.ndarray:
        return use_factors(np.full(3, cls, np.int8), no, kind, sched, length, surface)

    liner, light, heli = (
        f(AircraftClass.AIRLINER),
        f(AircraftClass.LIGHT),
        f(AircraftClass.HELICOPTER),
    )
    assert liner[0] == 1.0 and liner[1] < 0.01 and liner[2] < 0.01
    assert light[1] == 1.0 and light[2] < light[1]
    assert heli[2] == 1.0 and heli[2] > heli[0]
    assert np.isnan(f(AircraftClass.UNKNOWN)).all()
