"""``skytrace facts FLIGHT``: a stored flight in one sentence, with its evidence.

    skytrace facts 7277cf-20230912-0214 [--json] [--data-dir DIR]

Reads the flight, its positions and its events from the history store and hands them to
``skytrace.flights.facts.describe``; prints the sentence and an evidence table (rich), or the
same as JSON (the shape the API serves).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime

from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import SkytraceError
from skytrace.flights.facts import FlightFacts, stored_facts

__all__ = ["HELP", "add_arguments", "facts_for", "run"]

HELP = "state a flight in one sentence with its evidence"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flight", help="flight id, e.g. 7277cf-20230912-0214")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def _country_names(data_dir: object) -> Callable[[str], str] | None:
    try:
        from skytrace.refdata import load_refdata

        areas = load_refdata(data_dir).areas  # type: ignore[arg-type]
        return areas.country_name
    except (SkytraceError, ImportError, OSError):
        return None


def facts_for(data_dir: object, flight_id: str) -> FlightFacts:
    """Facts of a stored flight (StoreError when the store or the flight is unknown)."""
    from skytrace.store import open_reader

    name = _country_names(data_dir)

    def country(code: str) -> str:
        if name is None:
            return code
        try:
            return name(code) or code
        except SkytraceError:
            return code

    with open_reader(data_dir) as reader:  # type: ignore[arg-type]
        return stored_facts(reader, flight_id, country)


def run(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    facts = facts_for(data_dir, args.flight)
    if args.json:
        print(json.dumps(facts.to_dict(), indent=2, ensure_ascii=False))
        return 0
    console = output_console()
    console.print(f"[bold]{facts.flight_id}[/bold]")
    console.print(facts.sentence, highlight=False)
    table = Table(title="evidence", show_lines=False)
    for col in ("topic", "time (UTC)", "what was seen", "source"):
        table.add_column(col)
    for e in facts.evidence:
        when = "" if math.isnan(e.time_s) else f"{datetime.fromtimestamp(e.time_s, UTC):%H:%M:%S}"
        table.add_row(e.topic, when, e.text, e.source)
    console.print(table)
    return 0
