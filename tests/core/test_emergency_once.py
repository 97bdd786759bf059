"""One emergency, one event (issue 15): the tracker reports a 7700 squawk at once and the
flight detector reports it with its flight; the pipeline keeps one, with the flight's id."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.flights.facts import LOOSE_EVENT_S, stored_facts
from skytrace.model import Event, EventKind, Flight
from skytrace.pipeline import EmergencyOnce
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import parse_scenario
from skytrace.store import FlightQuery, open_reader
from tests.cli.test_demo import SHORT


class Collect:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.flights: dict[str, Flight] = {}

    def write(
        self, positions: npt.NDArray[np.void], flights: Sequence[Flight], events: Sequence[Event]
    ) -> None:
        self.events += events
        self.flights.update((f.flight_id, f) for f in flights)


def test_a_squawked_emergency_is_one_event_on_its_flight(tmp_path: Path) -> None:
    text = SHORT.replace('callsign = "KOR153"', 'callsign = "KOR153"\nsquawk = 7700')
    assert "squawk = 7700" in text
    sim = Simulation.from_scenario(parse_scenario(text), None, duration_s=1500)
    sink = Collect()
    with open_runtime(None, RuntimeOptions(sinks=[sink])) as rt:
        for batch in sim.batches():
            if len(batch):
                rt.process(batch)
        rt.finish()
    emergencies = [e for e in sink.events if e.kind is EventKind.EMERGENCY]
    # the squawk and the ADS-B emergency state ("general") are one emergency, said once
    assert [e.hex for e in emergencies] == ["7277cf"]
    assert emergencies[0].value in ("7700", "general")
    (flight,) = [f for f in sink.flights.values() if f.icao24 == 0x7277CF]
    # reported at first sight, before the aircraft had a flight: the event is the aircraft's,
    # in the flight's time, and the flight's facts say it
    assert emergencies[0].flight_id in ("", flight.flight_id)
    assert flight.first_seen_s - LOOSE_EVENT_S <= emergencies[0].time_s <= flight.last_seen_s


def test_the_flights_facts_say_an_emergency_reported_before_the_flight(tmp_path: Path) -> None:
    text = SHORT.replace('callsign = "KOR153"', 'callsign = "KOR153"\nsquawk = 7700')
    sim = Simulation.from_scenario(parse_scenario(text), None, duration_s=1500)
    with open_runtime(tmp_path) as rt:
        for batch in sim.batches():
            if len(batch):
                rt.process(batch)
        rt.finish()
    with open_reader(tmp_path) as reader:
        (flight,) = [f for f in reader.flights(FlightQuery()) if f.icao24 == 0x7277CF]
        facts = stored_facts(reader, flight.flight_id)
    said = [e.text for e in facts.evidence if e.text.startswith("emergency")]
    assert len(said) == 1 and ("7700" in said[0] or "general" in said[0]), facts.evidence


def test_a_repeat_within_the_window_is_dropped_a_later_one_kept() -> None:
    once = EmergencyOnce(repeat_s=600.0)

    def ev(t: float, value: str = "7700", fid: str = "") -> Event:
        return Event(
            time_s=t, icao24=0xABCDEF, kind=EventKind.EMERGENCY, value=value, flight_id=fid
        )

    def flight_of(icao24: int) -> str:
        return "abcdef-f1"

    kept = once.filter(
        [ev(0.0), ev(1.0, fid="abcdef-f1"), ev(1.5, "general"), ev(2.0, "7600")], flight_of
    )
    assert [(e.value, e.flight_id) for e in kept] == [("7700", "abcdef-f1"), ("7600", "abcdef-f1")]
    assert once.filter([ev(300.0)], flight_of) == []
    assert [e.time_s for e in once.filter([ev(2000.0)], flight_of)] == [2000.0]
