"""``skytrace track FLIGHT|HEX [--at T | --since T --until T]``: stored positions.

A flight id (``7277cf-20230912-0214``) gives that flight's positions; a hex address needs a
time (``--at`` picks the position nearest to it within 10 minutes, ``--since``/``--until``
a window).
"""

from __future__ import annotations

import argparse

import numpy as np
import numpy.typing as npt

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.store import StoreReader, open_reader
from skytrace.store.present import (
    POSITION_COLUMNS,
    add_output_arguments,
    emit,
    parse_hex,
    parse_time,
    position_rows,
)

__all__ = ["HELP", "add_arguments", "load_track", "run"]

HELP = "positions of a flight or an aircraft"
AT_TOLERANCE_S = 600.0


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="flight id (e.g. 7277cf-20230912-0214) or hex address")
    parser.add_argument("--at", metavar="TIME", help="the one position nearest this time")
    parser.add_argument("--since", metavar="TIME", help="from this time (ISO 8601 or date)")
    parser.add_argument("--until", metavar="TIME", help="until this time (inclusive)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def load_track(reader: StoreReader, args: argparse.Namespace) -> npt.NDArray[np.void]:
    """The positions that ``target`` / ``--at`` / ``--since`` / ``--until`` select."""
    if args.at and (args.since or args.until):
        raise UsageError("give either --at or --since/--until, not both")
    since = parse_time(args.since, what="--since time") if args.since else None
    until = parse_time(args.until, what="--until time") if args.until else None
    at = parse_time(args.at, what="--at time") if args.at else None
    if since is not None and until is not None and until < since:
        raise UsageError("--until must not be before --since")
    icao24 = parse_hex(args.target)
    if icao24 is None:
        flight = reader.flight(args.target)
        icao24, start, end = flight.icao24, flight.first_seen_s, flight.last_seen_s
        start = max(start, since) if since is not None else start
        end = min(end, until) if until is not None else end
    elif at is not None:
        start, end = at - AT_TOLERANCE_S, at + AT_TOLERANCE_S
    elif since is not None and until is not None:
        start, end = since, until
    else:
        raise UsageError("for an aircraft address give --at TIME or both --since and --until")
    if at is not None:
        start, end = max(start, at - AT_TOLERANCE_S), min(end, at + AT_TOLERANCE_S)
    rows = reader.positions(icao24, start, end) if end >= start else reader.positions(0, 0, -1)
    if at is not None and len(rows):
        rows = rows[[int(np.argmin(np.abs(rows["time_s"] - at)))]]
    return rows


def run(args: argparse.Namespace) -> int:
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        rows = load_track(reader, args)
    out = position_rows(rows)
    emit(args, POSITION_COLUMNS, out, title=f"{args.target}: {len(out)} positions", json_rows=out)
    return 0
