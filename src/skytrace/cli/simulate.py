"""``skytrace simulate``: simulated traffic as real Mode S frames, to a file or a server.

    skytrace simulate --out koryo.beast                       # the built-in seed scenario
    skytrace simulate --scenario my.toml --to 127.0.0.1:30004 --speed 10
    skytrace simulate --aircraft 25000 --receivers 2000 --duration 60 --out /dev/null

Scenario mode plays a TOML scenario (see docs/simulator.md); world mode (``--aircraft``)
flies N cruising aircraft heard by M receivers, the load generator for benchmarks. Output is
Beast (with readsb receiver-id frames) or AVR; ``--speed`` 1 is real time, N is N× real time,
0 is as fast as possible (the default for files).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from skytrace.errors import UsageError
from skytrace.simulate.build import Simulation, world_simulation
from skytrace.simulate.output import (
    ByteSink,
    FileSink,
    Pacer,
    TcpSink,
    encode_frames,
    parse_host_port,
    receiver_id,
)
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

HELP = "simulate air traffic as real Mode S frames to a file or a server"

__all__ = ["HELP", "add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--to", metavar="HOST:PORT", help="push Beast to a server (e.g. 127.0.0.1:30004)"
    )
    where.add_argument("--out", metavar="FILE", help="write frames to FILE")
    parser.add_argument(
        "--scenario",
        metavar="FILE",
        default=None,
        help="scenario TOML file or built-in name (default: the Air Koryo seed scenario)",
    )
    parser.add_argument(
        "--format",
        choices=("beast", "avr"),
        default=None,
        help="output format (default: avr for *.avr / *.txt files, else beast)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=None,
        help="times real time; 0 = as fast as possible (default: 1 with --to, 0 with --out)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the scenario's)"
    )
    parser.add_argument(
        "--duration", type=float, default=None, metavar="S", help="seconds to simulate"
    )
    parser.add_argument("--aircraft", type=int, default=None, help="world mode: cruising aircraft")
    parser.add_argument("--receivers", type=int, default=None, help="world mode: receivers")


def _simulation(args: argparse.Namespace) -> Simulation:
    if args.aircraft is not None or args.receivers is not None:
        if args.scenario:
            raise UsageError("--aircraft/--receivers make a world simulation; drop --scenario")
        aircraft = args.aircraft if args.aircraft is not None else 25000
        receivers = args.receivers if args.receivers is not None else 2000
        if aircraft <= 0 or receivers <= 0:
            raise UsageError("--aircraft and --receivers must be positive")
        duration = args.duration if args.duration is not None else 60.0
        return world_simulation(
            aircraft, receivers, seed=1 if args.seed is None else args.seed, duration_s=duration
        )
    if args.scenario is None:
        path = builtin_scenario_path()
    elif Path(args.scenario).exists() or args.scenario.endswith(".toml"):
        path = Path(args.scenario)
    else:
        path = builtin_scenario_path(args.scenario)
    scenario = load_scenario(path)
    if args.duration is not None and args.duration <= 0:
        raise UsageError("--duration must be positive")
    return Simulation.from_scenario(scenario, args.seed, duration_s=args.duration)


def run(args: argparse.Namespace) -> int:
    sim = _simulation(args)
    fmt = args.format or ("avr" if args.out and args.out.endswith((".avr", ".txt")) else "beast")
    if args.to and fmt != "beast":
        raise UsageError("--to sends Beast; use --out for AVR")
    speed = args.speed if args.speed is not None else (1.0 if args.to else 0.0)
    gen = sim.generator
    ids = {i: receiver_id(name) for i, name in gen.receiver_names.items()}
    sink: ByteSink
    if args.to:
        host, port = parse_host_port(args.to)
        sink = TcpSink(host, port)
        target = f"{host}:{port}"
    else:
        sink = FileSink(Path(args.out))
        target = args.out
    console = Console(stderr=True)
    pacer = Pacer(speed, sim.start_s)
    started = time.perf_counter()
    frames = 0
    written = 0
    try:
        with Progress(
            TextColumn("[bold]simulate[/bold]"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[frames]:,} frames"),
            TextColumn("{task.fields[rate]:,.0f} frames/s"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("sim", total=sim.n_ticks, frames=0, rate=0.0)
            for batch in sim.batches():
                data = encode_frames(batch, fmt, ids)
                pacer.wait_until(float(batch.time_s[-1]) if len(batch) else sim.start_s)
                sink.write(data)
                frames += len(batch)
                written += len(data)
                elapsed = max(time.perf_counter() - started, 1e-9)
                progress.update(task, advance=1, frames=frames, rate=frames / elapsed)
    finally:
        sink.close()
    elapsed = time.perf_counter() - started
    console.print(
        f"{frames:,} frames ({written / 1e6:,.1f} MB {fmt}) to {target} in {elapsed:,.1f} s: "
        f"{frames / max(elapsed, 1e-9):,.0f} frames/s; {gen.stats.transmitted:,} replies sent, "
        f"{gen.stats.lost:,} receptions lost, {gen.stats.bit_errors:,} with a bit error"
    )
    return 0
