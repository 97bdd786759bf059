"""Aircraft types: ICAO type designator -> description class, wake category, name.

This module owns the type table and its importer. The ICAO description class is three
characters (ICAO Doc 8643): kind (L landplane, S seaplane, A amphibian, H helicopter,
G gyrocopter, T tilt-rotor), engine count, engine type (J jet, T turboprop, P piston,
E electric) — e.g. "L2J". Wake turbulence category: L, M, H or J (super).

Input formats (``--kind types``), detected by content:
- tar1090-db ``aircraft_types.json``: ``{"A148": {"desc": "L2J", "wtc": "M"}, ...}`` or the
  list form ``{"A148": ["ANTONOV An-148", "L2J", "M"], ...}``;
- CSV with a header naming ``designator`` (or ``typecode``/``type``) and any of ``class``
  (or ``desc``), ``wtc`` (or ``wake_category``), ``description`` (or ``name``).

Read-only after loading; safe to share between threads.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from skytrace.errors import RefdataError
from skytrace.refdata.reading import BadLines, read_bytes

__all__ = ["AircraftType", "ParsedTypes", "TypeTable", "read_types"]

_CLASS = re.compile(r"^[A-Z-][0-9C-][A-Z-]$")  # "-": unknown (balloons, drones)
_WAKE = {"L", "M", "H", "J", "L/M", ""}
_NO_WAKE = "-"  # balloons, drones, ground vehicles: no wake category
_DESIGNATOR = re.compile(r"^[A-Z0-9]{2,4}$")


@dataclass(frozen=True, slots=True)
class AircraftType:
    designator: str
    type_class: str  # e.g. "L2J", "" unknown
    wake_category: str  # "L", "M", "H", "J", "" unknown
    description: str = ""


class TypeTable:
    def __init__(self, types: dict[str, AircraftType]) -> None:
        self._types = types

    def __len__(self) -> int:
        return len(self._types)

    def get(self, designator: str) -> AircraftType | None:
        return self._types.get(designator.strip().upper())

    def save(self, path: Path) -> None:
        data = {
            t.designator: [t.type_class, t.wake_category, t.description]
            for t in sorted(self._types.values(), key=lambda t: t.designator)
        }
        path.write_text(json.dumps(data, separators=(",", ":")), "utf-8")

    @classmethod
    def load(cls, path: Path) -> TypeTable:
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls({k: AircraftType(k, v[0], v[1], v[2]) for k, v in data.items()})
        except (OSError, ValueError, IndexError, AttributeError) as exc:
            raise RefdataError(f"type table {path} is unreadable ({exc}); import again") from exc


@dataclass(frozen=True, slots=True)
class ParsedTypes:
    table: TypeTable
    format: str
    bad: BadLines


def _check(designator: str, type_class: str, wake: str, at: int, bad: BadLines, where: str) -> bool:
    if not _DESIGNATOR.match(designator):
        bad.add(at, f"designator {designator[:10]!r} is not 2-4 letters/digits", where)
        return False
    if type_class and not _CLASS.match(type_class):
        bad.add(at, f"{designator}: class {type_class[:10]!r} is not like L2J", where)
        return False
    if wake not in _WAKE:
        bad.add(at, f"{designator}: wake category {wake[:10]!r} is not L/M/H/J", where)
        return False
    return True


def read_types(path: Path) -> ParsedTypes:
    path = Path(path)
    text = read_bytes(path).decode("utf-8-sig", errors="replace")
    bad = BadLines()
    types: dict[str, AircraftType] = {}
    if text.lstrip().startswith("{"):
        fmt = "tar1090-db aircraft_types.json"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RefdataError(f"{path}: not JSON: {exc}") from exc
        # JSON objects have no line numbers of their own: report the entry's position.
        for entry_no, (key, value) in enumerate(data.items(), start=1):
            designator = key.strip().upper()
            if isinstance(value, dict):
                cls_, wake = str(value.get("desc", "")), str(value.get("wtc", ""))
                name = str(value.get("name", value.get("description", "")))
            elif isinstance(value, list) and len(value) >= 3:
                name, cls_, wake = (str(v) for v in value[:3])
            else:
                bad.add(entry_no, f"{key!r}: expected an object or [name, class, wtc]", "entry")
                continue
            cls_, wake = cls_.strip().upper(), wake.strip().upper()
            wake = "" if wake == _NO_WAKE else wake
            if _check(designator, cls_, wake, entry_no, bad, "entry"):
                types[designator] = AircraftType(designator, cls_, wake, name.strip())
    else:
        fmt = "csv"
        reader = csv.DictReader(io.StringIO(text))
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        reader.fieldnames = fields

        def pick(*names: str) -> str | None:
            return next((n for n in names if n in fields), None)

        key_col = pick("designator", "typecode", "type", "icao")
        if key_col is None:
            raise RefdataError(f"{path}: neither types JSON nor a CSV with a designator column")
        cls_col, wake_col = pick("class", "desc", "type_class"), pick("wtc", "wake_category")
        name_col = pick("description", "name", "model")
        for row in reader:
            line = reader.line_num
            designator = (row.get(key_col) or "").strip().upper()
            cls_ = (row.get(cls_col) or "").strip().upper() if cls_col else ""
            wake = (row.get(wake_col) or "").strip().upper() if wake_col else ""
            name = (row.get(name_col) or "").strip() if name_col else ""
            if _check(designator, cls_, wake, line, bad, "line"):
                types[designator] = AircraftType(designator, cls_, wake, name)
    if not types:
        raise RefdataError(f"{path}: no aircraft types found ({bad.count} bad entries)")
    return ParsedTypes(TypeTable(types), fmt, bad)
