"""``skytrace flights``: list stored flights by date, airport, route, operator, type, aircraft.

``--from``/``--to`` are airports (ICAO or IATA); times are ``--date`` or ``--since``/
``--until`` (ISO 8601, UTC when no zone), which select the flights in the air during that
window (from first sight to last sight). Sorted by departure time (takeoff, else first seen).
``--operator`` is the exact ICAO designator; ``--operator-name`` searches the names.
"""

from __future__ import annotations

import argparse
import math

from skytrace.cli.lookup import check_airport, data_end_s
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.model import Flight
from skytrace.store import FlightQuery, open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    add_output_arguments,
    count,
    day_range,
    emit,
    flight_json,
    flight_row,
    flight_view,
    parse_hex,
    parse_time,
)

__all__ = ["EPILOG", "HELP", "add_arguments", "add_time_arguments", "in_air", "run"]

HELP = "list flights by date, airport, route, operator, type, aircraft"


EPILOG = """examples:
  skytrace flights --date 2023-09-12
  skytrace flights --operator KOR --from ZKPY --to UHWW --date 2023-09-12
  skytrace flights --operator-name korea
  skytrace flights --callsign 'KOR15?' --csv
  skytrace flights --route FNJ-VVO --json
"""


def add_time_arguments(parser: argparse.ArgumentParser, *, what: str = "in the air") -> None:
    """--date, --since and --until, meaning the same in every command that takes them
    (``what`` says what they select, for the help)."""
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="one UTC day")
    parser.add_argument(
        "--since", metavar="TIME", help=f"{what} at or after this time (ISO 8601 or date)"
    )
    parser.add_argument(
        "--until", metavar="TIME", help=f"{what} before this time (exclusive; ISO 8601 or date)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_time_arguments(parser)
    parser.add_argument("--from", dest="origin", metavar="AIRPORT", help="departure airport")
    parser.add_argument("--to", dest="destination", metavar="AIRPORT", help="arrival airport")
    parser.add_argument("--route", metavar="FROM-TO", help="both airports, e.g. ZKPY-UHWW")
    parser.add_argument("--operator", help="ICAO operator designator, exactly (KOR)")
    parser.add_argument(
        "--operator-name", metavar="TEXT", help="part of the operator's name (korea, air koryo)"
    )
    parser.add_argument("--type", dest="typecode", help="ICAO type designator, e.g. A148")
    parser.add_argument("--reg", dest="registration", help="registration, e.g. P-671")
    parser.add_argument(
        "--hex", dest="icao24", metavar="HEX", help="ICAO 24-bit address, 6 hex digits"
    )
    parser.add_argument(
        "--callsign", help="a callsign, or a pattern with * and ? (KOR*, KOR15?); any case"
    )
    parser.add_argument("--limit", type=int, default=None, help="at most this many flights")
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def in_air_window(args: argparse.Namespace) -> tuple[float, float]:
    """[since, until) from ``--since``/``--until`` (open ends as -inf/+inf)."""
    since = parse_time(args.since, what="--since time") if args.since else -math.inf
    until = parse_time(args.until, what="--until time") if args.until else math.inf
    if until <= since:
        raise UsageError("--until must be after --since")
    return since, until


def in_air(flights: list[Flight], since: float, until: float) -> list[Flight]:
    """The flights seen in the air at some time in [since, until)."""
    return [f for f in flights if f.last_seen_s >= since and f.first_seen_s < until]


def run(args: argparse.Namespace) -> int:
    start, end = day_range(args.date) if args.date else (None, None)
    since, until = in_air_window(args)
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
    windowed = args.since or args.until
    query = FlightQuery(
        start_s=start,
        end_s=end,
        origin=origin,
        destination=destination,
        operator=args.operator,
        operator_name=args.operator_name,
        typecode=args.typecode,
        registration=args.registration,
        icao24=icao24,
        callsign=args.callsign,
        limit=None if windowed else args.limit,
    )
    data_dir = resolve_data_dir(args.data_dir)
    with open_reader(data_dir) as reader:
        for code in (origin, destination):
            if code:
                check_airport(reader, code, data_dir)
        flights = reader.flights(query)
        end_of_data = data_end_s(reader)
    if windowed:
        flights = in_air(flights, since, until)[: args.limit]
    emit(
        args,
        FLIGHT_COLUMNS,
        [flight_row(f, end_of_data) for f in flights],
        title=count(len(flights), "flight"),
        json_rows=[flight_json(f, end_of_data) for f in flights],
        view=flight_view(flights, end_of_data),
    )
    return 0
