"""Benchmark flight detection over stored positions (detect_flights, one core).

    python bench/bench_flights.py                        # 10,000,000 positions
    python bench/bench_flights.py --positions 1000000    # a quick run
    python bench/bench_flights.py --areas                # also country/FIR events

Positions come from bench/worldgen.py (aircraft flying legs between real airports all day,
time-ordered as the store returns them). Prints: positions, aircraft, flights found, the
time to sort by (icao24, time), to segment (vectorized) and to build the flight records
(per flight), total seconds and positions/s; and, with --live, the live detector's rate
over the first hour in 1-second micro-batches.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from skytrace.flights import FlightConfig, FlightDetector, detect_flights
from skytrace.flights.columns import Cols
from skytrace.flights.detector import _context, _order
from skytrace.flights.segment import segment
from skytrace.refdata import load_refdata
from worldgen import DAY_START_S, make_world, positions_between


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--areas", action="store_true", help="include country/FIR crossings")
    ap.add_argument("--live", action="store_true", help="also time the live detector")
    args = ap.parse_args()

    n_aircraft = max(50, args.positions // 4000)
    t = time.perf_counter()
    world = make_world(n_aircraft, args.positions)
    rng = np.random.default_rng(1)
    parts = [
        positions_between(world, DAY_START_S + h * 3600, DAY_START_S + (h + 1) * 3600, rng)
        for h in range(24)
    ]
    rows = np.concatenate(parts)
    del parts
    print(
        f"generated {len(rows):,} positions of {n_aircraft:,} aircraft "
        f"({world.n_flights:,} legs) in {time.perf_counter() - t:.1f} s"
    )

    rd = load_refdata(None)
    airports = rd.airports
    areas = rd.areas if args.areas else None
    config = FlightConfig()
    ctx = _context(airports, areas, rd, config)
    if areas is not None:  # load polygons before timing
        areas.countries_at(np.array([50.0]), np.array([5.0]))
        areas.firs_at(np.array([50.0]), np.array([5.0]))

    c0 = time.process_time()
    t0 = time.perf_counter()
    ordered = Cols.from_rows(rows, _order(rows))
    t1 = time.perf_counter()
    segs, _ = segment(ordered, config, ctx.fields)
    t2 = time.perf_counter()
    print(f"sort by (icao24, time): {t1 - t0:.2f} s")
    print(
        f"segment (vectorized):   {t2 - t1:.2f} s, {int(segs['qualified'].sum()):,} flights "
        f"(sort + segment CPU time {time.process_time() - c0:.2f} s)"
    )

    t3 = time.perf_counter()
    c3 = time.process_time()
    flights, events = detect_flights(
        rows, airports=airports, areas=areas, identities=rd, config=config
    )
    total = time.perf_counter() - t3
    cpu = time.process_time() - c3
    print(
        f"detect_flights total:   {total:.2f} s for {len(rows):,} positions "
        f"-> {len(flights):,} flights, {len(events):,} events "
        f"({len(rows) / total / 1e6:.2f} M positions/s, areas {'on' if areas else 'off'})"
        f"; CPU time {cpu:.2f} s (wall clock counts other load on this machine)"
    )
    known = sum(1 for f in flights if f.departure and f.departure.icao)
    print(f"  departures named: {known:,} of {len(flights):,}")

    presorted = rows[np.lexsort((rows["time_s"], rows["icao24"]))]
    t5 = time.perf_counter()
    c5 = time.process_time()
    flights2, _ = detect_flights(
        presorted, airports=airports, areas=areas, identities=rd, config=config
    )
    print(
        f"detect_flights on rows already ordered by (icao24, time) (as a per-aircraft store "
        f"scan returns them): {time.perf_counter() - t5:.2f} s wall, CPU time "
        f"{time.process_time() - c5:.2f} s, {len(flights2):,} flights"
    )
    del presorted

    if args.live:
        hour = rows[rows["time_s"] < DAY_START_S + 3600]
        det = FlightDetector(airports=airports, areas=areas, identities=rd, config=config)
        edges = np.searchsorted(hour["time_s"], np.arange(DAY_START_S, DAY_START_S + 3601, 1.0))
        t4 = time.perf_counter()
        for a, b in itertools.pairwise(edges):
            if b > a:
                det.update(hour[a:b], float(hour["time_s"][b - 1]))
        det.close_all(DAY_START_S + 3600)
        live = time.perf_counter() - t4
        print(
            f"live: {len(hour):,} positions in 3,600 one-second batches: {live:.2f} s "
            f"({len(hour) / live:,.0f} positions/s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
