"""Benchmark the input parsers from memory: Beast (escaped), AVR text, ts,hex CSV.

    python bench/bench_sources.py [--repeat 5] [--copies 6] [--chunk 1048576]

The Beast stream is long_flight.csv's 172,432 real frames, escaped as a live stream and
repeated ``--copies`` times, fed in ``--chunk``-byte pieces to one BeastParser on one core.
AVR is the same frames as ``*HEX;`` lines; CSV is FileReader on long_flight.csv itself (reading
the file, parsing lines, building batches). Prints the median of ``--repeat`` runs, as wall-clock
frames/s and as frames per CPU-second of this process (the fair "one core" figure on a shared,
loaded machine, where wall time includes waiting for a core).
Target (issue 3): Beast >= 5,000,000 frames/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from skytrace.outputs.encode import encode_avr  # noqa: E402
from skytrace.sources.avr import AvrParser  # noqa: E402
from skytrace.sources.beast import BeastParser  # noqa: E402
from skytrace.sources.files import FileReader  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "modes" / "long_flight.csv"


def escaped_stream() -> tuple[bytes, int]:
    frames = [bytes.fromhex(line.split(",")[1]) for line in DATA.read_text().split()]
    data = b"".join(f[:2] + f[2:].replace(b"\x1a", b"\x1a\x1a") for f in frames)
    return data, len(frames)


def timed(fn) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """(wall seconds, CPU seconds of this process, result) of one call."""
    t, c = time.perf_counter(), time.process_time()
    n = fn()
    return time.perf_counter() - t, time.process_time() - c, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--copies", type=int, default=6)
    ap.add_argument("--chunk", type=int, default=1 << 20)
    args = ap.parse_args()

    one, n_one = escaped_stream()
    stream = one * args.copies
    n_frames = n_one * args.copies

    def beast(chunk: int) -> int:
        p = BeastParser()
        n = 0
        for i in range(0, len(stream), chunk):
            n += len(p.feed(stream[i : i + chunk], 0.0))
        assert n == n_frames, (n, n_frames)
        return n

    print(f"Beast: {n_frames:,} frames, {len(stream) / 1e6:.1f} MB escaped stream")
    for chunk in (args.chunk, 65536, 4096):
        rates, cpu_rates = [], []
        for _ in range(args.repeat):
            dt, cpu, n = timed(lambda c=chunk: beast(c))
            rates.append(n / dt)
            cpu_rates.append(n / cpu)
        wall, per_cpu = statistics.median(rates), statistics.median(cpu_rates)
        print(
            f"  beast parse, {chunk:>9,}-byte chunks: median {wall:>11,.0f} frames/s wall, "
            f"{per_cpu:>11,.0f} frames per CPU-second "
            f"({len(stream) / n_frames * wall / 1e6:.0f} MB/s)"
        )

    batch = next(iter(FileReader(DATA, batch_frames=n_one)))
    avr_text = encode_avr(batch)
    runs = [timed(lambda: len(AvrParser().feed(avr_text, 0.0))) for _ in range(args.repeat)]
    print(f"AVR: {len(batch):,} '*HEX;' lines: {_medians(runs)}")
    runs = [
        timed(lambda: sum(len(b) for b in FileReader(DATA, batch_frames=65536)))
        for _ in range(args.repeat)
    ]
    print(f"CSV: FileReader(long_flight.csv): {_medians(runs)}")


def _medians(runs: list[tuple[float, float, int]]) -> str:
    wall = statistics.median(n / dt for dt, _, n in runs)
    cpu = statistics.median(n / c for _, c, n in runs)
    return f"median {wall:,.0f} frames/s wall, {cpu:,.0f} frames per CPU-second"


if __name__ == "__main__":
    main()
