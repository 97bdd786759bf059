"""``skytrace board AIRPORT [--date D]``: departures and arrivals of an airport from the store.

Without ``--date`` (or ``--since``/``--until``) the board shows the latest day the store holds
a flight of that airport, and says so. An airport neither the reference data nor the store
knows is an error, not an empty board.
"""

from __future__ import annotations

import argparse
import math
import sys

from skytrace.cli.flights import add_time_arguments, in_air_window
from skytrace.cli.lookup import check_airport, data_end_s
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.model import Flight
from skytrace.store import StoreReader, open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    add_output_arguments,
    count,
    day_range,
    emit,
    flight_json,
    flight_row,
    flight_view,
    iso,
)

__all__ = ["EPILOG", "HELP", "add_arguments", "run"]

HELP = "departures and arrivals of an airport"
EPILOG = """examples:
  skytrace board UHWW --date 2023-09-12
  skytrace board VVO
  skytrace board ZKPY --csv
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("airport", help="ICAO or IATA code, e.g. UHWW or VVO")
    add_time_arguments(parser, what="takeoffs and landings")
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def _latest_day(reader: StoreReader, icao: str) -> str | None:
    """The latest UTC day (YYYY-MM-DD) with a takeoff or landing at ``icao``."""
    quoted = "'" + icao.replace("'", "''") + "'"
    _, rows = reader.sql(
        "SELECT max(greatest(CASE WHEN origin_icao = " + quoted + " THEN departure_s END, "
        "CASE WHEN destination_icao = " + quoted + " THEN arrival_s END)) FROM flights"
    )
    latest = rows[0][0] if rows else None
    return None if latest is None else iso(float(latest))[:10]


def run(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    since, until = in_air_window(args)
    with open_reader(data_dir) as reader:
        icao = check_airport(reader, args.airport, data_dir)
        day = args.date
        if day is None and not (args.since or args.until):
            day = _latest_day(reader, icao)
            if day is not None and not (args.json or args.csv):
                print(f"{icao}: the latest day with flights in the store, {day}", file=sys.stderr)
        start, end = day_range(day) if day else (-math.inf, math.inf)
        start, end = max(start, since), min(end, until)
        if end <= start:
            raise UsageError("the time window is empty: --until must be after --since and the date")
        departures: list[Flight] = []
        arrivals: list[Flight] = []
        if day or args.since or args.until:
            # An open end of the window reaches past any stored time.
            departures, arrivals = reader.board(
                icao, start if math.isfinite(start) else 0.0, end if math.isfinite(end) else 1e12
            )
        end_of_data = data_end_s(reader)
    if args.json:
        emit(
            args,
            (),
            [],
            json_rows={
                "airport": icao,
                "start": iso(start) or None,
                "end": iso(end) or None,
                "departures": [flight_json(f, end_of_data) for f in departures],
                "arrivals": [flight_json(f, end_of_data) for f in arrivals],
            },
        )
        return 0
    if args.csv:
        rows = [{"board": "departure", **flight_row(f, end_of_data)} for f in departures]
        rows += [{"board": "arrival", **flight_row(f, end_of_data)} for f in arrivals]
        emit(args, ("board", *FLIGHT_COLUMNS), rows)
        return 0
    window = day or f"{iso(start) or 'the start'} to {iso(end) or 'the end'}"
    for what, flights in (("departures", departures), ("arrivals", arrivals)):
        title = f"{icao} {what}, {window}: {count(len(flights), 'flight')}"
        _board_table(args, flights, title, end_of_data)
    return 0


def _board_table(
    args: argparse.Namespace, flights: list[Flight], title: str, end_of_data: float | None
) -> None:
    rows = [flight_row(f, end_of_data) for f in flights]
    emit(args, FLIGHT_COLUMNS, rows, title=title, view=flight_view(flights, end_of_data))
