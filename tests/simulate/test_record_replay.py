"""Record -> replay: a simulated scenario written to a Beast file and replayed gives the flights
the in-memory run gave, on the scenario's own date (issue 12: 15 minutes became 12 days)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.cli.main import main
from skytrace.model import Flight, FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.output import beast_bytes, receiver_id
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario
from skytrace.sources.files import FileReader
from skytrace.sources.receivers import ReceiverRegistry

DURATION_S = 420.0


def _flights(batches: list[FrameBatch]) -> dict[str, Flight]:
    """Run batches through an in-memory runtime; the last version of every flight."""
    out: dict[str, Flight] = {}
    with open_runtime(None, RuntimeOptions(refdata=False)) as rt:
        for b in batches:
            for f in rt.process(b).flights:
                out[f.flight_id] = f
        for f in rt.finish().flights:
            out[f.flight_id] = f
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Simulation, list[FrameBatch], Path]:
    sim = Simulation.from_scenario(load_scenario(builtin_scenario_path()), duration_s=DURATION_S)
    batches = [b for b in sim.batches() if len(b)]
    ids = {i: receiver_id(n) for i, n in sim.generator.receiver_names.items()}
    path = tmp_path_factory.mktemp("rec") / "sim.beast"
    path.write_bytes(b"".join(beast_bytes(b, receiver_ids=ids) for b in batches))
    return sim, batches, path


def test_replayed_frames_keep_their_receivers_and_times(
    recorded: tuple[Simulation, list[FrameBatch], Path],
) -> None:
    sim, batches, path = recorded
    live = FrameBatch.concat(batches)
    reader = FileReader(path, registry=ReceiverRegistry())
    got = FrameBatch.concat(list(reader))
    assert len(got) == len(live)
    names = {**got.receivers}
    # every receiver of the run is its own receiver in the replay (none merged into the file)
    live_names = sim.generator.receiver_names
    heard = {live_names[int(r)] for r in set(live.receiver.tolist())}
    replay_ids = {names[int(r)] for r in set(got.receiver.tolist())}
    assert replay_ids == {f"{receiver_id(n):016x}" for n in heard}
    # each frame's time is its reception time to within a millisecond and a bit of drift
    live_t = sorted(live.time_s.tolist())
    got_t = sorted(got.time_s.tolist())
    assert max(abs(a - b) for a, b in zip(live_t, got_t, strict=True)) < 0.002
    assert got_t[0] >= sim.start_s - 1 and got_t[-1] <= sim.end_s + 1


def test_replayed_flights_match_the_live_run_and_the_date(
    recorded: tuple[Simulation, list[FrameBatch], Path],
) -> None:
    sim, batches, path = recorded
    live = _flights(batches)
    replayed = _flights(list(FileReader(path, registry=ReceiverRegistry(), batch_frames=8192)))
    assert len(live) >= 5
    assert len(replayed) == len(live)
    by_hex_live = sorted((f.icao24, f.first_seen_s, f.last_seen_s) for f in live.values())
    by_hex_replay = sorted((f.icao24, f.first_seen_s, f.last_seen_s) for f in replayed.values())
    for (h1, a1, b1), (h2, a2, b2) in zip(by_hex_live, by_hex_replay, strict=True):
        assert h1 == h2
        assert abs(a1 - a2) < 5.0 and abs(b1 - b2) < 5.0
    day = datetime.fromtimestamp(sim.start_s, UTC).date()
    assert {datetime.fromtimestamp(f.first_seen_s, UTC).date() for f in replayed.values()} == {day}


def test_simulate_then_replay_cli_keeps_the_scenario_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim.beast"
    assert main(["simulate", "--out", str(out), "--duration", "120"]) == 0
    assert main(["replay", str(out), "--no-store", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["frames"] > 0
    assert summary["flights"] <= summary["aircraft"]  # no aircraft split by clock jumps
    assert summary["events"] < summary["aircraft"] * 6
