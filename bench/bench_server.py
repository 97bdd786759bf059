"""Benchmark the feeder server: many concurrent loopback feeders pushing Beast at full speed.

    python bench/bench_server.py [--feeders 100] [--frames-per-feeder 20000] [--repeat 3]
                                 [--chunk BYTES] [--runtime]

The server (skytrace.sources.server.IngestServer) runs in this process on an ephemeral
loopback port; the feeders run in a separate process (asyncio, one connection each) and
push escaped Beast streams built from long_flight.csv as fast as TCP takes them. The figure
is frames received by the server / wall time from the first connection to the last frame,
with the server process's CPU use over the same time. By default the batches go to a
counter (ingest only: sockets, parsing, micro-batching, clock fit); ``--runtime`` hands them
to the full runtime instead (decode, track, flights; no store).
Target (issue 3): >= 500,000 frames/s in total from 100 feeders.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from skytrace.model import FrameBatch  # noqa: E402
from skytrace.sources.server import IngestServer, ServerConfig, ServerLimits  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "modes" / "long_flight.csv"


def feeder_streams(n_feeders: int, per_feeder: int) -> list[bytes]:
    frames = [bytes.fromhex(line.split(",")[1]) for line in DATA.read_text().split()]
    esc = [f[:2] + f[2:].replace(b"\x1a", b"\x1a\x1a") for f in frames]
    out = []
    for k in range(n_feeders):
        start = (k * 7919) % len(esc)
        picked = (esc * 2)[start : start + per_feeder]
        while len(picked) < per_feeder:
            picked += esc[: per_feeder - len(picked)]
        out.append(b"".join(picked))
    return out


def run_feeders(port: int, n_feeders: int, per_feeder: int, chunk: int, ready: mp.Event) -> None:  # type: ignore[valid-type]
    streams = feeder_streams(n_feeders, per_feeder)
    ready.set()  # type: ignore[attr-defined]

    async def one(data: bytes) -> None:
        _, w = await asyncio.open_connection("127.0.0.1", port)
        for i in range(0, len(data), chunk):
            w.write(data[i : i + chunk])
            await w.drain()
        w.close()
        await w.wait_closed()

    async def main() -> None:
        await asyncio.gather(*(one(s) for s in streams))

    asyncio.run(main())


def one_run(
    n_feeders: int, per_feeder: int, chunk: int, use_runtime: bool
) -> tuple[float, float, int]:
    expected = n_feeders * per_feeder
    received = 0
    t_first = t_last = 0.0

    def count(batch: FrameBatch) -> None:
        nonlocal received, t_last
        received += len(batch)
        t_last = time.perf_counter()

    async def main(process) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        nonlocal t_first
        cfg = ServerConfig(
            beast_port=0, avr_port=None, batch_interval_s=0.1,
            limits=ServerLimits(max_buffer_bytes=8 << 20),
        )  # fmt: skip

        def process_and_count(batch: FrameBatch) -> None:
            process(batch)
            count(batch)

        server = IngestServer(cfg, process_and_count)
        port = (await server.start())["beast"]
        ready = mp.Event()
        proc = mp.Process(target=run_feeders, args=(port, n_feeders, per_feeder, chunk, ready))
        proc.start()
        while not ready.is_set():
            await asyncio.sleep(0.01)
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t_first = time.perf_counter()
        deadline = t_first + 300
        while received < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.02)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        server.stop()
        await server.run()
        proc.join(30)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        return cpu, server.counters.accepted

    if use_runtime:
        from skytrace.app import RuntimeOptions, open_runtime

        with open_runtime(None, RuntimeOptions(data_dir=None)) as rt:
            cpu, accepted = asyncio.run(main(rt.process))
    else:
        cpu, accepted = asyncio.run(main(lambda b: None))
    wall = t_last - t_first
    assert received == expected, f"received {received} of {expected} frames"
    assert accepted == n_feeders
    return received / wall, cpu / wall, received


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeders", type=int, default=100)
    ap.add_argument("--frames-per-feeder", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=1 << 18, help="bytes per feeder write")
    ap.add_argument("--runtime", action="store_true", help="process through the full runtime")
    args = ap.parse_args()
    rates, cpus = [], []
    for i in range(args.repeat):
        rate, cpu, n = one_run(args.feeders, args.frames_per_feeder, args.chunk, args.runtime)
        rates.append(rate)
        cpus.append(cpu)
        print(f"run {i + 1}: {n:,} frames from {args.feeders} feeders: {rate:,.0f} frames/s, "
              f"server CPU {cpu * 100:.0f}% of one core")  # fmt: skip
    mode = "full runtime" if args.runtime else "ingest only"
    print(
        f"median ({mode}): {statistics.median(rates):,.0f} frames/s, "
        f"server CPU {statistics.median(cpus) * 100:.0f}% of one core"
    )


if __name__ == "__main__":
    main()
