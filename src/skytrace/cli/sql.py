"""``skytrace sql "SELECT …"``: read-only SQL over the store's tables.

Tables (views): positions, flights, events, aircraft, receivers (columns in docs/store.md).
Only one SELECT (or EXPLAIN) statement; no writes, no files outside the store, DuckDB's
temporary files in a private directory; ``--memory-limit`` and ``--timeout`` bound a query
(docs/security.md).
"""

from __future__ import annotations

import argparse
import math

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.store import open_reader
from skytrace.store.present import add_output_arguments, emit
from skytrace.store.reader import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT_S

__all__ = ["HELP", "add_arguments", "run"]

HELP = "read-only SQL over the history store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help='one SELECT statement, e.g. "SELECT count(*) FROM flights"')
    parser.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        metavar="SIZE",
        help=f"most memory the query may use, e.g. 512MB, 4GB (default {DEFAULT_MEMORY_LIMIT})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"stop the query after S seconds; 0 = no limit (default {DEFAULT_TIMEOUT_S:g})",
    )
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.timeout) and args.timeout >= 0):
        raise UsageError("--timeout must be a number of seconds >= 0")
    data_dir = resolve_data_dir(args.data_dir)
    with open_reader(data_dir, memory_limit=args.memory_limit, timeout_s=args.timeout) as reader:
        columns, rows = reader.sql(args.query)
    emit(args, columns, rows)
    return 0
