"""The history half of ``skytrace area``: aircraft and flights in an area during a time window.

``skytrace.cli.area`` (the point look-up ``--at LAT,LON``) owns the command; it calls
``add_history_arguments`` on its parser and ``run_history`` when ``--at`` is not given. The
area is one of ``--bbox S,W,N,E``, ``--polygon "lat lon, lat lon, ..."`` or ``--country CC``
(ISO alpha-2, tested point by point with the reference data's country outlines).
"""

from __future__ import annotations

import argparse

import numpy as np
import numpy.typing as npt

from skytrace.cli.flights import add_time_arguments
from skytrace.cli.lookup import data_end_s
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.store import PointFilter, open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    count,
    emit,
    flight_json,
    flight_row,
    flight_view,
    iso,
    time_window,
)

__all__ = ["add_history_arguments", "parse_bbox", "parse_polygon", "run_history"]

AIRCRAFT_COLUMNS = ("hex", "callsign", "first_seen", "last_seen", "positions",
                    "min_altitude_ft", "max_altitude_ft")  # fmt: skip


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    """--bbox/--polygon/--country, --date/--since/--until, --json/--csv and --data-dir."""
    parser.add_argument("--bbox", metavar="S,W,N,E", help="a box: south,west,north,east degrees")
    parser.add_argument("--polygon", metavar='"LAT LON, ..."', help="a polygon's vertices")
    parser.add_argument("--country", metavar="CC", help="ISO 3166 alpha-2 country, e.g. KP")
    add_time_arguments(parser, what="positions")
    have = {a.dest for a in parser._actions}  # area.py may already define some of these
    if "json" not in have:
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if "csv" not in have:
        parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    if "data_dir" not in have:
        add_data_dir_argument(parser)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise UsageError(f"bad --bbox {text!r}: want S,W,N,E in degrees") from None
    if len(values) != 4:
        raise UsageError(f"bad --bbox {text!r}: want 4 numbers S,W,N,E")
    return values[0], values[1], values[2], values[3]


def parse_polygon(text: str) -> list[tuple[float, float]]:
    vertices = []
    for part in text.split(","):
        bits = part.split()
        if len(bits) != 2:
            raise UsageError(f"bad --polygon vertex {part.strip()!r}: want 'LAT LON'")
        try:
            vertices.append((float(bits[0]), float(bits[1])))
        except ValueError:
            raise UsageError(f"bad --polygon vertex {part.strip()!r}: not numbers") from None
    return vertices


def _country_filter(code: str, data_dir: object) -> PointFilter:
    from skytrace.refdata import load_refdata

    cc = code.strip().upper()
    if len(cc) != 2 or not cc.isalpha():
        raise UsageError(f"bad --country {code!r}: want an ISO 3166 alpha-2 code, e.g. KP")
    areas = load_refdata(data_dir).areas  # type: ignore[arg-type]

    def contains(lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]) -> npt.ArrayLike:
        inside: npt.NDArray[np.bool_] = np.asarray(areas.countries_at(lats, lons) == cc)
        return inside

    return PointFilter(f"country {cc}", contains)


def run_history(args: argparse.Namespace) -> int:
    shapes = [v for v in (args.bbox, args.polygon, args.country) if v]
    if len(shapes) != 1:
        raise UsageError("give exactly one of --bbox, --polygon, --country (or --at LAT,LON)")
    start, end = time_window(args)
    if start is None or end is None:
        raise UsageError("give the time window with --date, or --since and --until")
    data_dir = resolve_data_dir(args.data_dir)
    shape: object
    if args.bbox:
        shape = parse_bbox(args.bbox)
    elif args.polygon:
        shape = parse_polygon(args.polygon)
    else:
        shape = _country_filter(args.country, data_dir)
    with open_reader(data_dir) as reader:
        aircraft, flights = reader.area(shape, start, end)
        end_of_data = data_end_s(reader)
    rows = [
        {"hex": a.hex, "callsign": a.callsign, "first_seen": iso(a.first_s),
         "last_seen": iso(a.last_s), "positions": a.n_positions,
         "min_altitude_ft": a.min_altitude_ft, "max_altitude_ft": a.max_altitude_ft}
        for a in aircraft
    ]  # fmt: skip
    if getattr(args, "json", False) and getattr(args, "csv", False):
        raise UsageError("give --json or --csv, not both")
    if getattr(args, "json", False):
        emit(
            args,
            (),
            [],
            json_rows={
                "aircraft": rows,
                "flights": [flight_json(f, end_of_data) for f in flights],
            },
        )
        return 0
    if getattr(args, "csv", False):
        emit(args, AIRCRAFT_COLUMNS, rows)
        return 0
    emit(args, AIRCRAFT_COLUMNS, rows, title=f"{len(rows):,} aircraft in the area")
    emit(
        args,
        FLIGHT_COLUMNS,
        [flight_row(f, end_of_data) for f in flights],
        title=count(len(flights), "flight"),
        view=flight_view(flights, end_of_data),
    )
    return 0
