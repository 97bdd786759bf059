"""Readers of aircraft databases into an ``AircraftTable``.

This module owns the input formats of ``skytrace refdata import PATH --kind aircraft``:

- **tar1090-db / readsb CSV** (``aircraft.csv.gz``): either with a header
  ``icao24,registration,typecode,flags,description`` (comma) or headerless with ``;``
  (``icao24;registration;typecode;flags;description;...``, extra fields ignored). ``flags`` is
  a string of 0/1 characters: char 0 military, 1 interesting, 2 PIA, 3 LADD.
- **OpenSky** ``aircraftDatabase.csv``: header row, values quoted with ``'`` or ``"``; uses
  ``icao24, registration, typecode, manufacturername, model, operator, operatoricao``.
- **plain CSV**: a header naming at least ``icao24``; optional ``registration, typecode,
  description, flags, military, interesting, pia, ladd, operator_icao, operator_name``
  (booleans as 1/0, true/false, yes/no). Aliases are accepted (see ``_ALIASES``).
- **tar1090-db JSON blocks**: a directory of ``<hexprefix>.js`` files (or one such file), each
  a JSON object whose keys are the rest of the address and whose values are either
  ``{"r": reg, "t": type, "f": flags, "desc": description}`` or ``[reg, type, flags, desc]``;
  the key ``children`` (the list of further block files) is ignored.

Format detection is by content (gzip magic, ``{`` for JSON, header or hex first field).
Bad rows (a field count too small, an address that is not six hex digits) are reported by
line number and skipped; the good rows are kept.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from skytrace.errors import RefdataError
from skytrace.refdata.aircraft import (
    FLAG_INTERESTING,
    FLAG_LADD,
    FLAG_MILITARY,
    FLAG_PIA,
    AircraftTable,
)
from skytrace.refdata.reading import BadLines, open_text, read_bytes

__all__ = ["ParsedAircraft", "read_aircraft"]

_HEX6 = re.compile(r"^[0-9A-Fa-f]{6}$")
_TRUE = {"1", "true", "yes", "y", "t", "x"}
_FLAG_BITS = (FLAG_MILITARY, FLAG_INTERESTING, FLAG_PIA, FLAG_LADD)
_ALIASES = {
    "icao24": ("icao24", "icao", "hex", "icao_hex", "address", "modes"),
    "registration": ("registration", "reg", "r", "regid", "tail"),
    "typecode": ("typecode", "type", "t", "icaotype", "type_code", "icao_type"),
    "description": ("description", "desc", "d", "model", "type_description"),
    "manufacturer": ("manufacturername", "manufacturer"),
    "flags": ("flags", "dbflags", "f"),
    "military": ("military", "mil"),
    "interesting": ("interesting",),
    "pia": ("pia",),
    "ladd": ("ladd",),
    "operator_icao": ("operator_icao", "operatoricao", "operator_designator"),
    "operator_name": ("operator_name", "operator"),
}
_HEADERLESS = ("icao24", "registration", "typecode", "flags", "description")
_CHUNK_ROWS = 100_000  # rows parsed per batch (bounds the memory of an import)


@dataclass(slots=True)
class _Columns:
    icao24: list[int] = field(default_factory=list)
    registration: list[str] = field(default_factory=list)
    typecode: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    operator_icao: list[str] = field(default_factory=list)
    operator_name: list[str] = field(default_factory=list)

    def add(
        self,
        icao24: int,
        registration: str,
        typecode: str,
        description: str,
        flags: int,
        operator_icao: str = "",
        operator_name: str = "",
    ) -> None:
        self.icao24.append(icao24)
        self.registration.append(registration.strip().upper())
        self.typecode.append(typecode.strip().upper())
        self.description.append(description.strip())
        self.flags.append(flags)
        self.operator_icao.append(operator_icao.strip().upper())
        self.operator_name.append(operator_name.strip())


@dataclass(frozen=True, slots=True)
class ParsedAircraft:
    table: AircraftTable
    format: str
    bad: BadLines
    duplicates: int


def _flag_bits(text: str) -> int:
    bits = 0
    for ch, bit in zip(text.strip(), _FLAG_BITS, strict=False):
        if ch == "1":
            bits |= bit
    return bits


def read_aircraft(path: Path) -> ParsedAircraft:
    """Read any supported aircraft database (see the module docstring)."""
    path = Path(path)
    cols = _Columns()
    bad = BadLines()
    if path.is_dir():
        fmt = _read_json_blocks(sorted(path.glob("*.js*")), cols, bad)
    else:
        with open_text(path) as f:
            head = f.read(1)
        fmt = _read_json_blocks([path], cols, bad) if head == "{" else _read_csv(path, cols, bad)
    if not cols.icao24:
        detail = f" ({bad.count} bad lines, first: {bad.kept[0]})" if bad.kept else ""
        raise RefdataError(f"{path}: no aircraft rows found{detail}")
    table, duplicates = AircraftTable.from_lists(
        cols.icao24,
        cols.registration,
        cols.typecode,
        cols.description,
        cols.flags,
        cols.operator_icao,
        cols.operator_name,
    )
    return ParsedAircraft(table, fmt, bad, duplicates)


def _read_csv(path: Path, cols: _Columns, bad: BadLines) -> str:
    with open_text(path) as f:
        first = f.readline()
        if not first.strip():
            raise RefdataError(f"{path}: empty file or blank first line, expected CSV")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        quote = "'" if first.lstrip().startswith("'") else '"'
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter, quotechar=quote)
        try:
            header = next(reader)
        except csv.Error as exc:
            raise RefdataError(f"{path}: not a CSV file: {exc}") from exc
        chunk: list[list[str]] = []
        lines: list[int] = []
        if _HEX6.match(header[0].strip()):
            index = {name: i for i, name in enumerate(_HEADERLESS)}
            fmt = "tar1090-db csv (headerless)"
            chunk.append(header)
            lines.append(1)
        else:
            index = _header_index(header, path)
            fmt = _name_format(index)
        try:
            for row in reader:
                if row:
                    chunk.append(row)
                    lines.append(reader.line_num)
                    if len(chunk) >= _CHUNK_ROWS:
                        _csv_rows(chunk, lines, index, cols, bad)
                        chunk, lines = [], []
        except (csv.Error, EOFError, OSError) as exc:
            bad.add(reader.line_num + 1, f"file unreadable from here on: {exc}")
        _csv_rows(chunk, lines, index, cols, bad)
    return fmt


def _header_index(header: list[str], path: Path) -> dict[str, int]:
    names = [h.strip().strip("'\"").lower() for h in header]
    index: dict[str, int] = {}
    for field_name, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in names:
                index[field_name] = names.index(alias)
                break
    if "icao24" not in index:
        raise RefdataError(
            f"{path}: header has no address column (expected one of "
            f"{', '.join(_ALIASES['icao24'])}); got {', '.join(names[:8])}"
        )
    return index


def _name_format(index: dict[str, int]) -> str:
    if "manufacturer" in index and "operator_icao" in index:
        return "opensky csv"
    if list(index)[:5] == list(_HEADERLESS) or "flags" in index:
        return "tar1090-db csv"
    return "csv"


def _csv_rows(
    rows: list[list[str]],
    lines: list[int],
    index: dict[str, int],
    cols: _Columns,
    bad: BadLines,
) -> None:
    """Validate and append a chunk of rows, column by column (about 1 µs per field)."""
    need = max(index.values()) + 1
    addr_i = index["icao24"]
    good: list[list[str]] = []
    addresses: list[int] = []
    for row, line in zip(rows, lines, strict=True):
        if len(row) < need:
            # Short rows are fine as long as the address is there: pad the missing fields.
            if len(row) <= addr_i:
                bad.add(line, f"{len(row)} fields, no address")
                continue
            row = row + [""] * (need - len(row))
        address = row[addr_i].strip().strip("'\"")
        if not _HEX6.match(address):
            bad.add(line, f"address {address[:20]!r} is not six hex digits")
            continue
        good.append(row)
        addresses.append(int(address, 16))
    n = len(good)

    def column(name: str) -> list[str]:
        i = index.get(name)
        return [r[i].strip() for r in good] if i is not None else [""] * n

    if "flags" in index:
        raw_flags = column("flags")
        bits = {text: _flag_bits(text) for text in set(raw_flags)}
        flags = [bits[text] for text in raw_flags]
    else:
        flags = [0] * n
        for name, bit in zip(("military", "interesting", "pia", "ladd"), _FLAG_BITS, strict=True):
            if name in index:
                flags = [
                    f | bit if v.lower() in _TRUE else f
                    for f, v in zip(flags, column(name), strict=True)
                ]
    description = column("description")
    if "manufacturer" in index:
        description = [
            f"{m} {d}".strip() if m and not d.lower().startswith(m.lower()) else d
            for m, d in zip(column("manufacturer"), description, strict=True)
        ]
    cols.icao24.extend(addresses)
    cols.registration.extend(r.upper() for r in column("registration"))
    cols.typecode.extend(t.upper() for t in column("typecode"))
    cols.description.extend(description)
    cols.flags.extend(flags)
    cols.operator_icao.extend(o.upper() for o in column("operator_icao"))
    cols.operator_name.extend(column("operator_name"))


def _read_json_blocks(files: list[Path], cols: _Columns, bad: BadLines) -> str:
    if not files:
        raise RefdataError("no .js/.json block files found")
    for path in files:
        prefix = path.name.split(".")[0].upper()
        if not re.fullmatch(r"[0-9A-F]{0,6}", prefix):
            prefix = ""
        try:
            data = json.loads(read_bytes(path).decode("utf-8", errors="replace"))
        except ValueError as exc:
            raise RefdataError(f"{path}: not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise RefdataError(f"{path}: expected a JSON object of address -> aircraft")
        for entry_no, (key, value) in enumerate(data.items(), start=1):
            if key == "children":
                continue
            address = prefix + key.upper()
            if not _HEX6.match(address):
                bad.add(
                    entry_no,
                    f"{path.name}: address {address[:20]!r} is not six hex digits",
                    "entry",
                )
                continue
            if isinstance(value, dict):
                reg, typ = str(value.get("r", "")), str(value.get("t", ""))
                flags, desc = str(value.get("f", "")), str(value.get("desc", value.get("d", "")))
            elif isinstance(value, list):
                padded = [str(v) if v is not None else "" for v in value] + [""] * 4
                reg, typ, flags, desc = padded[:4]
            else:
                bad.add(entry_no, f"{path.name}: entry {key!r} is neither object nor list", "entry")
                continue
            cols.add(int(address, 16), reg, typ, desc, _flag_bits(flags))
    return "tar1090-db json blocks"
