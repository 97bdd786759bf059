"""``skytrace facts FLIGHT``: a stored flight in one sentence, with its evidence.

    skytrace facts 7277cf-20230912-0213 | 7277cf | P-671 | KOR151 [--json] [--data-dir DIR]

Reads the flight, its positions and its events from the history store and hands them to
``skytrace.flights.facts.describe``; prints the sentence and an evidence table (rich), or the
same as JSON (the shape the API serves). A hex, registration or callsign means the latest
flight it names (``skytrace.cli.lookup``). Text from the data prints as text, never as markup
or terminal control sequences.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text

from skytrace.cli.console import output_console
from skytrace.cli.lookup import latest_flight
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import SkytraceError
from skytrace.flights.facts import FlightFacts, stored_facts
from skytrace.store.present import plain, safe_text

__all__ = ["EPILOG", "HELP", "add_arguments", "facts_for", "run"]

HELP = "state a flight in one sentence with its evidence"
EPILOG = """examples:
  skytrace facts 7277cf-20230912-0213
  skytrace facts KOR151 --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "flight",
        help="flight id (7277cf-20230912-0213), or a hex, registration or callsign (its latest "
        "flight)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def _country_names(data_dir: object) -> Callable[[str], str] | None:
    try:
        from skytrace.refdata import load_refdata

        areas = load_refdata(data_dir).areas  # type: ignore[arg-type]
        return areas.country_name
    except (SkytraceError, ImportError, OSError):
        return None


def _airport_cities(data_dir: object) -> Callable[[str], str] | None:
    """ICAO code -> the airport's city from the reference data ("" when unknown)."""
    try:
        from skytrace.refdata import load_refdata

        airports = load_refdata(data_dir).airports  # type: ignore[arg-type]
    except (SkytraceError, ImportError, OSError):
        return None

    def city(icao: str) -> str:
        try:
            return airports.get(icao).city
        except SkytraceError:
            return ""

    return city


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
        flight, _ = latest_flight(reader, flight_id)
        return stored_facts(reader, flight.flight_id, country, _airport_cities(data_dir))


def run(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    facts = facts_for(data_dir, args.flight)
    if args.json:
        print(json.dumps(facts.to_dict(), indent=2, ensure_ascii=False))
        return 0
    console = output_console(highlight=False)
    console.print(Text(safe_text(facts.flight_id), style="bold"))
    console.print(plain(facts.sentence))
    table = Table(title="evidence", show_lines=False)
    for col in ("topic", "time (UTC)", "what was seen", "source"):
        table.add_column(col, no_wrap=col == "time (UTC)")
    for e in facts.evidence:
        when = "" if math.isnan(e.time_s) else f"{datetime.fromtimestamp(e.time_s, UTC):%H:%M:%S}"
        table.add_row(plain(e.topic), when, plain(e.text), plain(e.source))
    console.print(table)
    return 0
