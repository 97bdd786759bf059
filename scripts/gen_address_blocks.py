"""Generate skytrace's ICAO 24-bit address-block table from an allocation list in JSON.

    python scripts/gen_address_blocks.py ../shared/data/refdata/icao_address_blocks.json

writes ``src/skytrace/data/refdata/address_blocks.csv`` (columns ``start,end,alpha2,label``;
hex bounds inclusive; ``alpha2`` is "" for blocks that belong to no country, whose ``label``
then says what they are, e.g. "Unassigned (ASIA region)"). The input is the MIT-licensed
list of ICAO Annex 10 Vol III allocations with registration patterns (a JSON object whose
``registers`` are ``{"start": "0x720000", "end": "0x727fff", "country": "..."}``); entries
without bounds (registration patterns only) are skipped. Country names are mapped to ISO
alpha-2 codes with skytrace's ISO table plus the aliases below; an unknown name is an error so
the table never silently loses a country.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src" / "skytrace" / "data" / "refdata" / "address_blocks.csv"
ISO_TABLE = REPO / "src" / "skytrace" / "data" / "refdata" / "iso3166.csv"

# Names the allocation list spells differently from the ISO short names.
ALIASES = {
    "cape verde": "CV",
    "czech republic": "CZ",
    "democratic people's republic of korea": "KP",
    "democratic republic of the congo": "CD",
    "federated states of micronesia": "FM",
    "guinea bissau": "GW",
    "ivory coast": "CI",
    "republic of korea": "KR",
    "republic of the congo": "CG",
    "são tomé and príncipe": "ST",
    "the netherlands": "NL",
    "turkey": "TR",
}
# Blocks that are allocated, but not to a state.
NON_STATE_PREFIXES = ("Unassigned", "ICAO")


def load_iso_names(path: Path = ISO_TABLE) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["name"].casefold(): row["alpha2"] for row in csv.DictReader(f)}


def build_rows(registers: list[dict[str, object]], names: dict[str, str]) -> list[list[str]]:
    """Table rows sorted by start address, then by size (narrow blocks last)."""
    rows: list[tuple[int, int, str, str]] = []
    for reg in registers:
        if "start" not in reg or "end" not in reg:
            continue
        start = int(str(reg["start"]), 16)
        end = int(str(reg["end"]), 16)
        if not 0 <= start <= end <= 0xFFFFFF:
            raise ValueError(f"bad block {reg['start']}..{reg['end']}")
        country = str(reg["country"])
        if country.startswith(NON_STATE_PREFIXES):
            rows.append((start, end, "", country))
            continue
        key = country.casefold()
        alpha2 = names.get(key) or ALIASES.get(key)
        if not alpha2:
            raise ValueError(f"no ISO code for country {country!r}: add it to ALIASES")
        rows.append((start, end, alpha2, ""))
    rows.sort(key=lambda r: (r[0], -(r[1] - r[0])))
    return [[f"{s:06X}", f"{e:06X}", a2, label] for s, e, a2, label in rows]


def write_table(rows: list[list[str]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["start", "end", "alpha2", "label"])
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="icao_address_blocks.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    registers = json.loads(args.source.read_text("utf-8"))["registers"]
    rows = build_rows(registers, load_iso_names())
    write_table(rows, args.out)
    print(f"wrote {len(rows)} blocks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
