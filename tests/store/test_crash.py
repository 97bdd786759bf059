"""Crash safety with real SIGKILLs: a writer process killed at random moments, reopened each
time; what was flushed survives, nothing is duplicated or torn, and only a tail is missing."""

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
from tests.store import crash_writer as cw

CYCLES = 4


def _run_and_kill(data_dir: Path, cycle: int, rng: random.Random) -> int:
    """Start the writer, kill -9 it after a random time; the last batch it reported flushed."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=f"{root / 'src'}{os.pathsep}{root}")
    proc = subprocess.Popen(
        [sys.executable, str(Path(cw.__file__)), str(data_dir), str(cycle)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.4, 1.6))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    flushed = [int(line.split()[1]) for line in out.splitlines() if line.startswith("flushed")]
    return flushed[-1] if flushed else -1


def _batches_present(reader, cycle: int) -> np.ndarray:
    start = cw.base_s(cycle)
    _, rows = reader.sql(
        "SELECT epoch_ms(timestamp) / 1000.0 AS t, count(*) AS n, count(DISTINCT icao24) AS a "
        f"FROM positions WHERE epoch_ms(timestamp) >= {start * 1000:.0f} "
        f"AND epoch_ms(timestamp) < {(start + 15_000) * 1000:.0f} GROUP BY t ORDER BY t"
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
