"""Observed takeoff and landing times are wheel times, not when the transponder flips its
air/ground flag (issue 14). Generated flights whose flag flips early on the takeoff roll or
late in the landing roll-out, with the true lift-off and touchdown marked; the real recording
is in test_long_flight.py."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.flights import detect_flights
from tests.flights import fakes
from tests.flights import trackgen as g
from tests.flights.test_detect import T0, rwy

PRESSURE_OFFSET_FT = 175.0  # QNH below standard: the runway reads 175 ft above its elevation


def _flight(flag_up_kt: float | None, flag_down_kt: float | None) -> tuple[np.ndarray, dict]:
    """LFBO 14R -> EHAM 36L; the flag says airborne from ``flag_up_kt`` on the takeoff roll and
    until ``flag_down_kt`` in the roll-out (None: at the true lift-off / touchdown)."""
    rows, marks = g.fly(0x3C6444, g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")), T0, step_s=2)
    rows["altitude_ft"] += PRESSURE_OFFSET_FT
    t, speed, ground = rows["time_s"], rows["groundspeed_kt"], rows["onground"]
    elevation = {"LFBO": fakes.airports().get("LFBO").elevation_ft,
                 "EHAM": fakes.airports().get("EHAM").elevation_ft}  # fmt: skip
    if flag_up_kt is not None:
        early = ground & (t < marks["takeoff"][0]) & (speed >= flag_up_kt)
        rows["onground"][early] = False
        rows["altitude_ft"][early] = elevation["LFBO"] + PRESSURE_OFFSET_FT
    if flag_down_kt is not None:
        late = ground & (t > marks["landing"][0]) & (speed >= flag_down_kt)
        rows["onground"][late] = False
        rows["altitude_ft"][late] = elevation["EHAM"] + PRESSURE_OFFSET_FT
    return rows, marks


@pytest.mark.parametrize(("flag_up_kt", "flag_down_kt"), [(55.0, 35.0), (80.0, 60.0), (None, None)])
def test_observed_times_are_within_ten_seconds_of_the_wheels(
    flag_up_kt: float | None, flag_down_kt: float | None
) -> None:
    rows, marks = _flight(flag_up_kt, flag_down_kt)
    (f,) = detect_flights(rows, airports=fakes.airports())[0]
    assert f.departure.method == "observed" and f.arrival.method == "observed"
    assert (f.departure.icao, f.arrival.icao) == ("LFBO", "EHAM")
    assert abs(f.takeoff_s - marks["takeoff"][0]) <= 10
    assert abs(f.landing_s - marks["landing"][0]) <= 10


def test_the_flag_alone_would_be_far_off() -> None:
    """What the cases above guard against: the flag flips tens of seconds from the wheels."""
    rows, marks = _flight(55.0, 35.0)
    air = rows["time_s"][~rows["onground"]]
    assert marks["takeoff"][0] - air.min() > 15
    assert air.max() - marks["landing"][0] > 15


def test_a_level_low_pass_is_no_roll() -> None:
    """Level rows at constant speed before the flag flips are not taken for a roll-out: the
    landing time stays at the flag when the speed does not fall along the run."""
    rows, marks = _flight(None, None)
    t = rows["time_s"]
    last_air = int(np.flatnonzero(~rows["onground"])[-1])
    # the 20 s before touchdown flown level at constant speed just above the runway
    level = (t > t[last_air] - 20) & (t <= t[last_air])
    rows["altitude_ft"][level] = rows["altitude_ft"][last_air]
    rows["groundspeed_kt"][level] = rows["groundspeed_kt"][last_air]
    (f,) = detect_flights(rows, airports=fakes.airports())[0]
    assert abs(f.landing_s - marks["landing"][0]) <= 10


def test_live_landing_is_reported_within_ten_seconds_of_touchdown_and_once() -> None:
    """Issue 15: an alert on landing must fire within 10 s of touchdown — so the detector
    reports an observed landing as the roll-out settles it, not when the flight closes."""
    from skytrace.flights import FlightDetector
    from skytrace.model import EventKind

    rows, marks = _flight(None, None)
    det = FlightDetector(airports=fakes.airports())
    seen_at: list[float] = []
    landings = []
    for i in range(0, len(rows), 1):  # live-sized: one position (2 s of data) a batch
        part = rows[i : i + 1]
        now = float(part["time_s"][-1])
        for e in det.update(part, now).events:
            if e.kind == EventKind.LANDING:
                landings.append(e)
                seen_at.append(now)
    for e in det.close_all(float(rows["time_s"][-1]) + 3600).events:
        if e.kind == EventKind.LANDING:
            landings.append(e)
    assert len(landings) == 1 and landings[0].value == "EHAM"
    assert seen_at and seen_at[0] - marks["landing"][0] <= 10.0
