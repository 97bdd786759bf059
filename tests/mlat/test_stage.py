"""The MLAT stage on simulated scenarios: a Mode-S-only aircraft over dense and sparse
receiver networks, a counter reset, a receiver placed wrongly, bad timestamps."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from skytrace.mlat import MLAT_MAGIC_TICKS, MlatStage
from skytrace.mlat.harness import Run, run_stage, score, sites_of
from skytrace.model import FrameBatch, Source
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import Scenario, builtin_scenario_path, load_scenario
from skytrace.track import Tracker

MODE_S_ONLY = 0x1500F3
WINDOW_S = (900.0, 1020.0)  # climb to cruise, north of Vladivostok


def _simulate(scenario: Scenario) -> tuple[list[FrameBatch], np.ndarray]:
    sim = Simulation.from_scenario(scenario, keep_truth=True)
    sim.start_s = scenario.start_s + WINDOW_S[0]
    sim.end_s = scenario.start_s + WINDOW_S[1]
    batches = list(sim.batches())
    truth = sim.generator.truth()
    return batches, truth[truth["time_s"] >= sim.start_s]


@pytest.fixture(scope="module")
def dense() -> Scenario:
    return load_scenario(builtin_scenario_path("mlat_dense"))


@pytest.fixture(scope="module")
def dense_run(dense: Scenario) -> tuple[MlatStage, Run, np.ndarray, Tracker]:
    batches, truth = _simulate(dense)
    stage = MlatStage(sites_of(dense.receivers))
    tracker = Tracker()
    return stage, run_stage(stage, batches, tracker), truth, tracker


def test_mode_s_only_aircraft_is_placed_within_the_targets(dense_run) -> None:
    stage, run, truth, _ = dense_run
    s = score(run.fixes, truth)
    assert s.matched == s.fixes  # every fix is one of its replies
    assert s.fixes >= 0.5 * s.replies
    assert s.median_m <= 100
    assert s.p95_m <= 300
    assert s.beyond_3x <= 0.01
    assert set(np.unique(run.fixes["icao24"]).tolist()) == {MODE_S_ONLY}
    assert stage.stats.fixes == s.fixes


def test_fixes_reach_the_tracker_as_mlat_positions(dense_run) -> None:
    _, run, _, tracker = dense_run
    positions = np.concatenate(run.positions)
    mine = positions[positions["icao24"] == MODE_S_ONLY]
    assert mine.size > 0.5 * run.fixes.size
    assert (mine["source"] == Source.MLAT).all()
    # everyone else keeps its ADS-B positions
    others = positions[positions["icao24"] != MODE_S_ONLY]
    assert others.size and not (others["source"] == Source.MLAT).any()
    # speed and track from the smoothed fixes (the aircraft climbs out north-north-east)
    moving = mine[~np.isnan(mine["groundspeed_kt"])]
    assert moving.size
    assert np.all((moving["groundspeed_kt"] > 200) & (moving["groundspeed_kt"] < 500))
    assert np.all(np.abs((moving["track_deg"] - 20 + 180) % 360 - 180) < 25)
    doc = tracker.snapshot(float(positions["time_s"].max()))
    ac = next(a for a in doc["aircraft"] if a["hex"] == f"{MODE_S_ONLY:06x}")
    assert ac["mlat"] == ["lat", "lon"]
    assert ac["type"] == "mlat"


def test_receivers_are_synchronised_and_credited(dense_run) -> None:
    stage, *_ = dense_run
    states = {s.receiver: s for s in stage.receiver_states()}
    assert len(states) == 23
    assert not any(s.suspect for s in states.values())
    assert sum(s.resets for s in states.values()) == 0
    near = [states[r] for r in (1, 2, 4)]  # Vladivostok and Ussuriysk hear it all the time
    assert all(s.state == "synced" and s.fixes > 0 for s in near)


def _with_receiver(scenario: Scenario, index: int, change: Callable) -> Scenario:
    receivers = list(scenario.receivers)
    receivers[index] = change(receivers[index])
    return dataclasses.replace(scenario, receivers=tuple(receivers))


def test_a_counter_reset_is_resynchronised(dense: Scenario) -> None:
    reset_at = dense.start_s + WINDOW_S[0] + 60.0
    scenario = _with_receiver(
        dense, 0, lambda r: dataclasses.replace(r, clock_resets_s=(reset_at,))
    )
    batches, truth = _simulate(scenario)
    stage = MlatStage(sites_of(scenario.receivers))
    before = [b for b in batches if b.time_s.max() < reset_at + 2]
    after = [b for b in batches if b.time_s.max() >= reset_at + 2]
    tracker = Tracker()
    run_stage(stage, before, tracker)
    credited = stage.receiver_states()[0].fixes
    run = run_stage(stage, after, tracker)
    state = stage.receiver_states()[0]
    assert stage.sync.resets == {1: 1}
    assert state.state == "synced"
    assert state.fixes > credited  # used again once re-synchronised
    s = score(run.fixes, truth)
    assert s.median_m <= 100 and s.p95_m <= 300 and s.beyond_3x <= 0.01


def test_a_receiver_with_a_wrong_position_is_excluded(dense: Scenario) -> None:
    batches, truth = _simulate(dense)
    sites = sites_of(dense.receivers)
    sites[3] = dataclasses.replace(sites[3], lat=sites[3].lat + 0.03)  # Ussuriysk 3.3 km off
    stage = MlatStage(sites)
    run = run_stage(stage, batches)
    assert stage.excluded == {4}
    assert stage.stats.rescued >= 5
    state = stage.receiver_states()[3]
    assert state.suspect and state.state.startswith("excluded")
    s = score(run.fixes, truth)
    assert s.fixes >= 0.5 * s.replies
    assert s.median_m <= 100 and s.p95_m <= 300 and s.beyond_3x <= 0.01


@pytest.mark.parametrize("how", ["zero", "magic", "repeated"])
def test_bad_timestamps_never_produce_fixes(dense: Scenario, how: str) -> None:
    batches, _ = _simulate(dense)
    for b in batches:
        if how == "zero":
            b.receiver_ticks[:] = 0
        elif how == "magic":
            b.receiver_ticks[:] = MLAT_MAGIC_TICKS
        else:  # every receiver stamps every frame with one value
            b.receiver_ticks[:] = b.receiver.astype(np.uint64) * np.uint64(1000)
    stage = MlatStage(sites_of(dense.receivers))
    run = run_stage(stage, batches)
    assert run.fixes.size == 0
    assert stage.stats.sync_replies == 0
    counts = stage.stats.frames
    frames = sum(len(b) for b in batches)
    if how == "repeated":  # looked for among the frames worth grouping only
        assert counts.repeated_timestamp > 0.2 * frames
    else:
        bad = counts.no_timestamp if how == "zero" else counts.mlat_magic
        assert bad > 0.9 * frames


def test_sparse_network_gives_fewer_fixes_never_wrong_ones(dense_run) -> None:
    _, dense_result, _, _ = dense_run
    sparse = load_scenario(builtin_scenario_path("mlat_sparse"))
    batches, truth = _simulate(sparse)
    stage = MlatStage(sites_of(sparse.receivers))
    run = run_stage(stage, batches)
    s = score(run.fixes, truth)
    assert s.fixes < dense_result.fixes.size
    assert s.fixes > 0
    assert np.all(s.error_m <= np.maximum(3 * s.estimate_m, 300.0))
    assert s.beyond_3x <= 0.01
