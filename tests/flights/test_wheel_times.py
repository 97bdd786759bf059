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
