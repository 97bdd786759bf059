"""``skytrace history AIRCRAFT``: every stored flight of an aircraft or callsign, oldest first.

AIRCRAFT is what ``skytrace.cli.lookup`` resolves: a hex address, a registration, a callsign
(``KOR151``, or a pattern ``KOR15?``) or a flight id (that flight's aircraft).
"""

from __future__ import annotations

import argparse

from skytrace.cli.flights import add_time_arguments, in_air, in_air_window
from skytrace.cli.lookup import data_end_s, find_flights, unknown_target
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import StoreError
from skytrace.store import open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    add_output_arguments,
    count,
    day_range,
    emit,
    flight_json,
    flight_row,
    flight_view,
)

__all__ = ["EPILOG", "HELP", "add_arguments", "run"]

HELP = "all flights of an aircraft"
EPILOG = """examples:
  skytrace history 7277cf
  skytrace history P-671
  skytrace history KOR151 --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "aircraft",
        help="hex address (7277cf), registration (P-671), callsign (KOR151) or flight id",
    )
    add_time_arguments(parser)
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    since, until = in_air_window(args)
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        flights = find_flights(reader, args.aircraft)
        if len(flights) == 1 and flights[0].flight_id == args.aircraft.strip().lower():
            flights = reader.history(flights[0].icao24)  # a flight id: that aircraft's flights
        if not flights:
            raise StoreError(unknown_target(reader, args.aircraft))
        end_of_data = data_end_s(reader)
    if args.date:
        start, end = day_range(args.date)
        flights = in_air(flights, start, end)
    flights = in_air(flights, since, until)
    emit(
        args,
        FLIGHT_COLUMNS,
        [flight_row(f, end_of_data) for f in flights],
        title=f"{args.aircraft}: {count(len(flights), 'flight')}",
        json_rows=[flight_json(f, end_of_data) for f in flights],
        view=flight_view(flights, end_of_data),
    )
    return 0
