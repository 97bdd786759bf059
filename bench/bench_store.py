"""Benchmark the history store on a generated world-scale day.

    python bench/bench_store.py                      # 25,000 aircraft, >= 100 M positions
    python bench/bench_store.py --positions 5000000  # a quick run (aircraft scale with it)

Prints: ingest rate (positions/s from the first write to the end of close, i.e. with every
flush and hour compaction; CPU seconds too, as the machine may be shared), one flight's track
(ms), a route query over the day (ms), an area/time query (ms), a bbox count over all
positions (ms) and disk bytes per position. The day is generated first, hour by hour
(bench/worldgen.py), into temporary .npy files beside the store (~6.6 GB for 100 M
positions), so memory stays around a few hundred MB and generation is not timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skytrace.store import FlightQuery, Store, open_reader
from worldgen import DAY_START_S, make_world, positions_between


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--positions", type=int, default=100_000_000)
    ap.add_argument("--aircraft", type=int, default=None, help="default: 25,000 per 100 M")
    ap.add_argument("--data-dir", type=Path, default=None, help="default: a temporary folder")
    ap.add_argument("--keep", action="store_true", help="keep the generated store")
    ap.add_argument(
        "--queries-only",
        action="store_true",
        help="skip ingest: query a store this script filled before in --data-dir",
    )
    args = ap.parse_args()
    n_aircraft = args.aircraft or max(200, int(25_000 * args.positions / 100_000_000))
    tmp = Path(tempfile.mkdtemp(prefix="skytrace-bench-")) if args.data_dir is None else None
    data_dir = args.data_dir or tmp
    assert data_dir is not None

    t = time.perf_counter()
    world = make_world(n_aircraft, args.positions)
    flights = list(world.flights())
    print(
        f"world: {n_aircraft:,} aircraft, {world.n_flights:,} flights, "
        f"{world.expected_positions():,} positions expected "
        f"(generated schedule in {time.perf_counter() - t:.1f} s)"
    )
    by_hour: dict[int, list] = {}
    for f in flights:
        by_hour.setdefault(int((f.first_seen_s - DAY_START_S) // 3600), []).append(f)

    if args.queries_only:
        if args.data_dir is None:
            ap.error("--queries-only needs --data-dir")
        Store.open(data_dir).close()  # republish snapshots in this version's layout
        _queries(data_dir, world, flights)
        return 0

    # Generate the whole day first, hour by hour, into .npy files beside the store, so that
    # the timed ingest below overlaps with nothing (the compaction thread would otherwise
    # work while the next hour is generated, and the figure would flatter the store).
    rng = np.random.default_rng(11)
    gen_dir = Path(tempfile.mkdtemp(prefix="skytrace-bench-gen-", dir=data_dir.parent))
    t = time.perf_counter()
    for hour in range(25):
        t0 = DAY_START_S + hour * 3600
        rows = np.concatenate(
            [positions_between(world, t0 + k * 300, t0 + (k + 1) * 300, rng) for k in range(12)]
        )
        np.save(gen_dir / f"{hour:02d}.npy", rows)
    print(f"generated the day's positions in {time.perf_counter() - t:.0f} s (not timed below)")

    total = 0
    cpu0 = time.process_time()
    start = time.perf_counter()
    try:
        with Store.open(data_dir) as store:
            for hour in range(25):
                rows = np.load(gen_dir / f"{hour:02d}.npy")  # timed: reading is part of it
                store.write(rows[:0], by_hour.get(hour, []), [])
                for i in range(0, len(rows), 200_000):  # pipeline-sized batches
                    store.write(rows[i : i + 200_000])
                total += len(rows)
                elapsed = time.perf_counter() - start
                print(
                    f"  hour {hour:02d}: {total:,} positions, {total / elapsed:,.0f}/s", flush=True
                )
        # Leaving the block closed the store: flushed, every hour compacted, snapshots out.
    finally:
        shutil.rmtree(gen_dir)
    ingest_s = time.perf_counter() - start
    ingest_cpu_s = time.process_time() - cpu0
    print(
        f"ingest: {total:,} positions in {ingest_s:.1f} s = {total / ingest_s:,.0f} positions/s "
        "(write calls to close, compaction included)"
    )
    print(
        f"ingest CPU: {ingest_cpu_s:.1f} CPU-s = {total / ingest_cpu_s:,.0f} positions per CPU-s "
        f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )

    _queries(data_dir, world, flights)
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp)
    elif tmp is not None:
        print(f"store kept in {tmp}")
    return 0


def _queries(data_dir: Path, world, flights: list) -> None:
    files = list((data_dir / "store" / "positions").rglob("*.parquet"))
    _, [(total,)] = open_reader(data_dir).sql("SELECT count(*) FROM positions")
    pos_bytes = sum(p.stat().st_size for p in files)
    all_bytes = sum(p.stat().st_size for p in (data_dir / "store").rglob("*") if p.is_file())
    print(
        f"disk: positions {pos_bytes / total:.2f} bytes/position ({pos_bytes / 1e6:,.0f} MB, "
        f"{len(files)} files); whole store {all_bytes / 1e6:,.0f} MB"
    )

    with open_reader(data_dir) as reader:
        pick = np.random.default_rng(3).choice(len(flights), 30, replace=False)
        times, sizes = [], []
        for i in pick.tolist():
            t = time.perf_counter()
            rows = reader.flight_positions(flights[i].flight_id)
            times.append(time.perf_counter() - t)
            sizes.append(len(rows))
        print(
            f"track of one flight: median {_ms(statistics.median(times))}, "
            f"max {_ms(max(times))} ({int(statistics.median(sizes))} positions median)"
        )

        routes = Counter(zip(world.origin.tolist(), world.dest.tolist(), strict=True))
        (o, d), n = routes.most_common(1)[0]
        q = FlightQuery(
            origin=world.ap_icao[o],
            destination=world.ap_icao[d],
            start_s=DAY_START_S,
            end_s=DAY_START_S + 86_400,
        )
        reader.flights(q)  # warm the view
        times = []
        for _ in range(10):
            t = time.perf_counter()
            got = reader.flights(q)
            times.append(time.perf_counter() - t)
        assert len(got) == n, (len(got), n)
        print(
            f"route query {world.ap_icao[o]}->{world.ap_icao[d]} over the day: "
            f"median {_ms(statistics.median(times))} ({len(got)} flights)"
        )

        bbox = (45.0, 0.0, 55.0, 15.0)  # western/central Europe
        start, end = DAY_START_S + 10 * 3600, DAY_START_S + 11 * 3600
        times = []
        for _ in range(3):
            t = time.perf_counter()
            aircraft, area_flights = reader.area(bbox, start, end)
            times.append(time.perf_counter() - t)
        print(
            f"area/time query (bbox {bbox}, 1 h): median {_ms(statistics.median(times))} "
            f"({len(aircraft)} aircraft, {len(area_flights)} flights)"
        )

        t = time.perf_counter()
        _, [(count,)] = reader.sql(
            "SELECT count(*) FROM positions WHERE latitude BETWEEN 45 AND 55 "
            "AND longitude BETWEEN 0 AND 15"
        )
        print(f"bbox count over all positions: {_ms(time.perf_counter() - t)} ({count:,})")
    print(f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    raise SystemExit(main())
