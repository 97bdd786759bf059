"""Many receivers at once: the simulator's Air Koryo scenario, last ~8 minutes (approach,
landing at Vladivostok UHWW, taxi), heard by the scenario's receivers with their delays,
losses, bit errors and clocks. Truth comes from the simulated traffic itself."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.decode import decode_batch
from skytrace.geo import haversine_km
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario
from skytrace.track import Tracker
from tests.track import helpers as h

KOR151 = 0x7277CF


@pytest.fixture(scope="module")
def sim_run():
    sim = Simulation.from_scenario(load_scenario(builtin_scenario_path()), tick_s=5.0)
    airports = h.AirportsData()
    tracker = Tracker(airports=airports)
    positions = []
    for frames in sim.generator.run(sim.start_s + 4000.0, sim.end_s):
        if len(frames):
            now = float(frames.time_s.max())
            positions.append(tracker.ingest(frames, decode_batch(frames), now).positions)
            tracker.expire(now)
    return sim, tracker, np.concatenate(positions), airports


def test_positions_match_the_simulated_truth(sim_run) -> None:
    sim, _, pos, _ = sim_run
    traffic = sim.generator.traffic
    index = {int(a): i for i, a in enumerate(traffic.icao24)}
    truth = traffic.sample(np.array([index[int(a)] for a in pos["icao24"]]), pos["time_s"])
    assert pos.size > 5000
    assert haversine_km(pos["lat"], pos["lon"], truth.lat, truth.lon).max() < 0.1


def test_copies_from_many_receivers_are_one_message(sim_run) -> None:
    sim, tracker, pos, _ = sim_run
    assert tracker.stats.duplicates > tracker.stats.messages  # most replies heard 2+ times
    assert tracker.stats.messages <= sim.generator.stats.transmitted
    keys = np.stack([pos["icao24"].astype(np.float64), pos["time_s"]], axis=1)
    assert len(np.unique(keys, axis=0)) == pos.size  # no position twice
    assert pos["n_receivers"].max() > 1


def test_no_aircraft_invented_from_bit_errors(sim_run) -> None:
    sim, tracker, _, _ = sim_run
    assert sim.generator.stats.bit_errors > 0
    known = {int(a) for a in sim.generator.traffic.icao24}
    doc = tracker.snapshot(sim.end_s)
    assert doc["aircraft"]
    assert {int(ac["hex"], 16) for ac in doc["aircraft"]} <= known


def test_the_landing_is_at_vladivostok(sim_run) -> None:
    _, _, pos, airports = sim_run
    surface = pos[(pos["icao24"] == KOR151) & pos["onground"]]
    assert surface.size > 100
    points = zip(surface["lat"].round(3).tolist(), surface["lon"].round(3).tolist(), strict=True)
    for lat, lon in set(points):
        hit = airports.nearest_airport(lat, lon, 3.0)
        assert hit is not None and hit[0] == "UHWW"
