"""``skytrace import FILE...``: decoded tracks from elsewhere into the history store.

    skytrace import states.csv trace_full_7277cf.json [--format opensky|traffic|fr24|readsb]
                   [--icao24 HEX] [--json] [--data-dir DIR]

Each file is read by ``skytrace.sources.tracks`` (skytrace's own GeoJSON and KML exports by
``skytrace.outputs.readback``) (bad rows are counted and reported with
their line numbers; good rows are kept); all positions then go through
``skytrace.flights.detect_flights`` — the same flight detection as live — with the reference
data of the data directory, and positions, flights and events are written to the store. What a
file says about its aircraft (readsb ``r``/``t``/``desc``/``ownOp``, FR24 aircraft and airline,
OpenSky database columns; ``skytrace.sources.track_identity``) fills what the aircraft
database lacks, and is kept in the store's aircraft table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.model import Flight
from skytrace.outputs.readback import is_export, read_export
from skytrace.sources.track_identity import FileIdentity, ImportedIdentities, read_identities
from skytrace.sources.tracks import TrackFile, TrackFormat, read_tracks
from skytrace.store.present import count, safe_text

__all__ = ["HELP", "add_arguments", "run"]

HELP = "import decoded tracks (OpenSky, traffic, FR24, readsb traces)"
SHOW_BAD = 10  # bad rows listed per file; the rest are counted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="track files to import")
    parser.add_argument(
        "--format",
        choices=[f.value for f in TrackFormat],
        default=None,
        help="file format (default: detected from name and columns)",
    )
    parser.add_argument(
        "--hex",
        "--icao24",  # the older name, still accepted
        dest="icao24",
        metavar="HEX",
        default=None,
        help="ICAO address for files without one (FR24 CSV), as in flights --hex",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_data_dir_argument(parser)


def _address(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text.strip().removeprefix("0x"), 16)
    except ValueError:
        raise UsageError(f"--icao24 {text!r} is not a hexadecimal address") from None
    if not 0 <= value <= 0xFFFFFF:
        raise UsageError(f"--icao24 {text!r} is outside 000000-FFFFFF")
    return value


def _utc(t: float) -> str:
    return "" if math.isnan(t) else f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M}"


def run(args: argparse.Namespace) -> int:
    icao24 = _address(args.icao24)
    paths = [Path(p) for p in args.files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"no such file: {p}")
    data_dir = resolve_data_dir(args.data_dir, create=True)
    console = Console(stderr=True)
    files: list[TrackFile] = []
    with Progress(console=console, transient=True, disable=args.json) as progress:
        task = progress.add_task("reading", total=len(paths))
        for p in paths:
            if is_export(p) and args.format is None:  # skytrace's own GeoJSON / KML export
                files.append(read_export(p, icao24))
            else:
                files.append(read_tracks(p, args.format, icao24))
            progress.advance(task)
    positions = np.concatenate([f.positions for f in files])
    positions = positions[np.argsort(positions["time_s"], kind="stable")]

    from skytrace.flights import detect_flights
    from skytrace.refdata import load_refdata
    from skytrace.store import Store

    refdata = load_refdata(data_dir)
    # what the files themselves say about their aircraft fills what the database lacks
    said: dict[int, FileIdentity] = {}
    for p, f in zip(paths, files, strict=True):
        if isinstance(f.format, TrackFormat):
            for address, ident in read_identities(p, f.format, icao24).items():
                said.setdefault(address, ident)
    identities = ImportedIdentities(refdata, said)
    with console.status("finding flights", spinner="dots"):
        flights, events = detect_flights(
            positions, airports=refdata.airports, areas=refdata.areas, identities=identities
        )
    store = Store.open(data_dir)
    try:
        store.write(positions, flights, events)
        if said:
            store.upsert_aircraft([identities.identify(a) for a in sorted(said)])
    finally:
        store.close()
    stored = store.counts()  # what the store took: refused and duplicate rows are not in it
    if args.json:
        summary = _summary(files, flights, len(events))
        summary["stored"] = dataclasses.asdict(stored)
        print(json.dumps(summary, indent=2))
        return 0
    out = output_console(markup=False)  # paths and reasons come from the files: plain text
    for f in files:
        dropped = [b for b in f.bad if not b.kept]
        out.print(
            f"{safe_text(f.path)}: {f.format.value}, {f.rows_read} rows, {len(f.positions)} "
            f"positions kept, {len(dropped)} bad rows dropped, "
            f"{len(f.bad) - len(dropped)} rows with unreadable optional values"
        )
        for b in f.bad[:SHOW_BAD]:
            out.print(safe_text(f"  line {b.line}: {b.reason}"), highlight=False)
        if len(f.bad) > SHOW_BAD:
            out.print(f"  … and {len(f.bad) - SHOW_BAD} more")
    out.print(
        f"stored {count(stored.positions_stored, 'position')} "
        f"({stored.positions_rejected} refused: time or place impossible; "
        f"{stored.positions_duplicate} already in the store), "
        f"{count(stored.events_stored, 'event')} ({stored.events_duplicate} already stored)"
    )
    table = Table(
        title=safe_text(
            f"{count(len(flights), 'flight')}, {count(stored.events_stored, 'event')} "
            f"written to {data_dir}"
        )
    )
    for col in ("flight", "from", "takeoff (UTC)", "to", "landing (UTC)"):
        table.add_column(col)
    for fl in flights:
        dep = fl.departure.icao if fl.departure and fl.departure.icao else "?"
        arr = fl.arrival.icao if fl.arrival and fl.arrival.icao else "?"
        if fl.departure and fl.departure.method == "inferred":
            dep += " (inferred)"
        if fl.arrival and fl.arrival.method == "inferred":
            arr += " (inferred)"
        table.add_row(fl.flight_id, dep, _utc(fl.takeoff_s), arr, _utc(fl.landing_s))
    out.print(table)
    return 0


def _summary(files: list[TrackFile], flights: list[Flight], n_events: int) -> dict[str, object]:
    return {
        "files": [
            {
                "path": str(f.path),
                "format": f.format.value,
                "rows": f.rows_read,
                "positions": len(f.positions),
                "bad": [{"line": b.line, "reason": b.reason, "kept": b.kept} for b in f.bad],
            }
            for f in files
        ],
        "flights": [
            {
                "flight_id": fl.flight_id,
                "from": fl.departure.icao if fl.departure else "",
                "to": fl.arrival.icao if fl.arrival else "",
                "takeoff_s": None if math.isnan(fl.takeoff_s) else fl.takeoff_s,
                "landing_s": None if math.isnan(fl.landing_s) else fl.landing_s,
            }
            for fl in flights
        ],
        "events": n_events,
    }
