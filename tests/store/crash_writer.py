"""Child process of the crash test: writes positions and flights in a loop until killed.

    python crash_writer.py DATA_DIR CYCLE [compact]

Batch ``i`` of cycle ``c`` holds one position for each of ``AIRCRAFT`` aircraft at time
``base(c) + i * STEP_S``. After every ``FLUSH_EVERY`` batches it calls ``flush()`` and prints
``flushed <i>``: everything up to batch ``i`` must survive a kill from then on.

With ``compact`` it writes ``COMPACT_BATCHES`` batches (several hours, never compacted because
the hours are written as one flush each), flushes, prints ``flushed <i>`` and then closes, so
that the kill lands in the compaction of every hour.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from skytrace.model import Flight, empty_positions
from skytrace.store import Store

AIRCRAFT = 40
STEP_S = 10.0  # data time per batch: an hour closes (and is compacted) every ~370 batches
FLUSH_EVERY = 7
FIRST_ICAO = 0x400000
COMPACT_BATCHES = 1800  # 5 hours of data time


def base_s(cycle: int) -> float:
    return 1_694_476_800.0 + 3550.0 + cycle * 20_000.0  # starts just before an hour ends


def batch(cycle: int, i: int) -> np.ndarray:
    rows = empty_positions(AIRCRAFT)
    rows["icao24"] = FIRST_ICAO + np.arange(AIRCRAFT)
    rows["time_s"] = base_s(cycle) + i * STEP_S
    rows["lat"] = 40.0 + i * 1e-3
    rows["lon"] = np.arange(AIRCRAFT) * 0.5
    rows["altitude_ft"] = 10_000.0
    rows["callsign"] = b"CRASH"
    return rows


def flight(cycle: int, k: int, i: int) -> Flight:
    t0 = base_s(cycle)
    return Flight(f"{FIRST_ICAO + k:06x}-c{cycle}", FIRST_ICAO + k, "open", t0, t0 + i * STEP_S)


def compact_then_close(data_dir: Path, cycle: int) -> None:
    store = Store.open(data_dir, flush_interval_s=3600.0, max_buffer_rows=10_000_000)
    print("ready", flush=True)
    rows = np.concatenate([batch(cycle, i) for i in range(COMPACT_BATCHES)])
    store.write(rows, [flight(cycle, 0, COMPACT_BATCHES - 1)], [])
    store.flush()
    print(f"flushed {COMPACT_BATCHES - 1}", flush=True)
    store.close()
    print("closed", flush=True)


def main() -> None:
    data_dir, cycle = Path(sys.argv[1]), int(sys.argv[2])
    if sys.argv[3:] == ["compact"]:
        compact_then_close(data_dir, cycle)
        return
    store = Store.open(data_dir, flush_interval_s=0.25, max_buffer_rows=2_000)
    print("ready", flush=True)
    i = 0
    while True:
        flights = [flight(cycle, k, i) for k in range(0, AIRCRAFT, 8)] if i % 3 == 0 else []
        store.write(batch(cycle, i), flights, [])
        if i % FLUSH_EVERY == 0:
            store.flush()
            print(f"flushed {i}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
