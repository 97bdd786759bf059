"""Distinct receivers per flight (issue 14): the tally, the live detector and the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.flights import FlightConfig, FlightDetector
from skytrace.flights.heard import HeardBy
from skytrace.model import Flight, FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario
from skytrace.track.receivers import ReceiverLists
from tests.flights import fakes
from tests.flights import trackgen as g
from tests.flights.test_detect import T0, rwy


def lists(*rows: list[int]) -> ReceiverLists:
    return ReceiverLists.from_lists([np.array(r, np.uint32) for r in rows])


def test_tally_counts_distinct_receivers_over_batches_and_ignores_unknown() -> None:
    heard = HeardBy()
    heard.add(
        np.array([0xAAA, 0xAAA, 0xBBB]), np.array([10.0, 20.0, 15.0]), lists([1, 2], [2, 0], [7])
    )
    heard.add(np.array([0xAAA]), np.array([30.0]), lists([3]))
    assert heard.count(0xAAA, 0.0, 100.0) == 3  # 1, 2, 3; receiver 0 is "unknown"
    assert heard.count(0xAAA, 25.0, 100.0) == 1  # only 3 heard it after 25 s
    assert heard.count(0xBBB, 0.0, 100.0) == 1
    assert heard.count(0xCCC, 0.0, 100.0) == 0
    with pytest.raises(ValueError, match="2 receiver lists for 1 rows"):
        heard.add(np.array([0xAAA]), np.array([1.0]), lists([1], [2]))


def test_a_cut_drops_receivers_heard_only_before_it_and_forget_drops_all() -> None:
    heard = HeardBy()
    # receiver 1 heard 0xAAA's earlier flight only, 2 both, 9 a later flight only
    heard.add(np.array([0xAAA] * 4), np.array([10.0, 20.0, 300.0, 900.0]),
              lists([1], [1, 2], [2], [9]))  # fmt: skip
    heard.trim(np.array([0xAAA]), np.array([250.0]))  # the rows now start at 250 s
    assert heard.count(0xAAA, 250.0, 400.0) == 1  # 2; 9 came after
    assert heard.count(0xAAA, 0.0, 200.0) == 0  # nothing reaches back over the cut
    heard.trim(np.array([0xAAA]), np.array([np.inf]))  # no rows left
    assert len(heard) == 0
    heard.add(np.array([0xAAA, 0xBBB]), np.array([1.0, 1.0]), lists([1], [1]))
    heard.forget(np.array([0xAAA]))
    assert heard.count(0xAAA, 0.0, 10.0) == 0 and heard.count(0xBBB, 0.0, 10.0) == 1


def _detect(rows: np.ndarray, receivers: ReceiverLists, batch: int) -> list[Flight]:
    det = FlightDetector(airports=fakes.airports(), config=FlightConfig())
    closed: dict[str, Flight] = {}
    for i in range(0, len(rows), batch):
        up = det.update(rows[i : i + batch], float(rows["time_s"][i : i + batch][-1]),
                        receivers.take(np.arange(i, min(i + batch, len(rows)))))  # fmt: skip
        closed |= {f.flight_id: f for f in up.flights}
    closed |= {f.flight_id: f for f in det.close_all(float(rows["time_s"][-1])).flights}
    return sorted(closed.values(), key=lambda f: f.first_seen_s)


def test_live_flights_count_every_receiver_that_heard_them_not_the_most_at_once() -> None:
    """Out, two receivers hear each position (1+2, handing over to 3+4); back, 4 and 5. Each
    flight counts its own receivers only: 4 out (at most 2 per position), 2 back."""
    out, _ = g.fly(0x3C6444, g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")), T0)
    back, _ = g.fly(0x3C6444, g.route(rwy("EHAM", "18R"), rwy("LFBO", "32L")),
                    float(out["time_s"][-1]) + 3600)  # fmt: skip
    rows = g.merge(out, back)
    half = len(out) // 2
    per_row = [[1, 2]] * half + [[3, 4]] * (len(out) - half) + [[4, 5]] * len(back)
    rows["n_receivers"] = 2
    for batch in (50, 3000):
        flights = _detect(rows, lists(*per_row), batch)
        assert [(f.receivers_heard, f.n_receivers) for f in flights] == [(4, 2), (2, 2)], batch


def test_the_pipeline_hands_the_trackers_receiver_lists_to_flights() -> None:
    sim = Simulation.from_scenario(load_scenario(builtin_scenario_path()), duration_s=300.0)
    batches = [b for b in sim.batches() if len(b)]
    flights: dict[str, Flight] = {}
    with open_runtime(None, RuntimeOptions(refdata=False)) as rt:
        for b in batches:
            flights |= {f.flight_id: f for f in rt.process(b).flights}
        flights |= {f.flight_id: f for f in rt.finish().flights}
    frames = FrameBatch.concat(batches)
    p = frames.payload.astype(np.uint32)
    es = (p[:, 0] >> 3) == 17  # extended squitters: the address is in the clear
    address = (p[:, 1] << 16) | (p[:, 2] << 8) | p[:, 3]
    assert flights
    for f in flights.values():
        # every receiver counted heard the aircraft's squitters; at least the most at once did
        heard_frames = len(set(frames.receiver[es & (address == f.icao24)].tolist()))
        assert f.n_receivers <= f.receivers_heard <= heard_frames, f.flight_id
