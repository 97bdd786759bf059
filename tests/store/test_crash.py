"""Crash safety with real SIGKILLs: a writer process killed at random moments (while writing,
and while compacting), reopened each time; what was flushed survives, nothing is duplicated or
torn, and only a tail is missing. Then store files are damaged at random: the store opens,
quarantines them, and every other file's data is still there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from skytrace.store import FlightQuery, Store, open_reader
from skytrace.store import positions as pos
from tests.store import crash_writer as cw

CYCLES = 4


def _run_and_kill(
    data_dir: Path, cycle: int, rng: random.Random, *, mode: str = "", wait_s: float = 1.2
) -> int:
    """Start the writer, kill -9 it a random time after its first flush (so a loaded machine
    does not kill it before it wrote anything); the last batch it reported flushed."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=f"{root / 'src'}{os.pathsep}{root}")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(cw.__file__)),
            str(data_dir),
            str(cycle),
            *([mode] if mode else []),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    first = proc.stdout.readline().strip()
    assert first.startswith("flushed"), first
    time.sleep(rng.uniform(0.0, wait_s))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    lines = [first, *out.splitlines()]
    if "closed" in lines:  # the compaction finished before the kill: still a valid run
        proc.wait()
    else:
        assert proc.returncode == -signal.SIGKILL
    flushed = [int(line.split()[1]) for line in lines if line.startswith("flushed")]
    return flushed[-1]


def _batches_present(reader, cycle: int) -> np.ndarray:
    start = cw.base_s(cycle)
    _, rows = reader.sql(
        "SELECT epoch_ms(timestamp) / 1000.0 AS t, count(*) AS n, count(DISTINCT icao24) AS a "
        f"FROM positions WHERE epoch_ms(timestamp) >= {start * 1000:.0f} "
        f"AND epoch_ms(timestamp) < {(start + 19_000) * 1000:.0f} GROUP BY t ORDER BY t"
    )
    for t, n, a in rows:
        assert n == a == cw.AIRCRAFT, f"batch at {t} has {n} rows for {a} aircraft"
    return np.round((np.array([r[0] for r in rows]) - start) / cw.STEP_S).astype(int)


def test_sigkill_at_random_points_loses_only_the_unflushed_tail(tmp_path: Path) -> None:
    rng = random.Random(20230912)
    kept: dict[int, int] = {}
    for cycle in range(CYCLES):
        flushed = _run_and_kill(tmp_path, cycle, rng)
        # Restart as the writer (recovery runs here), then read.
        Store.open(tmp_path).close()
        with open_reader(tmp_path) as reader:
            batches = _batches_present(reader, cycle)
            assert batches.tolist() == list(range(len(batches))), "a hole in the stored batches"
            assert len(batches) - 1 >= flushed
            kept[cycle] = len(batches)
            for earlier in range(cycle):  # earlier cycles untouched by later crashes
                assert len(_batches_present(reader, earlier)) == kept[earlier]
            ids = [f.flight_id for f in reader.flights(FlightQuery(icao24=cw.FIRST_ICAO))]
            assert ids == [f"{cw.FIRST_ICAO:06x}-c{c}" for c in range(cycle + 1)]
            last = reader.flight(f"{cw.FIRST_ICAO:06x}-c{cycle}").last_seen_s
            # The flight row written with (or before) the last flushed batch is there.
            assert last >= cw.base_s(cycle) + (flushed - flushed % 3) * cw.STEP_S
    files = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".tmp")]
    assert sum(kept.values()) > CYCLES  # the writer got somewhere each time
    print("batches kept per cycle:", kept)


def test_sigkill_during_compaction_loses_nothing_flushed(tmp_path: Path) -> None:
    rng = random.Random(18)
    for cycle in range(3):
        flushed = _run_and_kill(tmp_path, cycle, rng, mode="compact", wait_s=0.8)
        assert flushed == cw.COMPACT_BATCHES - 1
        Store.open(tmp_path).close()
        with open_reader(tmp_path) as reader:
            for c in range(cycle + 1):  # every batch of every run, each exactly once
                assert _batches_present(reader, c).tolist() == list(range(cw.COMPACT_BATCHES))
    files = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".tmp")]
    assert not (tmp_path / "store" / "quarantine").exists()


def test_damaged_store_files_are_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    rng = random.Random(1812)
    _run_and_kill(tmp_path, 0, rng, mode="compact", wait_s=0.0)
    Store.open(tmp_path).close()
    positions = tmp_path / "store" / "positions"
    hours = sorted(positions.glob("*/*"))
    victims = rng.sample(hours, 2)
    kept_batches = set(range(cw.COMPACT_BATCHES))
    for hour in victims:
        (sorted_file,) = hour.glob("sorted-*.parquet")
        rows = pos.read_file(sorted_file)
        kept_batches -= set(
            np.round((rows["time_s"] - cw.base_s(0)) / cw.STEP_S).astype(int).tolist()
        )
        data = bytearray(sorted_file.read_bytes())
        at = rng.randrange(len(data) // 4, len(data) // 2)
        data[at : at + 200] = bytes(200)
        sorted_file.write_bytes(bytes(data))
    flights_snapshot = next((tmp_path / "store" / "snapshot" / "flights").rglob("*.parquet"))
    flights_snapshot.write_bytes(b"junk")
    with open_reader(tmp_path) as reader:  # a reader skips and reports, it does not break
        assert sorted(reader.damaged) == sorted(
            [next(h.glob("sorted-*.parquet")) for h in victims] + [flights_snapshot]
        )
        assert _batches_present(reader, 0).tolist() == sorted(kept_batches)
    with Store.open(tmp_path) as store:  # the writer quarantines, republishes the snapshot
        assert len(store.status().quarantined) == 2
    with open_reader(tmp_path) as reader:
        assert reader.damaged == {}
        assert _batches_present(reader, 0).tolist() == sorted(kept_batches)
        assert [f.flight_id for f in reader.flights(FlightQuery(icao24=cw.FIRST_ICAO))] == [
            f"{cw.FIRST_ICAO:06x}-c0"
        ]
    quarantined = list((tmp_path / "store" / "quarantine").iterdir())
    assert len(quarantined) == 2
