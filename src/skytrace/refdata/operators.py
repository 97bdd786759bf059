"""Operators (ICAO 3-letter designator -> name, country, radio callsign, IATA code).

This module owns the operator table and its importers:

- **tar1090-db** ``operators.csv``: header ``icao,name,country,callsign`` (extra columns
  ignored, ``iata`` used when present).
- **OpenFlights** ``airlines.dat``: no header, fields ``id,name,alias,iata,icao,callsign,
  country,active`` with ``\\N`` for null. Rows without a 3-letter ICAO designator are skipped
  (counted in the report, not errors); where a designator repeats, an active airline wins over
  an inactive one, else the later row.

A second import merges into the first (``OperatorTable.merged``: the newer row wins per
designator), so an OpenFlights file and a tar1090-db file can complement each other.

It also owns the rule for taking an operator from a callsign: the first three characters are
letters forming a known designator **and** the fourth is a digit (the flight number), e.g.
``KOR151`` -> KOR. Registrations used as callsigns (``PHHXB``) have no digit there and are not
mistaken for designators. Read-only after loading; safe to share between threads.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from skytrace.errors import RefdataError
from skytrace.refdata.reading import BadLines, open_text

__all__ = [
    "Operator",
    "OperatorTable",
    "ParsedOperators",
    "designator_of_callsign",
    "read_operators",
]

_DESIGNATOR = re.compile(r"^[A-Z]{3}$")
_CALLSIGN = re.compile(r"^([A-Z]{3})([0-9][0-9A-Z]{0,4})$")
_COLUMNS = ("icao", "name", "country", "callsign", "iata")


@dataclass(frozen=True, slots=True)
class Operator:
    icao: str
    name: str
    country: str = ""
    callsign: str = ""  # radio telephony designator, e.g. "AIR KORYO"
    iata: str = ""


def designator_of_callsign(callsign: str) -> str:
    """The ICAO designator a flight callsign starts with ("KOR151" -> "KOR"), else ""."""
    m = _CALLSIGN.match(callsign.strip().upper())
    return m.group(1) if m else ""


class OperatorTable:
    def __init__(self, operators: dict[str, Operator]) -> None:
        self._by_icao = operators

    def __len__(self) -> int:
        return len(self._by_icao)

    def get(self, designator: str) -> Operator | None:
        return self._by_icao.get(designator.strip().upper())

    def from_callsign(self, callsign: str) -> Operator | None:
        """The operator named by a flight callsign's designator, when it is known."""
        designator = designator_of_callsign(callsign)
        return self._by_icao.get(designator) if designator else None

    def values(self) -> list[Operator]:
        return list(self._by_icao.values())

    def merged(self, newer: OperatorTable) -> tuple[OperatorTable, int, int]:
        """This table updated by ``newer`` (the newer row wins per designator):
        (merged table, designators added, designators whose row changed)."""
        out = dict(self._by_icao)
        added = updated = 0
        for icao, op in newer._by_icao.items():
            old = out.get(icao)
            if old is None:
                added += 1
            elif old != op:
                updated += 1
            out[icao] = op
        return OperatorTable(out), added, updated

    def save(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(_COLUMNS)
            for op in sorted(self._by_icao.values(), key=lambda o: o.icao):
                writer.writerow([op.icao, op.name, op.country, op.callsign, op.iata])

    @classmethod
    def load(cls, path: Path) -> OperatorTable:
        try:
            text = path.read_text("utf-8")
            rows = list(csv.DictReader(io.StringIO(text)))
            return cls({r["icao"]: Operator(*(r[c] for c in _COLUMNS)) for r in rows})
        except (OSError, KeyError, csv.Error) as exc:
            raise RefdataError(
                f"operator table {path} is unreadable ({exc}); import again"
            ) from exc


@dataclass(frozen=True, slots=True)
class ParsedOperators:
    table: OperatorTable
    format: str
    bad: BadLines
    skipped: int  # rows without a 3-letter ICAO designator (not errors)


_ACRONYMS: Final = frozenset({"UK", "USA", "UAE"})


def display_name(name: str, icao: str, iata: str = "") -> str:
    """The name as people write it: the tar1090 database title-cases every word ("Klm Royal
    Dutch Airlines", "Easyjet Uk"); a word that is the operator's own ICAO or IATA code, or
    a country abbreviation, is written in capitals again."""
    codes = {icao.upper(), iata.upper(), *_ACRONYMS} - {""}
    return " ".join(w.upper() if w.upper() in codes else w for w in name.split(" "))


def _null(value: str) -> str:
    value = value.strip()
    return "" if value in ("\\N", "N/A", "-") else value


def read_operators(path: Path) -> ParsedOperators:
    """Read tar1090-db ``operators.csv`` or OpenFlights ``airlines.dat`` (by content)."""
    path = Path(path)
    bad = BadLines()
    ops: dict[str, Operator] = {}
    active: dict[str, bool] = {}
    skipped = 0
    with open_text(path) as f:
        reader = csv.reader(f)
        try:
            first = next(reader, None)
        except csv.Error as exc:
            raise RefdataError(f"{path}: not a CSV file: {exc}") from exc
        if first is None:
            raise RefdataError(f"{path}: empty file")
        names = [h.strip().lower() for h in first]
        header = "icao" in names and "name" in names
        if header:
            fmt = "tar1090-db operators csv"
            idx = {c: names.index(c) for c in _COLUMNS if c in names}
            rows: Iterable[list[str]] = reader
        elif len(first) >= 8 and first[0].strip().lstrip("-").isdigit():
            fmt = "openflights airlines.dat"
            rows = _chain(first, reader)
        else:
            raise RefdataError(
                f"{path}: neither an operators CSV (header icao,name,...) nor OpenFlights "
                f"airlines.dat (8 fields, numeric id); first line has {len(first)} fields"
            )
        try:
            for row in rows:
                line = reader.line_num
                if not row:
                    continue
                if header:
                    if len(row) < len(names):
                        bad.add(line, f"{len(row)} fields, expected {len(names)}")
                        continue
                    icao = row[idx["icao"]].strip().upper()
                    if not _DESIGNATOR.match(icao):
                        skipped += 1  # e.g. 4-5 letter military/private codes
                        continue
                    name, country, callsign, iata = (
                        row[idx[c]].strip() if c in idx else "" for c in _COLUMNS[1:]
                    )
                    ops[icao] = Operator(
                        icao, display_name(name, icao, iata), country, callsign, iata
                    )
                    continue
                if len(row) < 8:
                    bad.add(line, f"{len(row)} fields, expected 8")
                    continue
                icao = _null(row[4]).upper()
                if not _DESIGNATOR.match(icao):
                    skipped += 1
                    continue
                is_active = row[7].strip().upper() == "Y"
                if icao in ops and active[icao] and not is_active:
                    continue
                ops[icao] = Operator(
                    icao, _null(row[1]), _null(row[6]), _null(row[5]), _null(row[3])
                )
                active[icao] = is_active
        except (csv.Error, EOFError, OSError) as exc:
            bad.add(reader.line_num + 1, f"file unreadable from here on: {exc}")
    if not ops:
        raise RefdataError(f"{path}: no operator rows found ({bad.count} bad lines)")
    return ParsedOperators(OperatorTable(ops), fmt, bad, skipped)


def _chain(first: list[str], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest
