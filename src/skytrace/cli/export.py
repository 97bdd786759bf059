"""``skytrace export FLIGHT|HEX --format csv|geojson|kml|parquet [--output FILE] [--force]``.

The formats themselves are skytrace.outputs.export's (shared with the HTTP API). Without
``--output`` the export goes to stdout; an existing file is only replaced with ``--force``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from skytrace.cli.track import add_target_arguments, load_track
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.outputs.export import EXPORT_FORMATS, export_track
from skytrace.store import open_reader
from skytrace.store.present import parse_hex

__all__ = ["HELP", "add_arguments", "run"]

HELP = "export a flight or aircraft track as CSV, GeoJSON, KML or Parquet"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--format", required=True, choices=EXPORT_FORMATS, dest="fmt")
    parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--force", action="store_true", help="replace an existing --output")
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    target = Path(args.output) if args.output else None
    if target is not None and target.exists() and not args.force:
        raise UsageError(f"{target} exists; add --force to replace it")
    if target is None and args.fmt == "parquet" and sys.stdout.isatty():
        raise UsageError("Parquet is binary: give --output FILE or redirect stdout")
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        positions = load_track(reader, args)
        flight = reader.flight(args.target) if parse_hex(args.target) is None else None
    data = export_track(positions, args.fmt, args.target, flight)
    if target is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        print(f"wrote {len(positions)} positions to {target}", file=sys.stderr)
    return 0
