"""``skytrace aircraft HEX|REGISTRATION``: who an aircraft is.

    skytrace aircraft 7277CF [--callsign KOR151] [--json] [--data-dir DIR]

Prints registration, type, description, class, wake category, country of registration (from
the ICAO address block), operator with the source it came from, and flags. Where the reference
data does not say, the history store does: the callsigns the aircraft flew under in stored
flights name its operator (KOR151 -> Air Koryo), and the identity recorded with its flights
fills registration and type; the sightings (flights, callsigns, last seen) are listed too.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import StoreError, UsageError
from skytrace.model import AircraftIdentity, Flight
from skytrace.refdata.operators import designator_of_callsign

__all__ = ["HELP", "add_arguments", "run"]

HELP = "who an aircraft is: registration, type, operator, country"
_HEX = re.compile(r"^(0x)?[0-9A-Fa-f]{6}$")
_SOURCE_WORDS = {"callsign": "callsign", "aircraft-db": "aircraft database"}
_CALLSIGNS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Sightings:
    """What the history store saw of one aircraft."""

    flights: int
    callsigns: tuple[str, ...]  # latest first, each once
    first_seen_s: float
    last_seen_s: float


def _stored_flights(data_dir: Path, icao24: int) -> list[Flight]:
    """The aircraft's stored flights, latest first ([] without a store)."""
    try:
        from skytrace.store import open_reader

        reader = open_reader(data_dir)
    except (ImportError, StoreError):
        return []
    try:
        flights = reader.history(icao24)
    finally:
        reader.close()
    return sorted(flights, key=lambda f: f.last_seen_s, reverse=True)


def _sightings(flights: list[Flight]) -> Sightings | None:
    if not flights:
        return None
    callsigns = dict.fromkeys(c for f in flights for c in f.callsigns if c.strip())
    return Sightings(
        flights=len(flights),
        callsigns=tuple(callsigns),
        first_seen_s=min(f.first_seen_s for f in flights),
        last_seen_s=max(f.last_seen_s for f in flights),
    )


def _from_history(
    refdata: Any, identity: AircraftIdentity, flights: list[Flight]
) -> AircraftIdentity:
    """Fill what the reference data left unknown from the stored flights (latest first)."""
    out = identity
    if not out.operator_icao:
        for f in flights:
            for callsign in f.callsigns:
                got = refdata.identify(identity.icao24, callsign)
                icao = got.operator_icao or designator_of_callsign(callsign)
                name = got.operator_name or (f.operator_name if f.operator_icao == icao else "")
                if icao:
                    out = replace(
                        out,
                        operator_icao=icao,
                        operator_name=name,
                        operator_source=f"callsign {callsign} in stored flights",
                    )
                    break
            if out.operator_icao:
                break
        else:
            done = next((f for f in flights if f.operator_icao), None)
            if done is not None:
                out = replace(
                    out,
                    operator_icao=done.operator_icao,
                    operator_name=done.operator_name,
                    operator_source="stored flights",
                )
    if not out.registration:
        reg = next((f.registration for f in flights if f.registration), "")
        out = replace(out, registration=reg)
    if not out.typecode:
        typed = next((f for f in flights if f.typecode), None)
        if typed is not None:
            out = replace(out, typecode=typed.typecode, type_description=typed.type_description)
    return out


def _utc(time_s: float) -> str:
    return f"{datetime.fromtimestamp(time_s, UTC):%Y-%m-%d %H:%M} UTC"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("aircraft", help="24-bit address in hex (7277CF) or a registration")
    parser.add_argument("--callsign", default="", help="callsign heard, to name the operator")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    from skytrace.refdata import load_refdata

    data_dir = resolve_data_dir(args.data_dir)
    refdata = load_refdata(data_dir)
    text = args.aircraft.strip()
    notes: list[str] = []
    if _HEX.match(text):
        icao24 = int(text[-6:], 16)
    else:
        table = refdata.aircraft
        if table is None:
            raise UsageError(
                f"{text!r} is not a 6-digit hex address, and no aircraft database is imported "
                "to look up registrations (skytrace refdata import FILE --kind aircraft)"
            )
        row = table.find_registration(text)
        if row is None:
            raise UsageError(f"no aircraft with registration {text!r} in the aircraft database")
        icao24 = row.icao24
    identity = refdata.identify(icao24, args.callsign)
    flights = _stored_flights(data_dir, icao24)
    seen = _sightings(flights)
    if flights:
        identity = _from_history(refdata, identity, flights)
    if refdata.aircraft is None:
        if not identity.registration:
            notes.append(
                "no aircraft database imported: registration and type unknown "
                "(skytrace refdata import aircraft.csv.gz --kind aircraft)"
            )
    elif not refdata.aircraft.get(icao24):
        notes.append(f"{icao24:06X} is not in the aircraft database")
    if args.callsign and refdata.operators is None:
        notes.append("no operator table imported: the callsign cannot name the operator")
    if args.json:
        record = asdict(identity)
        record["hex"] = f"{icao24:06X}"
        record["seen"] = asdict(seen) if seen is not None else None
        record["notes"] = notes
        print(json.dumps(record, indent=2))
        return 0
    console = output_console()
    table_out = Table(title=f"aircraft {icao24:06X}", show_header=False)
    table_out.add_column("field", style="bold")
    table_out.add_column("value")
    flags = [name for name in ("military", "interesting", "pia", "ladd") if getattr(identity, name)]
    operator = identity.operator_name or identity.operator_icao
    if identity.operator_icao and identity.operator_name:
        operator = f"{identity.operator_name} ({identity.operator_icao})"
    source_words = _SOURCE_WORDS.get(identity.operator_source, identity.operator_source)
    rows = [
        ("registration", identity.registration),
        ("type", " ".join(x for x in (identity.typecode, identity.type_description) if x)),
        ("class / wake", " / ".join(x for x in (identity.type_class, identity.wake_category) if x)),
        ("country", identity.country),
        (
            "operator",
            f"{operator}, from the {source_words}" if operator else "unknown",
        ),
        ("flags", ", ".join(flags)),
    ]
    if seen is not None:
        shown = ", ".join(seen.callsigns[:_CALLSIGNS_SHOWN])
        more = len(seen.callsigns) - _CALLSIGNS_SHOWN
        rows.append(("seen as", shown + (f" and {more} more" if more > 0 else "")))
        flights_word = "flight" if seen.flights == 1 else "flights"
        rows.append(
            (
                "stored",
                f"{seen.flights} {flights_word}, {_utc(seen.first_seen_s)} to "
                f"{_utc(seen.last_seen_s)}",
            )
        )
    for name, value in rows:
        table_out.add_row(name, escape(value or "-"))
    console.print(table_out)
    for note in notes:
        console.print(f"note: {note}")
    return 0
