"""FlightDetector: open flights listed, the whole current flight's rows, stable references."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from skytrace.flights import FlightDetector
from skytrace.model import empty_positions
from tests.live.frames import T0


def _cruise(icao24: int, t0: float, n: int, step_s: float = 4.0) -> npt.NDArray[np.void]:
    rows = empty_positions(n)
    k = np.arange(n)
    rows["icao24"] = icao24
    rows["time_s"] = t0 + step_s * k
    rows["lat"] = 42.0 + 0.01 * k
    rows["lon"] = 131.0 + 0.01 * k
    rows["altitude_ft"] = 30_000
    rows["groundspeed_kt"] = 450
    rows["track_deg"] = 45
    rows["callsign"] = b"KOR151"
    return rows


def test_open_flights_lists_each_open_flight_once() -> None:
    detector = FlightDetector()
    assert detector.open_flights() == []
    detector.update(_cruise(0x7277CF, T0, 2), T0 + 4)  # too short to be a flight yet
    assert detector.open_flights() == []
    detector.update(np.concatenate([_cruise(0x7277CF, T0 + 8, 20), _cruise(0x4840D6, T0, 20)]),
                    T0 + 90)  # fmt: skip
    flights = detector.open_flights()
    assert sorted(f.icao24 for f in flights) == [0x4840D6, 0x7277CF]
    assert {f.status for f in flights} == {"open"}


def test_track_is_the_whole_current_flight_in_time_order() -> None:
    detector = FlightDetector()
    rows = _cruise(0x7277CF, T0, 500)
    for part in np.array_split(rows, 25):  # 25 batches, as the live pipeline sends them
        detector.update(part, float(part["time_s"][-1]))
    track = detector.track(0x7277CF)
    assert len(track) == 500 and np.array_equal(track["time_s"], rows["time_s"])
    assert detector.track(0x123456).size == 0
    (flight,) = detector.open_flights()
    assert flight.first_seen_s == T0


def test_track_parts_stay_unchanged_while_the_detector_goes_on() -> None:
    detector = FlightDetector()
    rows = _cruise(0x7277CF, T0, 400)
    detector.update(rows[:200], float(rows["time_s"][199]))
    parts = detector.track_parts()[0x7277CF]
    before = [p.copy() for p in parts]
    for part in np.array_split(rows[200:], 10):
        detector.update(part, float(part["time_s"][-1]))
    assert all(p.tobytes() == b.tobytes() for p, b in zip(parts, before, strict=True))
    assert len(np.concatenate(detector.track_parts()[0x7277CF])) == 400


def test_a_closed_flight_leaves_the_listing_and_its_rows_go() -> None:
    detector = FlightDetector()
    detector.update(_cruise(0x7277CF, T0, 50), T0 + 200)
    assert detector.open_flights()
    gap = detector.config.segmentation.max_cruise_gap_s
    update = detector.update(empty_positions(0), T0 + 200 + gap + 1)
    assert [f.status for f in update.flights] == ["closed"]
    assert detector.open_flights() == [] and detector.track(0x7277CF).size == 0
