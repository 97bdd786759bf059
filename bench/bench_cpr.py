"""Benchmark CPR decoding: global airborne pairs, local airborne, surface global, per second.

Run: python bench/bench_cpr.py [N]   (default N = 1,000,000 pairs; random positions world-wide,
encoded with the published CPR formulas, so the decode does real work including rejections
near NL edges). Prints decodes per second (wall and CPU) for the best of 5 runs.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from skytrace.decode import cpr

SCALE = 1 << 17


def encode(lat: np.ndarray, lon: np.ndarray, odd: int, span: float) -> tuple[np.ndarray, ...]:
    dlat = span / (60 - odd)
    yz = np.floor(SCALE * np.mod(lat, dlat) / dlat + 0.5)
    rlat = dlat * (yz / SCALE + np.floor(lat / dlat))
    dlon = span / np.maximum(cpr.nl(rlat) - odd, 1)
    xz = np.floor(SCALE * np.mod(lon, dlon) / dlon + 0.5)
    return (yz.astype(np.int64) % SCALE, xz.astype(np.int64) % SCALE)


def best_of(fn: object, runs: int = 5) -> tuple[float, float]:
    """Best wall time and best CPU time of ``runs`` calls (the machine is shared: CPU time
    is the steadier figure)."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(1)
    lat = rng.uniform(-85, 85, n)
    lon = rng.uniform(-180, 180, n)
    odd_latest = rng.random(n) < 0.5
    ye, xe = encode(lat, lon, 0, 360.0)
    yo, xo = encode(lat, lon, 1, 360.0)
    sye, sxe = encode(lat, lon, 0, 90.0)
    syo, sxo = encode(lat, lon, 1, 90.0)
    ref_lat = lat + rng.uniform(-1, 1, n)
    ref_lon = lon + rng.uniform(-1, 1, n)
    s_ref_lat = lat + rng.uniform(-0.2, 0.2, n)
    s_ref_lon = lon + rng.uniform(-0.2, 0.2, n)

    ok = cpr.airborne_global(ye, xe, yo, xo, odd_latest)[2]
    print(f"pairs: {n:,}  global airborne ok: {ok.mean():.4%}")
    cases = {
        "airborne_global": lambda: cpr.airborne_global(ye, xe, yo, xo, odd_latest),
        "airborne_local": lambda: cpr.airborne_local(ye, xe, False, ref_lat, ref_lon),
        "surface_global": lambda: cpr.surface_global(
            sye, sxe, syo, sxo, odd_latest, s_ref_lat, s_ref_lon
        ),
        "surface_local": lambda: cpr.surface_local(sye, sxe, False, s_ref_lat, s_ref_lon),
        "nl": lambda: cpr.nl(lat),
    }
    for name, fn in cases.items():
        wall, cpu = best_of(fn)
        print(f"{name:16s} {wall * 1e3:8.1f} ms  {n / wall:14,.0f} /s   "
              f"{n / max(cpu, 1e-9):14,.0f} /CPU-s")  # fmt: skip


if __name__ == "__main__":
    main()
