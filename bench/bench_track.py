"""Benchmark of decode + track on the frames of ../shared/data/modes/long_flight.csv.

Run: ``.venv/bin/python bench/bench_track.py [--runs 7] [--batch 20000] [--airports] [--profile]``

Prints, as separate lines (median of ``--runs`` runs, one core, frames already in memory as a
FrameBatch):
  decode            skytrace.decode.decode_batch alone, frames/s
  track             Tracker.ingest (+ expire) alone on the decoded batches, frames/s
  decode+track      both, frames/s (the figure the issue asks for: >= 1,000,000)
  decode(commb=False)[+track]  the same without Comm-B register inference, which the
                    tracker does not use
  memory            state bytes per tracked aircraft with 25,000 synthetic aircraft, from
                    tracemalloc (all Python/numpy allocations the tracker keeps, trail and
                    output excluded) and from the column arrays alone; trail bytes apart
``--live`` also times live-sized batches (the simulator's Air Koryo scenario in 2 s ticks).
``--airports`` gives the tracker the refdata Airports (surface positions of aircraft first
seen on the ground need it); ``--profile`` prints the top functions of one decode+track run.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.track import Tracker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.track.helpers import long_flight, synthetic_fleet  # noqa: E402


def _shared() -> Path:
    env = os.environ.get("SKYTRACE_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _batches(frames: FrameBatch, size: int) -> list[FrameBatch]:
    return [frames[i : i + size] for i in range(0, len(frames), size)]


def run_once(
    batches: list[FrameBatch], airports: object | None, commb: bool = True
) -> tuple[float, float, int]:
    """(decode CPU s, track CPU s, positions) of one replay through a fresh tracker."""
    tracker = Tracker(airports=airports)  # type: ignore[arg-type]
    t_decode = t_track = 0.0
    n_pos = 0
    for b in batches:
        t0 = time.process_time()
        decoded = decode_batch(b, commb=commb)
        t1 = time.process_time()
        now = float(b.time_s[-1])
        out = tracker.ingest(b, decoded, now)
        tracker.expire(now)
        t2 = time.process_time()
        t_decode += t1 - t0
        t_track += t2 - t1
        n_pos += out.positions.size
    return t_decode, t_track, n_pos


def memory(n: int = 25_000) -> tuple[float, float, float]:
    """(tracemalloc bytes/aircraft, column bytes/aircraft, trail bytes/aircraft)."""
    frames = synthetic_fleet(n)
    decoded = decode_batch(frames)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracker = Tracker()
    out = tracker.ingest(frames, decoded, float(frames.time_s.max()))
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    state, trail = tracker.memory_bytes()
    assert len(tracker) == n
    return (held - trail - out.positions.nbytes) / n, state / n, trail / n


def live_batches(n_batches: int = 600) -> tuple[float, int, int]:
    """(track CPU s, frames, batches) over live-sized batches: the simulator's Air Koryo
    scenario in 2 s ticks (~400 frames each, heard by up to 7 receivers), decoded beforehand."""
    from skytrace.simulate.build import Simulation
    from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

    sim = Simulation.from_scenario(load_scenario(builtin_scenario_path()), tick_s=2.0)
    batches = []
    for k, frames in enumerate(sim.batches()):
        if k >= n_batches:
            break
        if len(frames):
            batches.append((frames, decode_batch(frames)))
    tracker = Tracker()
    t0 = time.process_time()
    for frames, decoded in batches:
        now = float(frames.time_s[-1])
        tracker.ingest(frames, decoded, now)
        tracker.expire(now)
    return time.process_time() - t0, sum(len(f) for f, _ in batches), len(batches)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--batch", type=int, default=20_000, help="frames per ingest call (replay default)"
    )
    ap.add_argument("--airports", action="store_true", help="use refdata Airports")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--live", action="store_true", help="also time live-sized batches")
    args = ap.parse_args()

    frames = long_flight(_shared() / "modes" / "long_flight.csv")
    n = len(frames)
    batches = _batches(frames, args.batch)
    airports = None
    if args.airports:
        from skytrace.refdata import load_refdata

        airports = load_refdata(None).airports
    run_once(batches, airports)  # warm-up (imports, lazily built tables)
    runs = [run_once(batches, airports) for _ in range(args.runs)]
    dec = statistics.median(r[0] for r in runs)
    trk = statistics.median(r[1] for r in runs)
    both = statistics.median(r[0] + r[1] for r in runs)
    print(f"frames          {n:,} in batches of {args.batch:,}; positions {runs[0][2]:,}")
    print(f"decode          {n / dec:>12,.0f} frames/s  ({dec * 1e3:.1f} ms)")
    print(f"track           {n / trk:>12,.0f} frames/s  ({trk * 1e3:.1f} ms)")
    print(f"decode+track    {n / both:>12,.0f} frames/s  ({both * 1e3:.1f} ms)")
    # the tracker does not need Comm-B register inference (DF20/21 MB fields)
    runs = [run_once(batches, airports, commb=False) for _ in range(args.runs)]
    dec = statistics.median(r[0] for r in runs)
    both = statistics.median(r[0] + r[1] for r in runs)
    print(f"decode(commb=False)        {n / dec:>12,.0f} frames/s  ({dec * 1e3:.1f} ms)")
    print(f"decode(commb=False)+track  {n / both:>12,.0f} frames/s  ({both * 1e3:.1f} ms)")
    per_ac, cols, trail = memory()
    print(f"memory          {per_ac:,.0f} B/aircraft (tracemalloc, 25,000 aircraft, excl. trail)")
    print(f"memory columns  {cols:,.0f} B/aircraft; trail {trail:,.0f} B/aircraft apart")
    if args.live:
        cpu, n_live, n_batches = live_batches()
        print(
            f"live batches    {n_live / cpu:>12,.0f} frames/s  ({cpu / n_batches * 1e3:.2f} ms per "
            f"batch of ~{n_live // n_batches} frames, {n_batches} batches, simulator)"
        )
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_once(batches, airports)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
