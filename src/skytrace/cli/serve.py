"""``skytrace serve``: the receiver server — Beast/AVR in, Beast/AVR/SBS out, live pipeline,
the map and the HTTP API.

    skytrace serve [--bind ADDR] [--beast-in PORT] [--avr-in PORT]
                   [--beast-out PORT] [--avr-out PORT] [--sbs-out PORT] [--http PORT]
                   [--api-token T] [--cors-origin O]...
                   [--connect HOST:PORT[:beast|avr|sbs]]... [--config FEEDERS.toml]
                   [--require-feeder-key] [--data-dir DIR] [--no-store] [--duration S] ...

Ports default to those of readsb / dump1090 (Beast in 30004, AVR in 30001, Beast out 30005,
AVR out 30002, SBS out 30003) and 8080 for HTTP; ``off`` disables one; everything binds
127.0.0.1 unless ``--bind`` says otherwise. The asyncio loop only moves bytes (feeders, feed
outputs, HTTP via uvicorn on the same loop); frames go in micro-batches to the pipeline
thread of skytrace.live.LiveRuntime (decode, track, flights, store, feed outputs, live
state), which publishes the live snapshots the HTTP API (skytrace.api) answers from. Every
``--stats-interval`` seconds the per-receiver statistics are written to
``<data dir>/receivers.json`` (what ``skytrace receivers`` prints) and, with
``--aircraft-json``, the aircraft.json of the latest snapshot; ``--no-store`` turns the history
store off and, unless a data directory is given (``--data-dir``, ``$SKYTRACE_DATA_DIR``),
writes nothing at all: no statistics file, no watch rules. Watch rules of the data directory
(``watch.toml``) fire alerts, printed one line each (see docs/alerts.md). SIGINT / SIGTERM
(or ``--duration``) stop the server cleanly: the last batch is processed and the store
flushed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from skytrace.alerts.engine import Alert
from skytrace.alerts.live import LiveAlerts, alert_line
from skytrace.cli.mlat_options import add_mlat_arguments, mlat_stage
from skytrace.config import DATA_DIR_ENV, add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.fileio import write_text_atomic
from skytrace.live.ingest import LiveIngestServer
from skytrace.live.runtime import LiveRuntime
from skytrace.outputs.feeds import Broadcaster, FeedOutputs
from skytrace.sources.limits import load_server_limits
from skytrace.sources.receivers import RECEIVERS_JSON, write_receivers_json
from skytrace.sources.server import (
    FeederConfig,
    IngestServer,
    ServerConfig,
    ServerLimits,
    load_feeder_config,
    parse_pull_target,
)

HELP = "run the receiver server: Beast/AVR in, Beast/AVR/SBS out, the map and the API"

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
    net.add_argument(
        "--http",
        type=_port,
        default=8080,
        metavar="PORT",
        help="the map and the HTTP API (default 8080; off = none)",
    )
    net.add_argument(
        "--api-token",
        default=None,
        metavar="T",
        help="token for the API's write endpoints (default $SKYTRACE_API_TOKEN; none: read-only)",
    )
    net.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser pages from ORIGIN to call the API (repeatable; default none)",
    )
    feeders = parser.add_argument_group("feeders")
    feeders.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="TOML with [[feeder]] key/name/lat/lon, require_feeder_key and [limits]",
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
    add_mlat_arguments(feeders)
    feeders.add_argument(
        "--clock-time",
        action="store_true",
        help="time frames by each receiver's fitted 12 MHz clock (always on with MLAT)",
    )
    out = parser.add_argument_group("pipeline and outputs")
    add_data_dir_argument(parser)
    out.add_argument(
        "--no-store",
        action="store_true",
        help="do not keep history (without --data-dir: write nothing to the data directory)",
    )
    out.add_argument(
        "--retention-days",
        type=float,
        default=0.0,
        metavar="D",
        help="drop stored positions older than D days, by the wall clock (default 0: keep all)",
    )
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
        help="write aircraft.json to OUT every stats interval (aircraft age by the wall clock)",
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
    if not (args.retention_days >= 0 and math.isfinite(args.retention_days)):
        raise UsageError("--retention-days must be 0 (keep all) or a positive number of days")
    if args.retention_days and args.no_store:
        raise UsageError("--retention-days needs a store; drop --no-store")
    try:
        ipaddress.ip_address(args.bind)
    except ValueError as exc:
        raise UsageError(f"--bind {args.bind!r} is not an IP address") from exc
    limits = ServerLimits(
        max_buffer_bytes=args.max_buffer_bytes,
        max_garbage_ratio=args.max_garbage_ratio,
        idle_timeout_s=args.idle_timeout,
    )
    if args.config is not None:  # its [limits] table (docs/receivers.md) over the options
        limits = load_server_limits(args.config, limits)
    return ServerConfig(
        bind=args.bind,
        beast_port=args.beast_in,
        avr_port=args.avr_in,
        pull=[parse_pull_target(t) for t in args.connect],
        feeders=feeders,
        require_feeder_key=require,
        batch_interval_s=args.batch_interval,
        clock_time=args.clock_time,
        limits=limits,
    )


def run(args: argparse.Namespace) -> int:
    return run_with(args)


def run_with(
    args: argparse.Namespace | Sequence[str],
    on_ready: Callable[[dict[str, int]], object] | None = None,
) -> int:
    """Serve with ``args`` (parsed, or a ``serve`` argument list); ``on_ready(ports)`` is
    called once everything listens (``skytrace demo --keep-running`` prints its URLs there)."""
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="skytrace serve")
        add_arguments(parser)
        args = parser.parse_args(list(args))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = _server_config(args)
    # --no-store writes nothing to the default data directory: statistics and alerts need
    # a directory given on purpose (--data-dir or $SKYTRACE_DATA_DIR)
    chosen = bool(args.data_dir or os.environ.get(DATA_DIR_ENV))
    data_dir = resolve_data_dir(args.data_dir, create=True) if chosen or not args.no_store else None
    return asyncio.run(_serve(args, config, data_dir, on_ready=on_ready))


AppFactory = Callable[["ApiContextArgs"], Any]


@dataclass(frozen=True, slots=True)
class ApiContextArgs:
    """What ``serve`` hands the HTTP app (the fields of skytrace.api.ApiContext)."""

    data_dir: Path | None
    live: LiveRuntime
    refdata: Any
    token: str | None
    cors_origins: tuple[str, ...]
    alerts: Any = None  # skytrace.alerts.live.LiveAlerts
    rules_dir: Path | None = None  # where watch.toml is (the data directory, also --no-store)


def default_app(ctx: ApiContextArgs) -> Any:
    """skytrace.api's app over the live runtime and the store."""
    try:
        from skytrace.api import ApiContext, create_app
    except ImportError as exc:
        raise UsageError(f"this build has no HTTP API ({exc}); run with --http off") from exc
    return create_app(
        ApiContext(
            data_dir=ctx.data_dir,
            live=ctx.live,
            refdata=ctx.refdata,
            token=ctx.token,
            cors_origins=ctx.cors_origins,
            alerts=ctx.alerts,
            rules_dir=ctx.rules_dir,
        )
    )


async def _serve(
    args: argparse.Namespace,
    config: ServerConfig,
    data_dir: Path | None,
    app_factory: AppFactory | None = None,
    live_factory: Callable[[Any], LiveRuntime] = LiveRuntime,
    on_ready: Callable[[dict[str, int]], object] | None = None,
) -> int:
    """Serve until stopped; ``app_factory`` (default skytrace.api's app) makes the HTTP app
    and ``live_factory`` the LiveRuntime around the runtime (tests pass their own)."""
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
    # every sink in one place: the store (from store_dir), the feed outputs, the live state
    # MLAT with the receivers of --receiver-positions and the feeders placed in --config
    mlat = mlat_stage(args, ((f.name, f.lat, f.lon) for f in config.feeders.values()))
    if mlat is not None:
        # MLAT groups the copies of a reply by time: arrival times, shared by every frame of
        # one read, would merge a DF11 with its repeat a second later; receivers' clocks don't
        config.clock_time = True
    options = RuntimeOptions(
        data_dir=store_dir,
        sinks=[feeds],
        frame_sinks=[feeds],
        store_options={"retention_days": args.retention_days},
        mlat=mlat,
    )
    token = args.api_token or os.environ.get("SKYTRACE_API_TOKEN") or None
    with open_runtime(store_dir, options) as rt:
        # watch rules of <data dir>/watch.toml: alerts delivered, journalled, printed, pushed
        alerts = None
        if data_dir is not None:
            alerts = LiveAlerts.open(data_dir, rt, listeners=[_console_listener(err)]).start()
            if alerts.book.error:
                err.print(f"[yellow]watch rules not in force: {alerts.book.error}[/]")
        live = live_factory(rt).start()
        json_writer = _AircraftJsonWriter(args.aircraft_json)
        try:

            def on_stats(server: IngestServer) -> None:
                stats = server.registry.stats()
                if data_dir is not None:
                    write_receivers_json(
                        data_dir / RECEIVERS_JSON,
                        stats,
                        time.time(),
                        disconnected_since=server.registry.disconnected_since(),
                        mlat=live.snapshot().mlat_receivers,
                    )
                live.record_receivers(stats)
                json_writer.write_soon(live.snapshot().document)

            server = LiveIngestServer(
                config, live, on_stats=on_stats, stats_interval_s=args.stats_interval
            )
            ports = await server.start()
            http: _Http | None = None
            try:
                for name, b in outputs.items():
                    port = {"beast": args.beast_out, "avr": args.avr_out, "sbs": args.sbs_out}[name]
                    try:
                        ports[f"{name}-out"] = await b.start(config.bind, port)
                    except OSError as exc:
                        raise UsageError(f"cannot listen on {config.bind}:{port} ({exc})") from exc
                ports = {(k if k.endswith("-out") else f"{k}-in"): v for k, v in ports.items()}
                if args.http is not None:
                    app = (app_factory or default_app)(
                        ApiContextArgs(store_dir, live, rt.refdata, token,
                                       tuple(args.cors_origin), alerts, data_dir)
                    )  # fmt: skip
                    http = await _Http.start(app, config.bind, args.http)
                    ports["http"] = http.port
                    if alerts is not None:
                        alerts.base_url = http.url(config.bind)
            except BaseException:
                await server.close()
                for b in outputs.values():
                    await b.close()
                raise
            if not ipaddress.ip_address(config.bind).is_loopback:
                err.print(f"[yellow]listening on {config.bind}: reachable from other hosts[/]")
            listing = ", ".join(f"{k} {config.bind}:{v}" for k, v in sorted(ports.items()))
            where = (
                f"stats in {data_dir}"
                if data_dir is not None
                else "--no-store without --data-dir: nothing written, no watch rules"
            )
            err.print(
                f"skytrace serve: {listing}; pulling {len(config.pull)}; {where}",
                highlight=False,
            )
            if http is not None:
                err.print(f"map and API: {http.url(config.bind)}", highlight=False)
            if mlat is not None:
                err.print(
                    f"MLAT on: {len(mlat.book)} receivers placed; frames timed by the "
                    "receivers' 12 MHz clocks",
                    highlight=False,
                )
            if args.ports_json is not None:
                write_text_atomic(args.ports_json, json.dumps(ports))
            if on_ready is not None:
                on_ready(dict(ports))
            if threading.current_thread() is threading.main_thread():
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    with contextlib.suppress(NotImplementedError):
                        loop.add_signal_handler(sig, server.stop)
            try:
                await server.run(args.duration)
            finally:
                if http is not None:
                    await http.stop()
                for b in outputs.values():
                    await b.close()
        finally:
            live.stop()  # the queue drained, the last snapshot published
            await json_writer.wait()
            if alerts is not None:
                await asyncio.to_thread(alerts.close)  # what is queued is delivered
        json_writer.write_now(live.snapshot().document)
        _print_summary(err, server, rt, live)
    return 0


def _console_listener(err: Console) -> Callable[[Alert], None]:
    """Each alert as one line on the server's console (rules: skytrace watch)."""

    def show(alert: Alert) -> None:
        err.print(alert_line(alert), highlight=False, markup=False, soft_wrap=True)

    return show


class _AircraftJsonWriter:
    """Writes aircraft.json off the event loop (a thread), one write at a time."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._task: asyncio.Future[Any] | None = None

    def write_soon(self, document: dict[str, Any]) -> None:
        if self.path is None or (self._task is not None and not self._task.done()):
            return  # a write is still going: the next interval writes a newer document
        loop = asyncio.get_running_loop()
        self._task = loop.run_in_executor(None, self.write_now, document)

    def write_now(self, document: dict[str, Any]) -> None:
        if self.path is None:
            return
        from skytrace.outputs.aircraft_json import write_aircraft_json

        try:
            write_aircraft_json(self.path, document)
        except Exception:
            log.exception("writing %s failed", self.path)

    async def wait(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


@dataclass(slots=True)
class _Http:
    """The HTTP server (uvicorn) running on this process's event loop."""

    server: Any
    task: asyncio.Task[None]
    port: int

    @classmethod
    async def start(cls, app: Any, bind: str, port: int) -> _Http:
        import uvicorn

        class Server(uvicorn.Server):
            # serve's own handlers stop everything: uvicorn must not take the signals
            @contextlib.contextmanager
            def capture_signals(self) -> Any:
                yield

            def install_signal_handlers(self) -> None:
                return

        family = socket.AF_INET6 if ipaddress.ip_address(bind).version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind, port))
        except OSError as exc:
            sock.close()
            raise UsageError(f"cannot listen on {bind}:{port} for HTTP ({exc})") from exc
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="on", ws="auto"
        )
        server = Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                sock.close()
                exc = task.exception()
                raise UsageError(f"the HTTP server did not start ({exc or 'it stopped'})")
            await asyncio.sleep(0.01)
        return cls(server, task, int(sock.getsockname()[1]))

    def url(self, bind: str) -> str:
        host = "127.0.0.1" if bind in ("0.0.0.0", "::") else bind
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 10.0)


def _print_summary(err: Console, server: IngestServer, rt: Any, live: LiveRuntime) -> None:
    c = server.counters
    s = live.stats()
    err.print(
        f"skytrace serve: stopped; {c.frames:,} frames in {c.batches:,} batches from "
        f"{len(server.registry.counters)} receivers; accepted {c.accepted}, refused {c.refused}, "
        f"dropped {c.dropped_garbage} (garbage) + {c.dropped_idle} (idle); "
        f"processing errors {c.process_errors + s['errors']}; "
        f"positions {rt.pipeline.stats.positions:,}"
        + (f" ({mlat.stats.fixes:,} MLAT fixes)" if (mlat := rt.pipeline.mlat) else "")
        + f"; pipeline queue full {s['queue_full']} times",
        highlight=False,
    )
