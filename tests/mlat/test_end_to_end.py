"""A Mode-S-only flight end to end: simulator -> pipeline with MLAT -> flight and facts."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.flights.facts import describe
from skytrace.mlat import MlatStage
from skytrace.mlat.harness import sites_of
from skytrace.model import FrameBatch, Source
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

MODE_S_ONLY = 0x1500F3


class _Keep:
    def __init__(self) -> None:
        self.positions: list[np.ndarray] = []
        self.flights: dict[str, object] = {}
        self.events: list[object] = []

    def write(self, positions, flights, events) -> None:
        self.positions.append(positions)
        self.flights.update({f.flight_id: f for f in flights})
        self.events.extend(events)


@pytest.fixture(scope="module")
def flown() -> tuple[_Keep, MlatStage]:
    scenario = load_scenario(builtin_scenario_path("mlat_dense"))
    sim = Simulation.from_scenario(scenario)
    stage = MlatStage(sites_of(scenario.receivers))
    keep = _Keep()
    ticks = list(sim.batches())
    with open_runtime(None, RuntimeOptions(sinks=[keep], mlat=stage)) as rt:
        # 20 s batches, as a file replay makes them (2 s ticks cost 4x the time here)
        for i in range(0, len(ticks), 10):
            rt.process(FrameBatch.concat(ticks[i : i + 10]))
    return keep, stage


def test_mode_s_only_flight_has_takeoff_and_landing(flown) -> None:
    keep, stage = flown
    flights = [f for f in keep.flights.values() if f.icao24 == MODE_S_ONLY]
    assert len(flights) == 1
    f = flights[0]
    assert f.departure is not None and f.departure.icao == "UHWW"
    assert f.arrival is not None and f.arrival.icao == "UHHH"
    assert f.takeoff_s == f.takeoff_s and f.landing_s == f.landing_s
    assert 45 * 60 < f.landing_s - f.takeoff_s < 70 * 60
    assert f.sources == ("mlat",)
    assert stage.stats.fixes > 1000


def test_facts_say_the_positions_are_multilaterated(flown) -> None:
    keep, _ = flown
    f = next(f for f in keep.flights.values() if f.icao24 == MODE_S_ONLY)
    positions = np.concatenate(keep.positions)
    mine = positions[positions["icao24"] == MODE_S_ONLY]
    assert (mine["source"] == Source.MLAT).all()
    facts = describe(f, positions, [e for e in keep.events if e.icao24 == MODE_S_ONLY])
    assert "all multilaterated" in facts.sentence
    assert "Vladivostok" in facts.sentence and "Khabarovsk" in facts.sentence


def test_receivers_say_what_mlat_knows_of_them(flown) -> None:
    """What the live snapshot (and so receivers.json and the API) says of each receiver."""
    from types import SimpleNamespace

    from skytrace.live.publish import _mlat_receivers
    from skytrace.model import ReceiverStats

    _, stage = flown
    receivers = [ReceiverStats(receiver=r, name=s.name) for r, s in stage.sites.items()]
    runtime = SimpleNamespace(pipeline=SimpleNamespace(mlat=stage))
    states = _mlat_receivers(runtime, receivers)
    assert set(states) == {r.receiver for r in receivers}
    synced = [s for s in states.values() if s["state"] == "synced"]
    # at the scenario's end a receiver may hear no ADS-B aircraft to keep its pairs with
    assert len(synced) >= 0.9 * len(states)
    assert all(s["synced_pairs"] >= 3 and 0 < s["clock_noise_ns"] < 1000 for s in synced)
    assert all(s["synced_pairs"] == 0 for s in states.values() if s["state"] == "not synced")
    # every fix was solved from three receivers or more
    assert sum(s["fixes"] for s in states.values()) >= 3 * stage.stats.fixes
    assert _mlat_receivers(SimpleNamespace(pipeline=SimpleNamespace(mlat=None)), receivers) == {}


def test_multilaterated_positions_count_the_receivers_of_their_fix(flown) -> None:
    """An MLAT position was heard by the receivers its fix was solved from: three or more
    per position (not the one synthetic frame the tracker saw), and the Mode-S-only flight
    counts every receiver that took part."""
    keep, stage = flown
    rows = np.concatenate(keep.positions)
    mlat = rows[rows["source"] == Source.MLAT]
    assert len(mlat) > 1000 and int(mlat["n_receivers"].min()) >= 3
    f = next(f for f in keep.flights.values() if f.icao24 == MODE_S_ONLY)
    taking_part = sum(1 for s in stage.receiver_states() if s.fixes)
    assert f.n_receivers >= 4 and f.n_receivers <= f.receivers_heard <= taking_part
