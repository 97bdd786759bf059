"""``skytrace export FLIGHT|HEX --format csv|geojson|kml|parquet [--output FILE] [--force]``.

Columns and names follow traffic / OpenSky (timestamp, icao24, latitude, longitude, altitude
ft, groundspeed kt, track deg, vertical_rate ft/min, ...). GeoJSON holds one LineString of the
whole track (with the flight's summary as properties, when a flight was asked for) and one
Point per position; KML one Placemark with the track as a LineString at absolute altitude (m).
Without ``--output`` the export goes to stdout; an existing file is only replaced with
``--force``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from skytrace.cli.track import add_target_arguments, load_track
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.model import Flight
from skytrace.store import open_reader
from skytrace.store.present import POSITION_COLUMNS, flight_json, parse_hex, position_rows

__all__ = ["HELP", "add_arguments", "run"]

HELP = "export a flight or aircraft track as CSV, GeoJSON, KML or Parquet"
FT_TO_M = 0.3048


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--format", required=True, choices=("csv", "geojson", "kml", "parquet"), dest="fmt"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--force", action="store_true", help="replace an existing --output")
    add_data_dir_argument(parser)


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=POSITION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if v is None else v for k, v in r.items()})
    return buf.getvalue()


def _geojson(rows: list[dict[str, Any]], flight: Flight | None, name: str) -> str:
    coords = [[r["longitude"], r["latitude"]] for r in rows]
    props: dict[str, Any] = {"name": name, "positions": len(rows)}
    if flight is not None:
        props.update(flight_json(flight))
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
         "properties": props},
    ]  # fmt: skip
    features += [
        {"type": "Feature", "properties": r,
         "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]}}
        for r in rows
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"


def _kml(rows: list[dict[str, Any]], name: str) -> str:
    coords = " ".join(
        f"{r['longitude']},{r['latitude']},{(r['altitude'] or 0.0) * FT_TO_M:.0f}" for r in rows
    )
    start = rows[0]["timestamp"] if rows else ""
    end = rows[-1]["timestamp"] if rows else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n'
        f"<name>{escape(name)}</name>\n<Placemark><name>{escape(name)}</name>\n"
        f"<TimeSpan><begin>{start}</begin><end>{end}</end></TimeSpan>\n"
        "<LineString><altitudeMode>absolute</altitudeMode>\n"
        f"<coordinates>{coords}</coordinates></LineString></Placemark>\n</Document></kml>\n"
    )


def _parquet(positions: npt.NDArray[np.void]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from skytrace.store.positions import positions_to_table

    table = positions_to_table(positions)
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def run(args: argparse.Namespace) -> int:
    target = Path(args.output) if args.output else None
    if target is not None and target.exists() and not args.force:
        raise UsageError(f"{target} exists; add --force to replace it")
    if target is None and args.fmt == "parquet" and sys.stdout.isatty():
        raise UsageError("Parquet is binary: give --output FILE or redirect stdout")
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        positions = load_track(reader, args)
        flight = reader.flight(args.target) if parse_hex(args.target) is None else None
    rows = position_rows(positions)
    if args.fmt == "parquet":
        data = _parquet(positions)
    elif args.fmt == "csv":
        data = _csv(rows).encode()
    elif args.fmt == "geojson":
        data = _geojson(rows, flight, args.target).encode()
    else:
        data = _kml(rows, args.target).encode()
    if target is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        print(f"wrote {len(rows)} positions to {target}", file=sys.stderr)
    return 0
