"""Benchmark reference data: import, memory, address look-ups, point-in-country.

    python bench/bench_refdata.py [--shared ../shared/data]

Prints: import time of the 619,472-aircraft tar1090-db file; resident memory of the loaded
aircraft table (RSS after loading and first look-ups minus RSS before, in a fresh
process); 1,000,000 address look-ups (registration/type/country columns via
``identify_many``); 1,000,000
point-in-country tests (uniform over the globe, and uniform over a box around the Sea of
Japan, which is mostly coast and border cells); 1,000,000 point-in-FIR tests. Each timed
figure is the best of 3 runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from skytrace.refdata import import_refdata, load_refdata  # noqa: E402

N = 1_000_000
_MEMORY_PROBE = """
import gc, os, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np, psutil
from skytrace.refdata import load_refdata
rd = load_refdata(sys.argv[2])
proc = psutil.Process(os.getpid())
gc.collect(); before = proc.memory_info().rss
t0 = time.perf_counter(); table = rd.aircraft; load_s = time.perf_counter() - t0
rd.identify_many(np.arange(1000)); rd.identify(0x7277CF)  # rank index and first use
gc.collect(); after = proc.memory_info().rss
print(f"load aircraft table: {load_s * 1000:.0f} ms, resident +{(after - before) / 1e6:.0f} MB "
      f"(fresh process, after first look-ups)")
"""


def best_of(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    src = args.shared / "refdata"
    rng = np.random.default_rng(42)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        report = import_refdata(src / "aircraft.csv.gz", "aircraft", data_dir)
        import_s = time.perf_counter() - t0
        print(f"import aircraft.csv.gz: {report.rows:,} rows in {import_s:.2f} s")
        import_refdata(src / "fir_boundaries.geojson", "firs", data_dir)

        # Memory in a fresh process: this one has the import's freed pages to reuse.
        child = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, str(REPO / "src"), str(data_dir)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(child.stdout.strip())
        rd = load_refdata(data_dir)
        table = rd.aircraft
        assert table is not None

        known = table.icao24[rng.integers(0, len(table), N // 2)]
        addresses = np.concatenate([known, rng.integers(0, 1 << 24, N - len(known))])
        rng.shuffle(addresses)
        rd.identify_many(addresses[:1000])
        t = best_of(lambda: rd.identify_many(addresses))
        print(f"1,000,000 address look-ups (identify_many): {t * 1000:.0f} ms "
              f"({N / t / 1e6:.1f} M/s)")  # fmt: skip
        t = best_of(lambda: table.rows_many(addresses))
        print(f"1,000,000 address -> row (rank look-up only): {t * 1000:.0f} ms")
        t = best_of(lambda: [rd.identify(int(a), "KOR151") for a in addresses[:10_000]], 1)
        print(f"10,000 single identify() calls: {t * 1000:.0f} ms")

        areas = rd.areas
        areas.countries_at([0.0], [0.0])
        lats = np.degrees(np.arcsin(rng.uniform(-1, 1, N)))  # uniform over the sphere
        lons = rng.uniform(-180, 180, N)
        t = best_of(lambda: areas.countries_at(lats, lons))
        print(f"1,000,000 point-in-country, whole globe: {t * 1000:.0f} ms")
        lats_j = rng.uniform(33, 46, N)
        lons_j = rng.uniform(124, 142, N)
        t = best_of(lambda: areas.countries_at(lats_j, lons_j))
        print(f"1,000,000 point-in-country, Sea of Japan box (coasts): {t * 1000:.0f} ms")
        areas.firs_at([0.0], [0.0])
        t = best_of(lambda: areas.firs_at(lats, lons))
        print(f"1,000,000 point-in-FIR, whole globe: {t * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
