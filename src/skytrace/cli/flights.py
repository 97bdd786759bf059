"""``skytrace flights``: list stored flights by date, airport, route, operator, type, aircraft.

``--from``/``--to`` are airports (ICAO or IATA); times are ``--date`` or ``--since``/
``--until`` (ISO 8601, UTC when no zone). Sorted by departure time (takeoff, else first seen).
"""

from __future__ import annotations

import argparse

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.store import FlightQuery, open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    add_output_arguments,
    emit,
    flight_json,
    flight_row,
    parse_hex,
    time_window,
)

__all__ = ["HELP", "add_arguments", "run"]

HELP = "list flights by date, airport, route, operator, type, aircraft"


def add_time_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="one UTC day")
    parser.add_argument("--since", metavar="TIME", help="from this time (ISO 8601 or date)")
    parser.add_argument("--until", metavar="TIME", help="until this time (exclusive)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_time_arguments(parser)
    parser.add_argument("--from", dest="origin", metavar="AIRPORT", help="departure airport")
    parser.add_argument("--to", dest="destination", metavar="AIRPORT", help="arrival airport")
    parser.add_argument("--route", metavar="FROM-TO", help="both airports, e.g. ZKPY-UHWW")
    parser.add_argument("--operator", help="ICAO operator designator (KOR) or part of its name")
    parser.add_argument("--type", dest="typecode", help="ICAO type designator, e.g. A148")
    parser.add_argument("--reg", dest="registration", help="registration, e.g. P-671")
    parser.add_argument("--hex", dest="icao24", help="ICAO 24-bit address, 6 hex digits")
    parser.add_argument("--callsign")
    parser.add_argument("--limit", type=int, default=None, help="at most this many flights")
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    start, end = time_window(args)
    origin, destination = args.origin, args.destination
    if args.route:
        parts = args.route.replace(">", "-").split("-")
        if len(parts) != 2 or not all(parts):
            raise UsageError(f"bad --route {args.route!r}: use FROM-TO, e.g. ZKPY-UHWW")
        origin, destination = parts
    icao24 = None
    if args.icao24:
        icao24 = parse_hex(args.icao24)
        if icao24 is None:
            raise UsageError(f"bad --hex {args.icao24!r}: want 6 hex digits, e.g. 7277cf")
    if args.limit is not None and args.limit <= 0:
        raise UsageError("--limit must be positive")
    query = FlightQuery(
        start_s=start,
        end_s=end,
        origin=origin,
        destination=destination,
        operator=args.operator,
        typecode=args.typecode,
        registration=args.registration,
        icao24=icao24,
        callsign=args.callsign,
        limit=args.limit,
    )
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        flights = reader.flights(query)
    emit(
        args,
        FLIGHT_COLUMNS,
        [flight_row(f) for f in flights],
        title=f"{len(flights)} flights",
        json_rows=[flight_json(f) for f in flights],
    )
    return 0
