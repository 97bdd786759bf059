"""``skytrace demo``: the whole of skytrace on simulated data, in one command.

Plays the built-in scenario (Air Koryo An-148 P-671 from Pyongyang to Vladivostok on
2023-09-12, with background traffic and receivers in Russia, China and South Korea) through the
same runtime as live data — decode, tracker, flight detection, store — in a throw-away data
directory, then prints the flights found and the facts of the scenario's featured flights.

    skytrace demo                       # finishes by itself, removes its data directory
    skytrace demo --data-dir ./koryo    # keep the result; query it with skytrace flights/facts
    skytrace demo --keep-running        # then serve it (map, API, feeders) until Ctrl-C

Alerts run as in ``skytrace serve``: the data directory's watch rules (``watch.toml``), or,
when it has none, a rule ``featured`` on the scenario's featured aircraft (takeoff, landing,
area entry and exit, emergency), printed as they fire and kept in the alert journal
(``skytrace alerts``); ``skytrace watch test featured`` gives the same alerts from history.

With ``--keep-running`` the demo's data directory is served by ``skytrace serve`` (HTTP on
127.0.0.1:8080 unless ``--http`` says otherwise): the history store, with the featured
flights ready to replay in the browser (the demo prints the map, the flight page and the
playback page URLs), and a live state fed by any receiver that connects.

The scenario's own reference data (the featured aircraft, the operators, the runways of its
airports) is imported into the data directory first, so the demo needs no download.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skytrace.alerts.engine import Alert
from skytrace.alerts.live import LiveAlerts, alert_line
from skytrace.alerts.rules import RuleBook, WatchRule
from skytrace.cli.console import output_console
from skytrace.config import resolve_data_dir
from skytrace.errors import SkytraceError, UsageError
from skytrace.model import Flight, FrameBatch, ReceiverStats
from skytrace.simulate.build import Simulation
from skytrace.simulate.output import Pacer
from skytrace.simulate.refdata_files import write_refdata_files
from skytrace.simulate.scenario import Scenario, builtin_scenario_path, load_scenario
from skytrace.store.present import duration_text

HELP = "play the built-in Air Koryo scenario end to end and print what was found"

__all__ = ["HELP", "DemoResult", "add_arguments", "play", "run"]

# Frames go to the runtime in chunks of this much simulated time (batch-first pipeline).
CHUNK_S = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        metavar="FILE|NAME",
        default=None,
        help="scenario TOML, or a built-in one by name: "
        + ", ".join(BUILTIN_SCENARIOS)
        + " (default: the Air Koryo one)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="keep the result in DIR (default: a temporary directory, removed at the end)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="times real time (default 0: as fast as possible)",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: scenario's)")
    parser.add_argument(
        "--duration", type=float, default=None, metavar="S", help="simulate only S seconds"
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="after playing, serve the demo's data (map, API, feeders) until Ctrl-C",
    )
    parser.add_argument(
        "--http",
        default="8080",
        metavar="PORT",
        help="with --keep-running: the map and API port (default 8080; off = none)",
    )
    # For tests and scripts: how long --keep-running keeps the server up (default: until Ctrl-C).
    parser.add_argument("--serve-duration", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve-any-port", action="store_true", help=argparse.SUPPRESS)


FEATURED_RULE = "featured"
# built-in scenarios: the seed flight; a Mode-S-only aircraft over a dense and a sparse
# receiver network (multilaterated: docs/mlat.md)
BUILTIN_SCENARIOS = ("air_koryo_2023-09-12", "mlat_dense", "mlat_sparse")


def scenario_path(arg: str | None) -> Path:
    """The scenario file ``--scenario`` names: a built-in one by name, else a path."""
    if arg is None:
        return builtin_scenario_path()
    if arg in BUILTIN_SCENARIOS:
        return builtin_scenario_path(arg)
    return Path(arg)


def mlat_for(scenario: Scenario) -> Any | None:
    """An MLAT stage over the scenario's receivers when it flies a Mode-S-only aircraft
    (no ADS-B position: only multilateration places it), else None."""
    if not any(f.mode_s_only for f in scenario.flights):
        return None
    from skytrace.mlat import MlatStage
    from skytrace.mlat.harness import sites_of

    return MlatStage(sites_of(scenario.receivers))


class DemoResult:
    """What a demo run produced: where, how much, the flights stored, the alerts fired."""

    def __init__(
        self,
        data_dir: Path,
        frames: int,
        wall_s: float,
        flights: list[Flight],
        alerts: list[Alert] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.frames = frames
        self.wall_s = wall_s
        self.flights = flights
        self.alerts = alerts or []


def _watch_featured(scenario: Scenario, data_dir: Path, console: Console) -> None:
    """Without watch rules in the data directory, watch the scenario's featured aircraft."""
    book = RuleBook(data_dir)
    if book.path is not None and book.path.exists():
        names = ", ".join(r.name for r in book.rules()) or "none"
        console.print(f"  watch rules of {book.path}: {names}", highlight=False)
        return
    if not scenario.aircraft:
        return
    rule = WatchRule.build(
        {
            "name": FEATURED_RULE,
            "aircraft": [f"{a:06x}" for a in sorted(scenario.aircraft)],
            "on": ["takeoff", "landing", "area-entry", "area-exit", "emergency"],
        }
    )
    book.save([rule])
    console.print(
        f"  watching the featured aircraft: rule {rule.name!r} in {book.path} "
        "(alerts print as they fire)",
        highlight=False,
    )


def _import_scenario_refdata(scenario: Scenario, data_dir: Path, console: Console) -> Any:
    """Import what the scenario carries, never over data the directory already has.

    Returns the aircraft database now in the directory (None when there is none).
    """
    try:
        from skytrace.refdata import import_refdata, load_refdata
    except ImportError as exc:  # pragma: no cover - refdata ships with skytrace
        console.print(f"[yellow]reference data importers unavailable ({exc}); continuing[/]")
        return None
    present = set(load_refdata(data_dir).manifest())
    files = write_refdata_files(scenario, data_dir / "scenario-refdata")
    for kind, path in files.items():
        if kind in present:
            console.print(f"  using the {kind} already imported in {data_dir}", highlight=False)
            continue
        report = import_refdata(path, kind, data_dir)
        console.print(f"  imported {report.rows} {kind} from the scenario", highlight=False)
    return load_refdata(data_dir).aircraft


def play(
    scenario: Scenario,
    data_dir: Path,
    *,
    seed: int | None = None,
    duration_s: float | None = None,
    speed: float = 0.0,
    console: Console | None = None,
) -> DemoResult:
    """Import the scenario's reference data, run it through the runtime, read the flights back."""
    console = console or output_console()
    try:
        from skytrace.app import RuntimeOptions, open_runtime
        from skytrace.store import FlightQuery, open_reader
    except ImportError as exc:
        raise SkytraceError(f"this build of skytrace has no runtime or store yet ({exc})") from exc
    aircraft_db = _import_scenario_refdata(scenario, data_dir, console)
    _watch_featured(scenario, data_dir, console)
    sim = Simulation.from_scenario(scenario, seed, duration_s=duration_s, aircraft_db=aircraft_db)
    mlat = mlat_for(scenario)
    if mlat is not None:
        console.print(
            f"  MLAT on: a Mode-S-only aircraft, {len(scenario.receivers)} receivers placed",
            highlight=False,
        )
    pacer = Pacer(speed, sim.start_s)
    ticks_per_chunk = max(1, round(CHUNK_S / sim.generator.tick_s))
    started = time.perf_counter()
    frames = 0
    fired: list[Alert] = []
    tally = _ReceiverTally(scenario)
    with (
        Progress(
            TextColumn("[bold]playing[/bold] {task.fields[clock]}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[frames]:,} frames"),
            TextColumn("{task.fields[aircraft]} aircraft in view"),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
        open_runtime(data_dir, RuntimeOptions(mlat=mlat)) as rt,
        LiveAlerts.open(data_dir, rt, listeners=[fired.append, _printer(progress.console)]),
    ):
        task = progress.add_task("demo", total=sim.n_ticks, frames=0, aircraft=0, clock="")
        pending: list[FrameBatch] = []
        for k, batch in enumerate(sim.batches()):
            if len(batch):
                pending.append(batch)
            if len(pending) >= ticks_per_chunk or k == sim.n_ticks - 1:
                chunk = FrameBatch.concat(pending) if pending else FrameBatch.empty(0)
                pending = []
                if len(chunk):
                    pacer.wait_until(float(chunk.time_s[-1]))
                    rt.process(chunk)
                    tally.add(chunk)
                    frames += len(chunk)
            t = sim.start_s + (k + 1) * sim.generator.tick_s
            progress.update(
                task,
                advance=1,
                frames=frames,
                aircraft=len(sim.generator.traffic.state(t)),
                clock=f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} UTC",
            )
        rt.record_receivers(tally.stats())  # `skytrace receivers` lists the virtual receivers
    wall = time.perf_counter() - started
    reader = open_reader(data_dir)
    try:
        flights = reader.flights(FlightQuery())
    finally:
        reader.close()
    return DemoResult(data_dir, frames, wall, flights, fired)


class _ReceiverTally:
    """Frames heard per virtual receiver, for the store's receivers table."""

    def __init__(self, scenario: Scenario) -> None:
        self.places = {r.name: (r.lat, r.lon) for r in scenario.receivers}
        self.names: dict[int, str] = {}
        self.frames = np.zeros(0, np.int64)
        self.first = np.zeros(0)
        self.last = np.zeros(0)

    def add(self, chunk: FrameBatch) -> None:
        self.names.update(chunk.receivers)
        n = int(chunk.receiver.max()) + 1
        if n > len(self.frames):
            grow = n - len(self.frames)
            self.frames = np.concatenate([self.frames, np.zeros(grow, np.int64)])
            self.first = np.concatenate([self.first, np.full(grow, np.inf)])
            self.last = np.concatenate([self.last, np.full(grow, -np.inf)])
        self.frames += np.bincount(chunk.receiver, minlength=len(self.frames))
        np.minimum.at(self.first, chunk.receiver, chunk.time_s)
        np.maximum.at(self.last, chunk.receiver, chunk.time_s)

    def stats(self) -> list[ReceiverStats]:
        out = []
        for index in np.flatnonzero(self.frames).tolist():
            name = self.names.get(index, f"receiver-{index}")
            lat, lon = self.places.get(name, (math.nan, math.nan))
            out.append(
                ReceiverStats(
                    receiver=index,
                    name=name,
                    connected_since_s=float(self.first[index]),
                    last_frame_s=float(self.last[index]),
                    frames=int(self.frames[index]),
                    frames_per_s=float(self.frames[index])
                    / max(float(self.last[index] - self.first[index]), 1.0),
                    lat=lat,
                    lon=lon,
                    address="simulated",
                )
            )
        return out


def _printer(console: Console) -> Callable[[Alert], None]:
    def show(alert: Alert) -> None:
        console.print(alert_line(alert), highlight=False, markup=False, soft_wrap=True)

    return show


def _hm(time_s: float) -> str:
    return "" if math.isnan(time_s) else f"{datetime.fromtimestamp(time_s, UTC):%H:%M}"


def _airport(call: Any) -> str:
    if call is None or not call.icao:
        return "?"
    return call.icao if call.method == "observed" else f"{call.icao}*"


def _flights_table(flights: list[Flight]) -> Table:
    table = Table(
        title=f"{len(flights)} flights found (* = inferred, not seen on the ground)",
        caption="times UTC; takeoff/landing blank when not known",
    )
    for col in ("flight", "callsign", "reg", "type", "operator", "from", "to", "off", "on", "time"):
        table.add_column(col, no_wrap=True)
    for f in sorted(flights, key=lambda f: f.first_seen_s):
        both_ends = not (math.isnan(f.takeoff_s) or math.isnan(f.landing_s))
        table.add_row(
            f.flight_id,
            ",".join(f.callsigns),
            f.registration,
            f.typecode,
            f.operator_icao or f.operator_name,
            _airport(f.departure),
            _airport(f.arrival),
            _hm(f.takeoff_s),
            _hm(f.landing_s),
            duration_text(f.duration_s, both_ends=both_ends),
        )
    return table


def _print_facts(data_dir: Path, flight: Flight, console: Console) -> None:
    try:
        from skytrace.cli.facts import facts_for
    except ImportError as exc:  # pragma: no cover - facts ships with skytrace
        console.print(f"[yellow]no facts module in this build ({exc})[/]")
        return
    facts = facts_for(data_dir, flight.flight_id)
    console.print(f"\n[bold]{facts.flight_id}[/bold]")
    console.print(facts.sentence, highlight=False)
    table = Table(title="evidence")
    for col in ("topic", "time (UTC)", "what was seen", "source"):
        table.add_column(col, overflow="fold")
    for e in facts.evidence:
        when = "" if math.isnan(e.time_s) else f"{datetime.fromtimestamp(e.time_s, UTC):%H:%M:%S}"
        table.add_row(e.topic, when, e.text, e.source)
    console.print(table)


def map_urls(base: str, flight_ids: list[str]) -> list[tuple[str, str]]:
    """(label, URL) of the map and of each featured flight's page and playback."""
    urls = [("the live map", f"{base}/")]
    for fid in flight_ids:
        urls.append((f"flight {fid}", f"{base}/flight/{fid}"))
        urls.append((f"replay {fid}", f"{base}/playback?flight={fid}"))
    return urls


def _keep_running(
    data_dir: Path,
    duration_s: float | None,
    any_port: bool,
    http: str,
    flight_ids: list[str],
    console: Console,
) -> None:
    """Run ``skytrace serve`` on the demo's data directory (map and API, feeders in,
    Beast/AVR/SBS out) and print where the map and the featured flights are."""
    from skytrace.cli.serve import run_with

    console.print(
        "Keeping the data directory and running the receiver server on it (skytrace serve; "
        "its ports are printed below). Ctrl-C stops it."
    )
    argv = ["--data-dir", str(data_dir), "--http", "0" if any_port and http != "off" else http]
    if duration_s is not None:
        argv += ["--duration", str(duration_s)]
    if any_port:
        for port in ("--beast-in", "--avr-in", "--beast-out", "--avr-out", "--sbs-out"):
            argv += [port, "0"]

    def ready(ports: dict[str, int]) -> None:
        if "http" not in ports:
            return
        base = f"http://127.0.0.1:{ports['http']}"
        for label, url in map_urls(base, flight_ids):
            console.print(f"  {label}: {url}", highlight=False, soft_wrap=True)

    try:
        code = run_with(argv, on_ready=ready)
    except SkytraceError as exc:
        console.print(f"[yellow]the server could not run: {exc}[/]")
        code = 2
    except SystemExit as exc:  # argparse refused an argument (--http)
        code = int(exc.code or 2)
    except KeyboardInterrupt:
        code = 130
    if code not in (0, 130):
        console.print(f"[yellow]the server stopped with exit code {code}[/]")
        if duration_s is None:
            console.print("Keeping the data directory until Ctrl-C.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                console.print("stopped")


def run(args: argparse.Namespace) -> int:
    console = output_console()
    scenario = load_scenario(scenario_path(args.scenario))
    if args.duration is not None and args.duration <= 0:
        raise UsageError("--duration must be positive")
    temporary = args.data_dir is None
    data_dir = (
        Path(tempfile.mkdtemp(prefix="skytrace-demo-"))
        if temporary
        else resolve_data_dir(args.data_dir, create=True)
    )
    try:
        console.print(f"[bold]skytrace demo[/bold]: {scenario.description or scenario.name}")
        console.print(
            f"  {len(scenario.receivers)} receivers, data directory {data_dir}"
            + (" (temporary)" if temporary else ""),
            highlight=False,
        )
        result = play(
            scenario,
            data_dir,
            seed=args.seed,
            duration_s=args.duration,
            speed=args.speed,
            console=console,
        )
        console.print(
            f"{result.frames:,} frames through decode, track, flights and store in "
            f"{result.wall_s:,.1f} s ({result.frames / max(result.wall_s, 1e-9):,.0f} frames/s)",
            highlight=False,
        )
        console.print(_flights_table(result.flights))
        featured = [f for f in result.flights if f.icao24 in scenario.aircraft]
        if not featured:
            console.print("[yellow]the scenario's featured aircraft was not found[/]")
        for flight in featured:
            _print_facts(data_dir, flight, console)
        where = f" --data-dir {data_dir}"
        if temporary and not args.keep_running:
            console.print(
                "\nThe data directory is removed now; keep it with --data-dir DIR, then try:"
            )
            where = " --data-dir DIR"
        else:
            console.print("\nTry:")
        operator = next(
            (f.operator_icao for f in featured if f.operator_icao),
            next((f.operator_icao for f in result.flights if f.operator_icao), "KOR"),
        )
        console.print(f"  skytrace flights --operator {operator}{where}", highlight=False)
        if featured:
            console.print(f"  skytrace facts {featured[0].flight_id}{where}", highlight=False)
        if result.alerts:
            console.print(f"  skytrace alerts{where}", highlight=False)
            rule = result.alerts[0].rule
            console.print(f"  skytrace watch test {rule}{where}", highlight=False)
        ids = [f.flight_id for f in featured]
        if args.keep_running:
            _keep_running(
                data_dir, args.serve_duration, args.serve_any_port, args.http, ids, console
            )
        else:
            console.print(
                "\nOn the map: skytrace demo --keep-running (or skytrace web"
                f"{where}), then open http://127.0.0.1:8080/"
                + (f" and replay {ids[0]} at http://127.0.0.1:8080/playback?flight={ids[0]}"
                   if ids else ""),
                highlight=False,
            )  # fmt: skip
        return 0
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)
