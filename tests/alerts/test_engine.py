"""The alert engine on generated flights: what fires, once, with what it knows.

The Air Koryo flight is the project's generated ZKPY -> UHWW track with no coverage south of
39.57 N (its takeoff is inferred), through the real flight detector with longitude bands for
countries; the engine sees what the pipeline would hand its sinks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from skytrace.alerts.engine import Alert, AlertEngine, EngineOptions
from skytrace.alerts.rules import RuleBook, WatchRule
from skytrace.flights import FlightDetector, detect_flights
from skytrace.model import AircraftIdentity, Event, EventKind
from tests.flights import fakes
from tests.flights.test_detect import koryo

KORYO = AircraftIdentity(
    0x7277CF, registration="P-671", typecode="A148", type_description="ANTONOV An-148",
    type_class="L2J", wake_category="M", country="North Korea", operator_icao="KOR",
    operator_name="Air Koryo", operator_source="callsign",
)  # fmt: skip
AREAS = fakes.BoxAreas([(124.0, "KP"), (130.7, "RU")], [(124.0, "ZKKP"), (131.0, "UHHH")])


def engine(*rules: WatchRule, options: EngineOptions | None = None) -> AlertEngine:
    ids = fakes.FakeIdentities({0x7277CF: KORYO})
    return AlertEngine(RuleBook(None, rules), ids, AREAS, options)


def live_run(eng: AlertEngine, rows: np.ndarray, batch: int = 200) -> list[Alert]:
    """The rows through the live flight detector in batches, each batch to the engine."""
    det = FlightDetector(airports=fakes.airports(), areas=AREAS)
    out: list[Alert] = []
    for i in range(0, len(rows), batch):
        part = rows[i : i + batch]
        update = det.update(part, float(part["time_s"][-1]))
        out += eng.evaluate(part, update.flights, update.events)
    final = det.close_all(float(rows["time_s"][-1]) + 3600)
    out += eng.evaluate(rows[:0], final.flights, final.events)
    return out


def test_air_koryo_watch_fires_on_takeoff_landing_and_russia_once_each() -> None:
    rule = WatchRule.build(
        {"name": "koryo", "operator": ["KOR"], "on": ["takeoff", "landing", "area-entry"],
         "area": ["country:RU"]}
    )  # fmt: skip
    rows, marks = koryo()
    alerts = live_run(engine(rule), rows)
    assert [a.trigger for a in alerts] == ["takeoff", "area-entry", "landing"]
    takeoff, russia, landing = alerts
    # the takeoff was never seen: the alert says it is inferred, with the estimated time
    assert takeoff.method == "inferred" and takeoff.value == "ZKPY"
    assert abs(takeoff.time_s - marks["takeoff"][0]) < 300
    assert takeoff.time_s < float(rows["time_s"][0])  # before the first position heard
    assert russia.value == "country:RU" and abs(russia.lon - 130.7) < 1e-3
    assert landing.method == "observed" and landing.value == "UHWW"
    assert landing.identity is not None and landing.identity.registration == "P-671"
    assert landing.flight is not None and landing.flight.flight_id == takeoff.flight_id


def test_an_operator_rule_does_not_match_a_longer_name() -> None:
    """KOR is Air Koryo; Korean Air (KAL) does not match it."""
    rule = WatchRule.build({"name": "koryo", "operator": ["KOR"], "on": ["takeoff"]})
    rows, _ = koryo()
    rows = rows.copy()
    rows["callsign"] = b"KAL151"
    kal = AircraftIdentity(0x7277CF, operator_icao="KAL", operator_name="Korean Air")
    eng = AlertEngine(RuleBook(None, [rule]), fakes.FakeIdentities({0x7277CF: kal}), AREAS)
    assert live_run(eng, rows) == []


def test_the_same_data_replayed_fires_the_same_alert_ids() -> None:
    rule = WatchRule.build({"name": "koryo", "aircraft": ["7277cf"], "on": ["takeoff", "landing"]})
    rows, _ = koryo()
    first = [a.alert_id for a in live_run(engine(rule), rows, batch=150)]
    again = [a.alert_id for a in live_run(engine(rule), rows, batch=500)]
    assert first == again and len(first) == 2


def test_emergency_from_two_stages_is_one_alert() -> None:
    rows, _ = koryo()
    rows = rows.copy()
    mid = len(rows) // 2
    rows["squawk"][mid : mid + 40] = b"7700"
    rule = WatchRule.build({"name": "mayday", "squawk": ["7700"], "on": ["emergency", "squawk"]})
    eng = engine(rule)
    flights, events = detect_flights(rows, airports=fakes.airports())
    t = float(rows["time_s"][mid])
    tracker_event = Event(t, 0x7277CF, EventKind.EMERGENCY, "7700", "", 40.0, 128.0, 30000.0)
    alerts = eng.evaluate(rows, flights, [*events, tracker_event])
    emergencies = [a for a in alerts if a.trigger == "emergency"]
    assert len(emergencies) == 1 and emergencies[0].value == "7700"
    assert len([a for a in alerts if a.trigger == "squawk"]) == 1


def test_flickering_at_the_edge_of_a_circle_fires_once() -> None:
    rows, _ = koryo()
    # a circle whose edge the route grazes: positions step in and out of it
    i = len(rows) // 2
    lat, lon = float(rows["lat"][i]), float(rows["lon"][i])
    rows = rows.copy()
    wobble = np.where(np.arange(len(rows)) % 2 == 0, 0.02, -0.02)
    rows["lat"] = rows["lat"] + wobble  # +-2 km side to side
    rule = WatchRule.build(
        {"name": "edge", "aircraft": ["7277cf"], "on": ["area-entry", "area-exit"],
         "area": [f"circle:{lat + 0.3:.4f},{lon:.4f},{0.3 * 111.2:.3f}"]}
    )  # fmt: skip
    import shapely

    inside = shapely.contains_xy(rule.geometry_areas[0].geometry, rows["lon"], rows["lat"])
    assert np.sum(inside[1:] != inside[:-1]) >= 6  # the positions do flicker in and out
    alerts = live_run(engine(rule, options=EngineOptions(area_dwell_s=30.0)), rows)
    assert [a.trigger for a in alerts] == ["area-entry", "area-exit"]


def test_circle_crossing_fires_entry_and_exit_at_the_border() -> None:
    rows, _ = koryo()
    i = len(rows) // 2
    lat, lon = float(rows["lat"][i]), float(rows["lon"][i])
    rule = WatchRule.build(
        {"name": "box", "aircraft": ["7277cf"], "on": ["area-entry", "area-exit"],
         "area": [f"circle:{lat:.4f},{lon:.4f},40"]}
    )  # fmt: skip
    alerts = live_run(engine(rule), rows)
    assert [a.trigger for a in alerts] == ["area-entry", "area-exit"]
    from skytrace.geo import distance_km

    for a in alerts:  # on the circle (the polygon's edge is within ~1 % of the radius)
        assert abs(distance_km(lat, lon, a.lat, a.lon) - 40) < 1.0


def test_lost_contact_fires_after_the_silence_and_once() -> None:
    rule = WatchRule.build(
        {"name": "quiet", "aircraft": ["7277cf"], "on": ["lost-contact"], "lost_minutes": 5}
    )
    rows, _ = koryo()
    eng = engine(rule)
    head = rows[: len(rows) // 3]
    assert eng.evaluate(head) == []
    last = float(head["time_s"][-1])
    assert eng.tick(last + 4 * 60) == []
    (alert,) = eng.tick(last + 5 * 60 + 1)
    assert alert.trigger == "lost-contact" and alert.time_s == last
    assert eng.tick(last + 20 * 60) == []


def test_listener_errors_do_not_stop_other_listeners() -> None:
    rule = WatchRule.build({"name": "koryo", "operator": ["KOR"], "on": ["takeoff"]})
    got: list[Alert] = []

    def broken(alert: Alert) -> None:
        raise RuntimeError("boom")

    eng = engine(rule)
    eng.listeners += [broken, got.append]
    rows, _ = koryo()
    live_run(eng, rows)
    assert len(got) == 1 and eng.listener_errors == 1


@pytest.mark.parametrize("n_rules", [1, 500])
def test_many_rules_only_the_matching_ones_fire(n_rules: int) -> None:
    rules = [
        WatchRule.build({"name": f"r{k}", "aircraft": [f"{0x100000 + k:06x}"], "on": ["landing"]})
        for k in range(n_rules)
    ]
    rules.append(WatchRule.build({"name": "mine", "aircraft": ["7277cf"], "on": ["landing"]}))
    rows, _ = koryo()
    alerts = live_run(engine(*rules), rows)
    assert [a.rule for a in alerts] == ["mine"]
    assert not math.isnan(alerts[0].time_s)
