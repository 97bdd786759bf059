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
A clean CSV is parsed by pyarrow in one go (about 1 s for 619,472 rows); a file with any
irregularity goes through the row-by-row reader, which names each bad line. Bad rows (no
address field, an address that is not six hex digits) are reported by line number and
skipped; the good rows are kept.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.errors import RefdataError
from skytrace.refdata.aircraft import (
    FLAG_INTERESTING,
    FLAG_LADD,
    FLAG_MILITARY,
    FLAG_PIA,
    AircraftTable,
)
from skytrace.refdata.reading import BadLines, check_input_size, open_text, read_bytes

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
        if head == "{":
            fmt = _read_json_blocks([path], cols, bad)
        else:
            fast = _read_csv_fast(path)
            if fast is not None:
                table, duplicates, fmt = fast
                return ParsedAircraft(table, fmt, bad, duplicates)
            fmt = _read_csv(path, cols, bad)
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


def _read_csv_fast(path: Path) -> tuple[AircraftTable, int, str] | None:
    """The whole CSV parsed by pyarrow (multi-threaded C++), or None to take the careful path.

    Only a file that parses cleanly, with every address six hex digits, is taken here; any
    irregularity (bad rows, ragged rows, encoding trouble) returns None so that the
    row-by-row reader can name the bad lines exactly.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    with open_text(path) as f:
        first = f.readline()
    if not first.strip():
        return None
    delimiter = ";" if first.count(";") > first.count(",") else ","
    quote = "'" if first.lstrip().startswith("'") else '"'
    try:
        first_fields = next(csv.reader([first], delimiter=delimiter, quotechar=quote), [])
    except csv.Error:
        return None  # the careful reader names the problem
    with path.open("rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    if gz:
        check_input_size(path)  # pyarrow decompresses on its own: bound it first
    headerless = bool(first_fields) and bool(_HEX6.match(first_fields[0].strip()))
    names_in = [f"f{i}" for i in range(len(first_fields))] if headerless else first_fields
    try:
        stream = pa.input_stream(str(path), compression="gzip" if gz else None)
        table = pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(autogenerate_column_names=headerless),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=quote),
            # Every column as text: "0011" flags must not become the number 11.
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names_in},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, UnicodeError, EOFError):
        return None
    names = table.column_names
    if headerless:
        index = {name: i for i, name in enumerate(_HEADERLESS) if i < len(names)}
        fmt = "tar1090-db csv (headerless)"
    else:
        try:
            index = _header_index(names, path)
        except RefdataError:
            return None
        fmt = _name_format(index)
    if table.num_rows == 0 or any(not pa.types.is_string(t) for t in table.schema.types):
        return None

    def column(name: str) -> pa.Array:
        i = index.get(name)
        if i is None:
            return pa.array([""] * table.num_rows, type=pa.string())
        return pc.utf8_trim_whitespace(table.column(i).combine_chunks())

    address = column("icao24")
    if not pc.all(pc.match_substring_regex(address, "^[0-9A-Fa-f]{6}$")).as_py():
        return None
    hexdigits = np.frombuffer(
        np.asarray(address.to_numpy(zero_copy_only=False), dtype="S6").tobytes(), np.uint8
    ).reshape(-1, 6)
    lut = np.zeros(256, np.uint32)
    lut[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
    lut[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)
    lut[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
    icao24 = (lut[hexdigits] << np.arange(20, -1, -4, dtype=np.uint32)).sum(axis=1)
    if "flags" in index:
        codes, values = _dictionary(column("flags"))
        flags = np.array([_flag_bits(v) for v in values], np.uint8)[codes]
    else:
        flags = np.zeros(table.num_rows, np.uint8)
        for name, bit in zip(("military", "interesting", "pia", "ladd"), _FLAG_BITS, strict=True):
            if name in index:
                codes, values = _dictionary(column(name))
                truth = np.array([v.lower() in _TRUE for v in values], bool)[codes]
                flags |= np.where(truth, bit, 0).astype(np.uint8)
    description = column("description")
    if "manufacturer" in index:
        return None  # OpenSky files are small enough for the careful path
    built, duplicates = AircraftTable.from_lists(
        icao24,
        pc.utf8_upper(column("registration")).to_numpy(zero_copy_only=False),
        pc.utf8_upper(column("typecode")),
        description,
        flags,
        pc.utf8_upper(column("operator_icao")),
        column("operator_name"),
    )
    return built, duplicates, fmt


def _dictionary(values: Any) -> tuple[npt.NDArray[np.int64], list[str]]:
    encoded = values.dictionary_encode()
    return (
        encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        [str(v) for v in encoded.dictionary.to_pylist()],
    )


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
        except (csv.Error, StopIteration) as exc:
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
        except RecursionError:
            raise RefdataError(f"{path}: JSON nested too deeply to be an aircraft table") from None
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
