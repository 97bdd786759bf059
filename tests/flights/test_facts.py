"""The one-sentence facts of a flight and their evidence."""

from __future__ import annotations

import json
import re

import numpy as np

from skytrace.flights import detect_flights
from skytrace.flights.facts import describe
from skytrace.model import AircraftIdentity, Event, EventKind
from tests.flights import fakes
from tests.flights.test_detect import T0, koryo

AREAS = fakes.BoxAreas([(124.0, "KP"), (130.7, "RU")], [(124.0, "ZKKP"), (131.0, "UHHH")])
KORYO = AircraftIdentity(
    0x7277CF,
    registration="P-671",
    typecode="A148",
    type_description="An-148",
    operator_icao="KOR",
    operator_name="Air Koryo",
    operator_source="callsign",
)


def _facts(rows: np.ndarray):
    flights, events = detect_flights(
        rows,
        airports=fakes.airports(),
        areas=AREAS,
        identities=fakes.FakeIdentities({0x7277CF: KORYO}),
    )
    (f,) = flights
    return f, describe(f, rows, events, AREAS.country_name)


def test_sentence_states_the_koryo_flight_with_its_uncertainty() -> None:
    rows, _ = koryo()
    f, facts = _facts(rows)
    s = facts.sentence
    assert s.startswith("Air Koryo An-148 P-671 (7277CF, callsign KOR151) took off ")
    assert "from Pyongyang International Airport (ZKPY) on 2023-09-12 at about " in s
    assert "— inferred: first seen " in s and "north-east climbing through " in s
    assert (
        "landed at Vladivostok International Airport (UHWW) at " in s
        and "observed on runway 25L" in s
    )
    assert "flight time about 1 h " in s
    in_flight = (rows["time_s"] >= f.first_seen_s) & (rows["time_s"] <= f.last_seen_s)
    assert f"{int(in_flight.sum())} positions, heard by up to 3 receivers" in s
    assert "crossed from North Korea into Russia at " in s
    assert s.endswith(".")


def test_every_number_in_the_sentence_comes_from_the_record_or_positions() -> None:
    rows, _ = koryo()
    f, facts = _facts(rows)
    s = facts.sentence
    first_air = rows[~rows["onground"]][0]
    km = re.search(r"first seen (\d+) km", s).group(1)
    assert int(km) == round(f.departure.distance_km) or abs(int(km) - f.departure.distance_km) < 1
    ft = re.search(r"climbing through ([\d,]+) ft", s).group(1)
    assert int(ft.replace(",", "")) == round(float(first_air["altitude_ft"]) / 100) * 100
    import datetime as dt

    hhmm = re.search(r"landed at Vladivostok [\w ]*\(UHWW\) at (\d\d:\d\d) UTC", s).group(1)
    assert hhmm == f"{dt.datetime.fromtimestamp(f.landing_s, dt.UTC):%H:%M}"
    minutes = round((f.landing_s - f.takeoff_s) / 60)
    assert f"{minutes // 60} h {minutes % 60:02d} min" in s


def test_evidence_lists_how_each_end_was_decided_and_serializes() -> None:
    rows, _ = koryo()
    _, facts = _facts(rows)
    topics = [e.topic for e in facts.evidence]
    assert topics[:3] == ["identity", "takeoff", "landing"]
    takeoff = facts.evidence[1].text
    assert takeoff.startswith("inferred: first seen") and "confidence" in takeoff
    assert "candidates ZKPY" in takeoff
    assert "callsign" in facts.evidence[0].text
    assert any(e.topic == "area" and "into Russia" in e.text for e in facts.evidence)
    d = json.loads(json.dumps(facts.to_dict()))
    assert d["flight_id"] == facts.flight_id and d["sentence"] == facts.sentence
    assert d["evidence"][1]["time_utc"].startswith("2023-09-12T")


def test_unseen_takeoff_and_landing_are_said_not_seen() -> None:
    rows, _ = koryo()
    rows = rows[(rows["lon"] > 128.5) & (rows["lon"] < 131.0)]
    _, facts = _facts(rows)
    assert "was first seen on 2023-09-12 at " in facts.sentence
    assert "(takeoff not seen)" in facts.sentence and "(landing not seen)" in facts.sentence
    assert "took off" not in facts.sentence and "landed" not in facts.sentence
    assert "seen for " in facts.sentence


def test_a_route_along_a_border_is_one_phrase_with_every_crossing_in_the_evidence() -> None:
    from skytrace.flights.facts import _crossings, _each_crossing

    def said_of(events: list[Event]) -> list[str]:
        return [text for _, text in _crossings(_each_crossing(events, lambda c: names(c) or c))]

    names = {"RU": "Russia", "CN": "China", "KP": "North Korea"}.get

    def crossing(t: float, old: str, new: str) -> list[Event]:
        return [
            Event(T0 + t, 0x1500F3, EventKind.AREA_EXIT, f"country:{old}"),
            Event(T0 + t, 0x1500F3, EventKind.AREA_ENTRY, f"country:{new}"),
        ]

    along = [("RU", "CN"), ("CN", "RU"), ("RU", "CN"), ("CN", "RU"), ("RU", "CN")]
    events = [e for k, (a, b) in enumerate(along) for e in crossing(60.0 * k, a, b)]
    events += crossing(3600.0, "CN", "KP")  # much later, another border
    said = said_of(events)
    assert said == [
        "crossed the border between Russia and China 5 times between 02:00 and 02:04 UTC, "
        "flying along it, ending in China",
        "crossed from China into North Korea at 03:00 UTC",
    ]
    # two crossings are said one by one; a long pause starts a new run
    two = crossing(0.0, "RU", "CN") + crossing(60.0, "CN", "RU")
    assert said_of(two) == [
        "crossed from Russia into China at 02:00 UTC",
        "crossed from China into Russia at 02:01 UTC",
    ]
    apart = two + crossing(60.0 + 1200.0, "RU", "CN")
    assert len(said_of(apart)) == 3


def test_the_evidence_lists_each_crossing_of_a_route_along_a_border() -> None:
    rows, _ = koryo()
    flights, _ = detect_flights(rows, airports=fakes.airports(), areas=AREAS)
    f = flights[0]
    t0 = f.first_seen_s + 600
    events = []
    for k, (a, b) in enumerate([("KP", "RU"), ("RU", "KP"), ("KP", "RU"), ("RU", "KP")]):
        for kind, code in ((EventKind.AREA_EXIT, a), (EventKind.AREA_ENTRY, b)):
            events.append(Event(t0 + 60 * k, f.icao24, kind, f"country:{code}", f.flight_id))
    names = {"KP": "North Korea", "RU": "Russia"}.__getitem__
    facts = describe(f, rows, events, names)
    assert "crossed the border between North Korea and Russia 4 times" in facts.sentence
    assert len([e for e in facts.evidence if e.topic == "area"]) == 4
