"""``skytrace track TARGET [--time T | --date D | --since T --until T]``: stored positions.

TARGET is a flight id (any case), a hex address, a registration or a callsign
(``skytrace.cli.lookup``). Without a time it means the latest flight it names, and the command
says which on stderr. A hex address with ``--date``/``--since``/``--until`` gives every
position of the aircraft in that window (flights or not); other targets give the latest of
their flights in the window, cut to it. ``--time`` picks the one position nearest that time
(within 10 minutes). ``--until`` is exclusive, as everywhere.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skytrace.cli.flights import add_time_arguments
from skytrace.cli.lookup import latest_flight
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.model import Flight
from skytrace.store import StoreReader, open_reader
from skytrace.store.present import (
    POSITION_COLUMNS,
    add_output_arguments,
    count,
    emit,
    parse_hex,
    parse_time,
    position_rows,
    position_view,
    time_window,
)

__all__ = ["EPILOG", "HELP", "Selection", "add_arguments", "add_target_arguments", "run", "select"]

HELP = "positions of a flight or an aircraft"
EPILOG = """examples:
  skytrace track 7277cf-20230912-0213
  skytrace track KOR151 --csv
  skytrace track 7277cf --time 2023-09-12T03:00Z
  skytrace track 7277cf --since 2023-09-12T03:00Z --until 2023-09-12T03:10Z
"""
TIME_TOLERANCE_S = 600.0


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        help="flight id (7277cf-20230912-0213), hex address (7277cf), registration (P-671) "
        "or callsign (KOR151); alone it means the latest flight",
    )
    parser.add_argument("--time", metavar="TIME", help="the one position nearest this time")
    add_time_arguments(parser, what="positions")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    add_output_arguments(parser)
    add_data_dir_argument(parser)


@dataclass(frozen=True, slots=True)
class Selection:
    """The positions a target and its time options select, and the flight if there is one."""

    positions: npt.NDArray[np.void]
    flight: Flight | None
    note: str  # what was chosen, for stderr ("" when the target named it exactly)


def _window(args: argparse.Namespace) -> tuple[float | None, float | None, float | None]:
    """(start, end (exclusive), point time) from --date/--since/--until/--time."""
    if args.time and (args.date or args.since or args.until):
        raise UsageError("give either --time or a window (--date, --since, --until), not both")
    start, end = time_window(args)
    at = parse_time(args.time, what="--time") if args.time else None
    if at is not None:
        start, end = at - TIME_TOLERANCE_S, at + TIME_TOLERANCE_S
    return start, end, at


def select(reader: StoreReader, args: argparse.Namespace) -> Selection:
    """The positions that ``target`` and the time options select (see the module docstring)."""
    start, end, at = _window(args)
    icao24 = parse_hex(args.target)
    flight: Flight | None = None
    note = ""
    if icao24 is not None and start is not None and end is not None:
        rows = reader.positions(icao24, start, end)
    else:
        flight, n = latest_flight(reader, args.target, start, end)
        if flight.flight_id != args.target.strip().lower():
            which = "the latest of " + count(n, "flight") if n > 1 else "its flight"
            note = f"{args.target}: {which}, {flight.flight_id}"
        lo = flight.first_seen_s if start is None else max(flight.first_seen_s, start)
        hi = flight.last_seen_s if end is None else min(flight.last_seen_s, end)
        rows = reader.positions(flight.icao24, lo, hi)
    if end is not None and at is None:
        rows = rows[rows["time_s"] < end]  # --until is exclusive
    if at is not None and len(rows):
        rows = rows[[int(np.argmin(np.abs(rows["time_s"] - at)))]]
    return Selection(rows, flight, note)


def run(args: argparse.Namespace) -> int:
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        chosen = select(reader, args)
    if chosen.note:
        print(chosen.note, file=sys.stderr)  # stderr: --csv / --json output stays clean
    out = position_rows(chosen.positions)
    name = chosen.flight.flight_id if chosen.flight is not None else args.target
    emit(
        args,
        POSITION_COLUMNS,
        out,
        title=f"{name}: {count(len(out), 'position')}",
        json_rows=out,
        view=position_view(out),
    )
    return 0
