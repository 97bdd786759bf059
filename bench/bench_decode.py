"""Benchmark of skytrace.decode on all frames of ../shared/data/modes/long_flight.csv.

Run: ``.venv/bin/python bench/bench_decode.py [--runs 7] [--no-pymodes]``

Prints, as separate lines: reading the CSV text into frames (ms), full decode and
header-only decode (DF, ICAO, CRC, TC) from frames already in memory as an (N, 14) uint8
array + lengths (median of ``--runs`` runs, messages per CPU-second: the decoder is
single-threaded numpy, and CPU time stays fair on a machine shared with other jobs), the
``decode_batch`` call from a list of bytes, and pyModeS 3.6.1 on the same frames when it is
importable (dev extra only; GPL, never imported by the package).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from skytrace.decode import decode_batch
from skytrace.decode.decoder import decode_arrays

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    env = os.environ.get("SKYTRACE_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def read_frames(path: Path) -> list[bytes]:
    """Messages of the Beast dump: each line ``ts,hex``, message = bytes 9.. of the frame."""
    frames = []
    with path.open(encoding="ascii") as fh:
        for line in fh:
            _ts, _, hex_frame = line.rstrip("\n").partition(",")
            frames.append(bytes.fromhex(hex_frame)[9:])
    return frames


def to_arrays(frames: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    n = len(frames)
    payload = np.zeros((n, 14), np.uint8)
    length = np.zeros(n, np.uint8)
    for i, f in enumerate(frames):
        payload[i, : len(f)] = np.frombuffer(f, np.uint8)
        length[i] = len(f)
    return payload, length


def _median_rate(fn, n: int, runs: int) -> tuple[float, float]:
    """Messages per CPU-second (process time: fair on a shared machine), median of runs."""
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    med = statistics.median(times)
    return n / med, med * 1000


def _pymodes_rate(frames: list[bytes], limit: int) -> tuple[float, int] | None:
    try:
        import pyModeS  # optional, dev only (GPL)
    except ImportError:
        return None
    hexes = [f.hex() for f in (frames[:limit] if limit else frames)]
    decode = getattr(pyModeS, "decode", None)
    if decode is None:
        return None
    t0 = time.process_time()
    for h in hexes:
        # The reference may reject a frame; keep timing.
        with contextlib.suppress(Exception):
            decode(h)
    dt = time.process_time() - t0
    return len(hexes) / dt, len(hexes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-pymodes", action="store_true")
    parser.add_argument(
        "--pymodes-frames", type=int, default=0, help="frames given to pyModeS (0: all)"
    )
    args = parser.parse_args(argv)

    path = _shared() / "modes" / "long_flight.csv"
    t0 = time.perf_counter()
    frames = read_frames(path)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    payload, length = to_arrays(frames)
    t_pack = time.perf_counter() - t0
    n = len(frames)
    print(f"frames: {n} from {path.name}")
    print(
        f"read text -> bytes: {t_read * 1000:.0f} ms; bytes -> (N,14) array: {t_pack * 1000:.0f} ms"
    )

    decode_arrays(payload, length)  # warm-up (tables, allocator)
    rate, ms = _median_rate(lambda: decode_arrays(payload, length), n, args.runs)
    print(f"full decode:        {rate:>12,.0f} msgs/CPU-s  ({ms:.1f} ms median of {args.runs})")
    rate_nc, ms_nc = _median_rate(lambda: decode_arrays(payload, length, commb=False), n, args.runs)
    print(f"full decode without Comm-B registers: {rate_nc:>12,.0f} msgs/CPU-s  ({ms_nc:.1f} ms)")

    def decode_and_read_all() -> None:
        batch = decode_arrays(payload, length)
        for name in batch.filled_names:
            batch.mask(name)

    rate_m, ms_m = _median_rate(decode_and_read_all, n, args.runs)
    print(
        f"full decode + every filled column and mask materialized: {rate_m:>12,.0f} msgs/CPU-s"
        f"  ({ms_m:.1f} ms)"
    )
    rate_h, ms_h = _median_rate(
        lambda: decode_arrays(payload, length, header_only=True), n, args.runs
    )
    print(f"header-only decode: {rate_h:>12,.0f} msgs/CPU-s  ({ms_h:.1f} ms median of {args.runs})")
    rate_l, ms_l = _median_rate(lambda: decode_batch(frames), n, max(1, args.runs // 2))
    print(
        f"decode_batch(list of bytes), incl. packing: {rate_l:>12,.0f} msgs/CPU-s  ({ms_l:.1f} ms)"
    )
    batch = decode_arrays(payload, length)
    bad = int(np.count_nonzero(batch.error_code))
    print(f"rows labelled: {bad}; crc_ok (DF11/17/18): {int(batch['crc_ok'].sum())}")
    if not args.no_pymodes:
        res = _pymodes_rate(frames, args.pymodes_frames)
        if res is None:
            print("pyModeS: not importable")
        else:
            prate, pn = res
            which = "all" if pn == n else "first"
            print(f"pyModeS.decode:     {prate:>12,.0f} msgs/CPU-s  ({which} {pn} frames)")
            print(f"speed-up full decode vs pyModeS: {rate / prate:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
