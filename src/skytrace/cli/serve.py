"""``skytrace serve``: the receiver server — Beast/AVR in, Beast/AVR/SBS out, live pipeline.

    skytrace serve [--bind ADDR] [--beast-in PORT] [--avr-in PORT]
                   [--beast-out PORT] [--avr-out PORT] [--sbs-out PORT]
                   [--connect HOST:PORT[:beast|avr|sbs]]... [--config FEEDERS.toml]
                   [--require-feeder-key] [--data-dir DIR] [--no-store] [--duration S] ...

Ports default to those of readsb / dump1090 (Beast in 30004, AVR in 30001, Beast out 30005,
AVR out 30002, SBS out 30003); ``off`` disables one; everything binds 127.0.0.1 unless
``--bind`` says otherwise. Frames go through skytrace.app's runtime (decode, track, flights,
store) in micro-batches. Every ``--stats-interval`` seconds the per-receiver statistics are
written to ``<data dir>/receivers.json`` (what ``skytrace receivers`` prints); ``--no-store``
turns the history store off but keeps that file. SIGINT / SIGTERM (or ``--duration``) stop
the server cleanly: the last batch is processed and the store flushed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import signal
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.fileio import write_text_atomic
from skytrace.outputs.feeds import Broadcaster, FeedOutputs
from skytrace.sources.receivers import RECEIVERS_JSON, write_receivers_json
from skytrace.sources.server import (
    FeederConfig,
    IngestServer,
    ServerConfig,
    ServerLimits,
    load_feeder_config,
    parse_pull_target,
)

HELP = "run the receiver server: Beast/AVR in, Beast/AVR/SBS out"

log = logging.getLogger("skytrace.serve")


def _port(text: str) -> int | None:
    if text.lower() in ("off", "none", "-"):
        return None
    try:
        port = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number or 'off'") from exc
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"port {port} out of range")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    net = parser.add_argument_group("network (ports: a number, 0 = any free port, off)")
    net.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)",
    )
    net.add_argument(
        "--beast-in",
        type=_port,
        default=30004,
        metavar="PORT",
        help="Beast feeders push here (default 30004)",
    )
    net.add_argument(
        "--avr-in",
        type=_port,
        default=30001,
        metavar="PORT",
        help="AVR feeders push here (default 30001)",
    )
    net.add_argument(
        "--beast-out",
        type=_port,
        default=30005,
        metavar="PORT",
        help="Beast out for mlat-client / tar1090 (default 30005)",
    )
    net.add_argument(
        "--avr-out", type=_port, default=30002, metavar="PORT", help="AVR out (default 30002)"
    )
    net.add_argument(
        "--sbs-out",
        type=_port,
        default=30003,
        metavar="PORT",
        help="SBS-1 BaseStation out for VRS / PlanePlotter (default 30003)",
    )
    net.add_argument(
        "--connect",
        action="append",
        default=[],
        metavar="HOST:PORT[:FMT]",
        help="pull from a dump1090/readsb port (repeatable; FMT beast|avr|sbs)",
    )
    feeders = parser.add_argument_group("feeders")
    feeders.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="TOML with [[feeder]] key/name/lat/lon and require_feeder_key",
    )
    feeders.add_argument(
        "--require-feeder-key",
        action="store_true",
        help="refuse feeders without a known key (see docs/receivers.md)",
    )
    feeders.add_argument(
        "--idle-timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="drop a feeder silent for S seconds (default 300)",
    )
    feeders.add_argument(
        "--max-garbage-ratio",
        type=float,
        default=0.5,
        metavar="R",
        help="drop a feeder when more than R of its bytes are garbage",
    )
    feeders.add_argument(
        "--max-buffer-bytes",
        type=int,
        default=4 << 20,
        metavar="N",
        help="pause reading a feeder with more than N bytes waiting (default 4 MiB)",
    )
    feeders.add_argument(
        "--clock-time",
        action="store_true",
        help="time frames by each receiver's fitted 12 MHz clock",
    )
    out = parser.add_argument_group("pipeline and outputs")
    add_data_dir_argument(parser)
    out.add_argument("--no-store", action="store_true", help="do not keep history")
    out.add_argument(
        "--dedup",
        type=float,
        default=None,
        metavar="S",
        help="Beast/AVR out: forward a message once per S seconds",
    )
    out.add_argument("--forward-mlat", action="store_true", help="forward MLAT results out")
    out.add_argument(
        "--batch-interval",
        type=float,
        default=0.1,
        metavar="S",
        help="micro-batch interval (default 0.1 s)",
    )
    out.add_argument(
        "--aircraft-json",
        type=Path,
        default=None,
        metavar="OUT",
        help="write aircraft.json to OUT every stats interval",
    )
    out.add_argument(
        "--stats-interval",
        type=float,
        default=2.0,
        metavar="S",
        help="write receivers.json every S seconds (default 2)",
    )
    out.add_argument(
        "--duration", type=float, default=None, metavar="S", help="stop by itself after S seconds"
    )
    out.add_argument(
        "--ports-json",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the bound ports as JSON to FILE once listening",
    )
    out.add_argument("-v", "--verbose", action="store_true", help="log connections")


def _server_config(args: argparse.Namespace) -> ServerConfig:
    feeders: dict[str, FeederConfig] = {}
    require = bool(args.require_feeder_key)
    if args.config is not None:
        feeders, require_cfg = load_feeder_config(args.config)
        require = require or require_cfg
    if require and not feeders:
        raise UsageError("--require-feeder-key needs feeders with keys in --config")
    for name in ("idle_timeout", "batch_interval", "stats_interval"):
        if not getattr(args, name) > 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    if args.max_buffer_bytes < 1024:
        raise UsageError("--max-buffer-bytes must be at least 1024")
    if not 0 < args.max_garbage_ratio <= 1:
        raise UsageError("--max-garbage-ratio must be in (0, 1]")
    if args.duration is not None and not args.duration > 0:
        raise UsageError("--duration must be positive")
    try:
        ipaddress.ip_address(args.bind)
    except ValueError as exc:
        raise UsageError(f"--bind {args.bind!r} is not an IP address") from exc
    return ServerConfig(
        bind=args.bind,
        beast_port=args.beast_in,
        avr_port=args.avr_in,
        pull=[parse_pull_target(t) for t in args.connect],
        feeders=feeders,
        require_feeder_key=require,
        batch_interval_s=args.batch_interval,
        clock_time=args.clock_time,
        limits=ServerLimits(
            max_buffer_bytes=args.max_buffer_bytes,
            max_garbage_ratio=args.max_garbage_ratio,
            idle_timeout_s=args.idle_timeout,
        ),
    )


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = _server_config(args)
    data_dir = resolve_data_dir(args.data_dir, create=True)
    return asyncio.run(_serve(args, config, data_dir))


async def _serve(args: argparse.Namespace, config: ServerConfig, data_dir: Path) -> int:
    from skytrace.app import RuntimeOptions, open_runtime

    err = Console(stderr=True)
    outputs: dict[str, Broadcaster] = {}
    for name, port in (("beast", args.beast_out), ("avr", args.avr_out), ("sbs", args.sbs_out)):
        if port is not None:
            outputs[name] = Broadcaster(name)
    feeds = FeedOutputs(
        outputs.get("beast"), outputs.get("avr"), outputs.get("sbs"),
        dedup_window_s=args.dedup, forward_mlat=args.forward_mlat,
    )  # fmt: skip
    store_dir = None if args.no_store else data_dir
    options = RuntimeOptions(data_dir=store_dir, frame_sinks=[feeds], extra_sinks=[feeds])
    with open_runtime(store_dir, options) as rt:

        def on_stats(server: IngestServer) -> None:
            stats = server.registry.stats()
            write_receivers_json(data_dir / RECEIVERS_JSON, stats, time.time())
            rt.record_receivers(stats)
            if args.aircraft_json is not None:
                from skytrace.outputs.aircraft_json import write_aircraft_json

                write_aircraft_json(args.aircraft_json, rt.tracker.snapshot(rt.now_s))

        server = IngestServer(
            config, rt.process, write_positions=rt.process_positions, on_stats=on_stats,
            stats_interval_s=args.stats_interval,
        )  # fmt: skip
        ports = await server.start()
        for name, b in outputs.items():
            port = {"beast": args.beast_out, "avr": args.avr_out, "sbs": args.sbs_out}[name]
            try:
                ports[f"{name}-out"] = await b.start(config.bind, port)
            except OSError as exc:
                await server.close()
                raise UsageError(f"cannot listen on {config.bind}:{port} ({exc})") from exc
        ports = {(k if k.endswith("-out") else f"{k}-in"): v for k, v in ports.items()}
        if not ipaddress.ip_address(config.bind).is_loopback:
            err.print(f"[yellow]listening on {config.bind}: reachable from other hosts[/]")
        listing = ", ".join(f"{k} {config.bind}:{v}" for k, v in sorted(ports.items()))
        err.print(f"skytrace serve: {listing}; pulling {len(config.pull)}; stats in {data_dir}")
        if args.ports_json is not None:
            write_text_atomic(args.ports_json, json.dumps(ports))
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, server.stop)
        try:
            await server.run(args.duration)
        finally:
            for b in outputs.values():
                await b.close()
        _print_summary(err, server, rt)
    return 0


def _print_summary(err: Console, server: IngestServer, rt: Any) -> None:
    c = server.counters
    err.print(
        f"skytrace serve: stopped; {c.frames:,} frames in {c.batches:,} batches from "
        f"{len(server.registry.counters)} receivers; accepted {c.accepted}, refused {c.refused}, "
        f"dropped {c.dropped_garbage} (garbage) + {c.dropped_idle} (idle); "
        f"processing errors {c.process_errors}; positions {rt.pipeline.stats.positions:,}"
    )
