"""World-scale simulator benchmark: frames generated per second on one core.

    python bench/bench_simulate.py [--aircraft 25000] [--receivers 2000] [--duration 30]

Builds the world simulation (cruising aircraft between real airports, receivers beside
airports), then runs it three ways and prints frames/s for each, by wall clock and by this
process's CPU time (the machine may be shared; CPU time is what one core sustains):

  memory  FrameBatch per tick (what `skytrace demo` feeds the runtime)
  beast   + Beast bytes with readsb receiver-id frames (what `simulate --to/--out` sends)
  file    + written to a file in a temporary directory
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from skytrace.simulate.build import world_simulation
from skytrace.simulate.output import FileSink, beast_bytes, receiver_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aircraft", type=int, default=25000)
    parser.add_argument("--receivers", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=30.0, help="simulated seconds")
    args = parser.parse_args()

    t0 = time.perf_counter()
    sim = world_simulation(args.aircraft, args.receivers, seed=1, duration_s=args.duration)
    print(
        f"world: {args.aircraft:,} aircraft, {args.receivers:,} receivers, "
        f"{args.duration:.0f} s simulated; built in {time.perf_counter() - t0:.1f} s"
    )
    ids = {i: receiver_id(n) for i, n in sim.generator.receiver_names.items()}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("memory", "beast", "file"):
            sim = world_simulation(args.aircraft, args.receivers, seed=1, duration_s=args.duration)
            sink = FileSink(Path(tmp) / "world.beast") if mode == "file" else None
            frames = 0
            nbytes = 0
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for batch in sim.batches():
                frames += len(batch)
                if mode != "memory":
                    data = beast_bytes(batch, receiver_ids=ids)
                    nbytes += len(data)
                    if sink is not None:
                        sink.write(data)
            if sink is not None:
                sink.close()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            st = sim.generator.stats
            print(
                f"{mode:6s}: {frames:,} frames ({st.transmitted:,} replies, "
                f"{frames / max(st.transmitted, 1):.2f} receivers each) in {wall:.1f} s wall / "
                f"{cpu:.1f} s CPU: {frames / wall:,.0f} frames/s wall, "
                f"{frames / cpu:,.0f} frames/s CPU"
                + (f", {nbytes / 1e6:,.0f} MB Beast" if nbytes else "")
            )


if __name__ == "__main__":
    main()
