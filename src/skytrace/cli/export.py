"""``skytrace export TARGET [-o FILE|-] [--format csv|geojson|kml|parquet] [--force]``.

TARGET and the time options are ``skytrace track``'s (a flight id, hex, registration or
callsign; alone, the latest flight). The format comes from ``--format`` or the output's
suffix (``-o p671.kml``); ``-o -`` or no ``-o`` writes to stdout. Only regular files are
written, in a directory that exists: an existing file (or a dangling link) is replaced only
with ``--force``, a FIFO, device or directory never; a failed write leaves nothing behind.
The formats themselves are skytrace.outputs.export's (shared with the HTTP API).
"""

from __future__ import annotations

import argparse
import math
import os
import stat
import sys
from pathlib import Path

from skytrace.cli.track import add_target_arguments, select
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import SkytraceError, UsageError
from skytrace.model import Flight
from skytrace.outputs.export import EXPORT_FORMATS, ExportFormat, export_track, format_of
from skytrace.store import open_reader
from skytrace.store.present import count

__all__ = ["EPILOG", "HELP", "add_arguments", "run"]

HELP = "export a flight or aircraft track as CSV, GeoJSON, KML or Parquet"
EPILOG = """examples:
  skytrace export 7277cf-20230912-0213 --output p671.kml
  skytrace export KOR151 --format csv > kor151.csv
  skytrace export P-671 -o track.geojson --force
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--format", choices=EXPORT_FORMATS, dest="fmt", help="default: from the --output suffix"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write here ('-': stdout)")
    parser.add_argument("--force", action="store_true", help="replace an existing --output")
    add_data_dir_argument(parser)


def _format(args: argparse.Namespace, target: Path | None) -> ExportFormat:
    if args.fmt:
        return args.fmt  # type: ignore[no-any-return]
    named = format_of(target.name) if target is not None else None
    if named is None:
        where = f"the name {target.name!r} does not say it" if target else "no --output given"
        raise UsageError(
            f"give --format ({', '.join(EXPORT_FORMATS)}): {where} (.csv, .geojson, .kml, .parquet)"
        )
    return named


def _check_target(target: Path, force: bool) -> None:
    """Refuse what is not (or would not be) a regular file in an existing directory."""
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent} is not an existing directory")
    try:
        st = target.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) and not target.exists():
        kind = "a dangling symbolic link"
    elif stat.S_ISREG(target.stat().st_mode):
        kind = "a file"
    else:
        raise UsageError(f"{target} is not a regular file: export writes regular files only")
    if not force:
        raise UsageError(f"{target} exists ({kind}); add --force to replace it")


def _field_elevations(flight: Flight | None, data_dir: Path | None) -> tuple[float, float]:
    """(departure, arrival) airport elevations in ft for the KML's heights (NaN unknown)."""
    if flight is None:
        return math.nan, math.nan
    from skytrace.refdata import load_refdata

    airports = load_refdata(data_dir).airports
    out = []
    for call in (flight.departure, flight.arrival):
        try:
            out.append(airports.get(call.icao).elevation_ft if call and call.icao else math.nan)
        except SkytraceError:
            out.append(math.nan)
    return out[0], out[1]


def _write(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc


def run(args: argparse.Namespace) -> int:
    target = Path(args.output) if args.output and args.output != "-" else None
    fmt = _format(args, target)
    if target is not None:
        _check_target(target, args.force)
    elif fmt == "parquet" and sys.stdout.isatty():
        raise UsageError("Parquet is binary: give --output FILE or redirect stdout")
    data_dir = resolve_data_dir(args.data_dir)
    with open_reader(data_dir) as reader:
        chosen = select(reader, args)
    if chosen.note:
        print(chosen.note, file=sys.stderr)
    name = chosen.flight.flight_id if chosen.flight is not None else args.target
    fields_ft = _field_elevations(chosen.flight, data_dir) if fmt == "kml" else (math.nan, math.nan)
    data = export_track(chosen.positions, fmt, name, chosen.flight, field_elevations_ft=fields_ft)
    if target is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        _write(target, data)
        print(f"wrote {count(len(chosen.positions), 'position')} to {target}", file=sys.stderr)
    return 0
