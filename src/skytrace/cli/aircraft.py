"""``skytrace aircraft HEX|REGISTRATION``: who an aircraft is.

    skytrace aircraft 7277CF [--callsign KOR151] [--json] [--data-dir DIR]

Prints registration, type, description, class, wake category, country of registration (from
the ICAO address block), operator with the source it came from, and flags.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import asdict

from rich.markup import escape
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError

__all__ = ["HELP", "add_arguments", "run"]

HELP = "who an aircraft is: registration, type, operator, country"
_HEX = re.compile(r"^(0x)?[0-9A-Fa-f]{6}$")
_SOURCE_WORDS = {"callsign": "callsign", "aircraft-db": "aircraft database"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("aircraft", help="24-bit address in hex (7277CF) or a registration")
    parser.add_argument("--callsign", default="", help="callsign heard, to name the operator")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    from skytrace.refdata import load_refdata

    refdata = load_refdata(resolve_data_dir(args.data_dir))
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
    if refdata.aircraft is None:
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
    for name, value in rows:
        table_out.add_row(name, escape(value or "-"))
    console.print(table_out)
    for note in notes:
        console.print(f"note: {note}")
    return 0
