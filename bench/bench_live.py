"""Benchmark the live runtime: ingest rate with and without concurrent snapshot readers.

    python bench/bench_live.py [--aircraft 2000] [--seconds 60] [--readers 8]
                               [--reader-rate 50] [--repeat 1]

Frames come from the project's encoder: ``--aircraft`` aircraft cruising, each sending an
identification and one airborne position every 0.5 s of data time, for ``--seconds`` of data
time, in micro-batches of 0.5 s (one batch per ingest tick, as the server makes them). They
are handed to skytrace.live.LiveRuntime (no store; flight detection on unless ``--no-flights``)
as fast as its bounded queue takes them (``ready()``: the back-pressure the ingest server
obeys). Two runs in one process, so the ratio is comparable on a noisy machine:

- alone: nothing reads the live state;
- with readers: ``--readers`` threads each call ``snapshot()`` and ``aircraft(hex)`` of a
  random tracked aircraft ``--reader-rate`` times a second (0: in a tight loop), as the HTTP
  API's request threads do.

Printed per run: frames/s (frames / wall time from the first submit to the last frame
processed), snapshots published, the publish cost (ms, median and max: copying the state and
building the compact rows in the pipeline thread; aircraft.json is built by its first reader)
and, with readers, the latency of ``snapshot()``
and ``aircraft()`` calls (p50/p99, ms) and the age of the snapshot readers saw (p50/p99, s).
In process, no sockets; bounded by ``--aircraft`` x ``--seconds``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from skytrace import encode  # noqa: E402
from skytrace.app import RuntimeOptions, open_runtime  # noqa: E402
from skytrace.live.runtime import LiveClock, LiveOptions, LiveRuntime  # noqa: E402
from skytrace.model import FrameBatch  # noqa: E402

T0 = 1_694_485_000.0
STEP_S = 0.5


def make_batches(n_aircraft: int, seconds: float) -> list[FrameBatch]:
    """One batch per 0.5 s of data time: a position of every aircraft (+ identifications)."""
    rng = np.random.default_rng(1)
    icao = (0x100000 + rng.choice(0xEFFFFF, n_aircraft, replace=False)).astype(np.uint64)
    lat0 = rng.uniform(35, 60, n_aircraft)
    lon0 = rng.uniform(-10, 30, n_aircraft)
    heading = rng.uniform(0, 2 * np.pi, n_aircraft)
    alt = rng.integers(100, 400, n_aircraft) * 100
    ident = encode.identification(icao, [f"T{int(a) % 100000:05d}" for a in icao], category=3)
    ident_msgs = [bytes(p[:14]) for p in ident.payload]
    batches = []
    for k in range(int(seconds / STEP_S)):
        t = T0 + k * STEP_S
        d = 0.002 * k  # ~450 kt
        pos = encode.airborne_position(
            icao, lat0 + d * np.cos(heading), lon0 + d * np.sin(heading), alt,
            np.full(n_aircraft, k % 2 == 1),
        )  # fmt: skip
        msgs = [bytes(p[:14]) for p in pos.payload]
        times = np.full(len(msgs), t) + np.linspace(0, STEP_S * 0.9, len(msgs))
        if k % 10 == 0:
            msgs += ident_msgs
            times = np.append(times, np.full(len(ident_msgs), t))
        batches.append(FrameBatch.from_messages(msgs, time_s=times, receiver=1))
    return batches


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run(
    batches: list[FrameBatch], n_readers: int, reader_rate: float, flights: bool
) -> dict[str, float]:
    total = sum(len(b) for b in batches)
    opts = LiveOptions(queue_batches=8, clock=LiveClock.DATA)
    publish_ms: list[float] = []
    with open_runtime(None, RuntimeOptions(data_dir=None, flights=flights)) as rt:
        live = LiveRuntime(rt, opts)
        inner = live._publish  # time each publish (pipeline thread)

        def timed_publish() -> None:
            start = time.perf_counter()
            inner()
            publish_ms.append(1e3 * (time.perf_counter() - start))

        live._publish = timed_publish  # type: ignore[method-assign]
        stop = threading.Event()
        snap_ms: list[float] = []
        detail_ms: list[float] = []
        ages: list[float] = []

        def reader(seed: int) -> None:
            rng = np.random.default_rng(seed)
            while not stop.is_set():
                t = time.perf_counter()
                snap = live.snapshot()
                snap_ms.append(1e3 * (time.perf_counter() - t))
                ages.append(time.time() - snap.wall_s)
                if len(snap.aircraft):
                    hexes = snap.aircraft["icao24"]
                    t = time.perf_counter()
                    live.aircraft(int(hexes[rng.integers(len(hexes))]))
                    detail_ms.append(1e3 * (time.perf_counter() - t))
                time.sleep(pause_s)

        pause_s = 1.0 / reader_rate if reader_rate > 0 else 0.0
        threads = [threading.Thread(target=reader, args=(i,)) for i in range(n_readers)]
        live.start()
        for th in threads:
            th.start()
        start = time.perf_counter()
        for b in batches:
            while not live.ready():
                time.sleep(0.001)
            live.submit(b)
        while live.stats()["frames"] < total:
            time.sleep(0.005)
        wall = time.perf_counter() - start
        stop.set()
        for th in threads:
            th.join()
        stats = live.stats()
        live.stop()
        aircraft = len(live.snapshot().aircraft)
    return {
        "frames/s": total / wall,
        "frames": total,
        "aircraft": aircraft,
        "snapshots": stats["snapshot_version"],
        "queue full": stats["queue_full"],
        "publish ms p50": pct(publish_ms, 50),
        "publish ms max": max(publish_ms) if publish_ms else float("nan"),
        "snapshot() ms p50": pct(snap_ms, 50),
        "snapshot() ms p99": pct(snap_ms, 99),
        "aircraft() ms p50": pct(detail_ms, 50),
        "aircraft() ms p99": pct(detail_ms, 99),
        "snapshot age s p50": pct(ages, 50),
        "snapshot age s p99": pct(ages, 99),
        "reader calls": len(snap_ms) + len(detail_ms),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aircraft", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument(
        "--reader-rate",
        type=float,
        default=50.0,
        help="calls per second per reader thread (0: as fast as possible)",
    )
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-flights", action="store_true", help="no flight detection")
    args = ap.parse_args()
    t = time.perf_counter()
    batches = make_batches(args.aircraft, args.seconds)
    n = sum(len(b) for b in batches)
    print(f"{n:,} frames of {args.aircraft:,} aircraft over {args.seconds:g} s of data time "
          f"in {len(batches)} batches (built in {time.perf_counter() - t:.1f} s)")  # fmt: skip
    results: dict[str, list[dict[str, float]]] = {"alone": [], "with readers": []}
    for _ in range(args.repeat):
        flights = not args.no_flights
        results["alone"].append(run(batches, 0, args.reader_rate, flights))
        results["with readers"].append(run(batches, args.readers, args.reader_rate, flights))
    for name, runs in results.items():
        print(f"\n{name} ({args.readers if name != 'alone' else 0} reader threads):")
        for key in runs[0]:
            values = [r[key] for r in runs]
            print(f"  {key:20s} {statistics.median(values):12,.3f}")
    ratio = statistics.median(r["frames/s"] for r in results["with readers"]) / statistics.median(
        r["frames/s"] for r in results["alone"]
    )
    print(f"\ningest with readers / alone: {ratio:.2f}")


if __name__ == "__main__":
    main()
