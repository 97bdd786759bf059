"""``skytrace history HEX|REG``: every stored flight of one aircraft, oldest first."""

from __future__ import annotations

import argparse

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.store import open_reader
from skytrace.store.present import (
    FLIGHT_COLUMNS,
    add_output_arguments,
    emit,
    flight_json,
    flight_row,
    parse_hex,
)

__all__ = ["HELP", "add_arguments", "run"]

HELP = "all flights of an aircraft"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("aircraft", help="ICAO address (6 hex digits) or registration")
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    icao24 = parse_hex(args.aircraft)
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        flights = reader.history(icao24 if icao24 is not None else args.aircraft)
        if icao24 is not None and not flights:
            flights = reader.history(args.aircraft)  # a registration that looks like hex
    emit(
        args,
        FLIGHT_COLUMNS,
        [flight_row(f) for f in flights],
        title=f"{args.aircraft}: {len(flights)} flights",
        json_rows=[flight_json(f) for f in flights],
    )
    return 0
