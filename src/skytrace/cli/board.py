"""``skytrace board AIRPORT --date D``: departures and arrivals of an airport from the store."""

from __future__ import annotations

import argparse
import time

from skytrace.cli.flights import add_time_arguments
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.store import open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    add_output_arguments,
    day_range,
    emit,
    flight_json,
    flight_row,
    iso,
    time_window,
)

__all__ = ["HELP", "add_arguments", "run"]

HELP = "departures and arrivals of an airport"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("airport", help="ICAO or IATA code, e.g. ZKPY or FNJ")
    add_time_arguments(parser)
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    start, end = time_window(args)
    if start is None and end is None:
        start, end = day_range(time.strftime("%Y-%m-%d", time.gmtime()))  # today, UTC
    start = start if start is not None else 0.0
    end = end if end is not None else start + 86_400.0
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        departures, arrivals = reader.board(args.airport, start, end)
    code = args.airport.upper()
    if args.json:
        emit(
            args,
            (),
            [],
            json_rows={
                "airport": code,
                "start": iso(start),
                "end": iso(end),
                "departures": [flight_json(f) for f in departures],
                "arrivals": [flight_json(f) for f in arrivals],
            },
        )
        return 0
    if args.csv:
        rows = [{"board": "departure", **flight_row(f)} for f in departures]
        rows += [{"board": "arrival", **flight_row(f)} for f in arrivals]
        emit(args, ("board", *FLIGHT_COLUMNS), rows)
        return 0
    window = f"{iso(start)} to {iso(end)}"
    emit(args, FLIGHT_COLUMNS, [flight_row(f) for f in departures],
         title=f"{code} departures, {window}")  # fmt: skip
    emit(args, FLIGHT_COLUMNS, [flight_row(f) for f in arrivals],
         title=f"{code} arrivals, {window}")  # fmt: skip
    return 0
