"""The wording of ``skytrace facts`` (issue 12): what a user read twice, hedged or unclear.

- an observed takeoff is not "probably", even below 0.9 confidence;
- "1 receiver", "1 position" (no "1 receivers");
- a border crossing is said once (entry and exit together; an event stored twice once);
- the great-circle distance says between which points;
- airports by their name and city;
- no "on the ground on the ground" in an observed takeoff without a runway.
"""

from __future__ import annotations

from dataclasses import replace

from skytrace.flights import detect_flights
from skytrace.flights.facts import describe
from skytrace.model import Event, EventKind
from tests.flights import fakes
from tests.flights import trackgen as g
from tests.store.sample import sample_flights

NAMES = {"KP": "North Korea", "RU": "Russia"}


def _koryo():
    sample = sample_flights()[0]
    return sample.flight, sample.positions


def test_an_observed_takeoff_is_not_hedged() -> None:
    flight, rows = _koryo()
    assert flight.departure is not None
    unsure = replace(flight, departure=replace(flight.departure, confidence=0.7))
    sentence = describe(unsure, rows, []).sentence
    assert "took off from" in sentence and "probably" not in sentence
    inferred = replace(unsure, departure=replace(unsure.departure, method="inferred"))
    assert "took off probably from" in describe(inferred, rows, []).sentence


def test_one_receiver_is_singular() -> None:
    flight, rows = _koryo()
    facts = describe(replace(flight, n_receivers=1), rows, [])
    assert "heard by up to 1 receiver." in facts.sentence
    assert "up to 1 receiver per position" in facts.evidence[-1].text + facts.evidence[-2].text
    assert "1 receivers" not in facts.sentence + str(facts.evidence)


def test_a_border_crossing_is_said_once() -> None:
    flight, rows = _koryo()
    t = flight.takeoff_s + 1800.0
    crossing = [
        Event(t, flight.icao24, EventKind.AREA_EXIT, "country:KP", flight.flight_id, 42.5, 130.5),
        Event(t, flight.icao24, EventKind.AREA_ENTRY, "country:RU", flight.flight_id, 42.5, 130.5),
    ]
    facts = describe(flight, rows, crossing + crossing, NAMES.__getitem__)  # stored twice
    assert facts.sentence.count("Russia") == 1
    assert "crossed from North Korea into Russia at 02:44 UTC" in facts.sentence
    areas = [e.text for e in facts.evidence if e.topic == "area"]
    assert areas == ["crossed from North Korea into Russia at 02:44 UTC (42.500, 130.500)"]


def test_great_circle_names_its_ends_and_airports_their_city() -> None:
    flight, rows = _koryo()
    assert flight.departure is not None and flight.arrival is not None
    named = replace(
        flight,
        departure=replace(flight.departure, name="Sunan International Airport"),
        arrival=replace(flight.arrival, name="Vladivostok International Airport"),
    )
    cities = {"ZKPY": "Pyongyang", "UHWW": "Vladivostok"}
    facts = describe(named, rows, [], None, cities.__getitem__)
    assert "from Sunan International Airport, Pyongyang (ZKPY)" in facts.sentence
    assert "at Vladivostok International Airport (UHWW)" in facts.sentence  # city in the name
    positions = next(e.text for e in facts.evidence if e.topic == "positions")
    assert "690 km great-circle between ZKPY and UHWW" in positions


def test_an_observed_takeoff_without_a_runway_says_on_the_ground_once() -> None:
    rwy = fakes.airports().get("LFBO").runways[0]
    dep = g.Rwy("LFBO", rwy.le_lat, rwy.le_lon, rwy.le_heading_deg, 499.0)
    arr_info = fakes.airports().get("EHAM").runways[0]
    arr = g.Rwy("EHAM", arr_info.le_lat, arr_info.le_lon, arr_info.le_heading_deg, -11.0)
    rows, _ = g.fly(0x3C6444, g.route(dep, arr), 1694484000.0, callsign="KLM1234")
    bare = fakes.FakeAirports(
        [replace(fakes.airports().get(code), runways=()) for code in ("LFBO", "EHAM")]
    )
    (flight,), _ = detect_flights(rows, airports=bare)
    assert flight.departure is not None and flight.departure.method == "observed"
    assert not flight.departure.runway
    assert "on the ground on the ground" not in flight.departure.evidence
    assert flight.departure.evidence.startswith("observed: last on the ground ")
