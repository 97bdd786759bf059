"""``skytrace sql "SELECT …"``: read-only SQL over the store's tables.

Tables (views): positions, flights, events, aircraft, receivers (columns in docs/store.md).
Only one SELECT (or EXPLAIN) statement; no writes, no files outside the data directory.
"""

from __future__ import annotations

import argparse

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.store import open_reader
from skytrace.store.present import add_output_arguments, emit

__all__ = ["HELP", "add_arguments", "run"]

HELP = "read-only SQL over the history store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help='one SELECT statement, e.g. "SELECT count(*) FROM flights"')
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    with open_reader(resolve_data_dir(args.data_dir)) as reader:
        columns, rows = reader.sql(args.query)
    emit(args, columns, rows)
    return 0
