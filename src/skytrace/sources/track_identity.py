"""Who the aircraft in an imported track file is, as the file itself says.

Track files often name their aircraft: readsb/tar1090 traces carry ``r`` (registration),
``t`` (ICAO type), ``desc``, ``ownOp`` (owner/operator) and ``year``; FR24 playback JSON an
``aircraft`` block (model code and text, registration) and an ``airline`` block (name, ICAO
and IATA codes); OpenSky exports joined with its aircraft database have ``registration``,
``typecode``, ``model``, ``operatoricao``/``operator``/``owner`` columns. ``read_identities``
returns that per address, and ``ImportedIdentities`` lays it under the reference data: a field
the aircraft database knows wins, a field only the file knows is taken from the file, and the
identity says so (``identity_source``; ``operator_source`` for the operator).

Reads what ``skytrace.sources.tracks`` reads, within the same input limits; never raises for
missing or malformed identity fields (they are simply unknown). Pure; thread-safe.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from skytrace.model import AircraftIdentity, IdentityLookup
from skytrace.sources.tracks import TrackFormat

__all__ = ["FileIdentity", "ImportedIdentities", "read_identities"]

_MAX_BYTES: Final = 256 << 20
SOURCE_NAMES: Final = {
    TrackFormat.READSB: "readsb trace",
    TrackFormat.FR24: "FR24 export",
    TrackFormat.OPENSKY: "OpenSky metadata",
    TrackFormat.TRAFFIC: "track file",
}


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What a track file says about one aircraft ("" unknown)."""

    registration: str = ""
    typecode: str = ""
    type_description: str = ""
    operator_icao: str = ""
    operator_name: str = ""
    source: str = ""  # "readsb trace", "FR24 export", "OpenSky metadata"

    def __bool__(self) -> bool:
        return any(
            (self.registration, self.typecode, self.type_description, self.operator_icao,
             self.operator_name)
        )  # fmt: skip


def _text(value: Any, width: int = 64) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    text = "".join(c for c in str(value).strip() if c.isprintable())
    return text[:width]


def _load(path: Path) -> bytes:
    with path.open("rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        if head == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=fh) as gz:
                return gz.read(_MAX_BYTES + 1)[:_MAX_BYTES]
        return fh.read(_MAX_BYTES)


def _json(path: Path) -> Any:
    try:
        return json.loads(_load(path))
    except (OSError, ValueError, RecursionError, EOFError):
        return None


def _find(doc: Any, key: str, depth: int = 0) -> Any:
    """The first value under ``key`` anywhere in a JSON document (bounded depth)."""
    if depth > 12:
        return None
    if isinstance(doc, dict):
        if key in doc:
            return doc[key]
        items = list(doc.values())
    elif isinstance(doc, list):
        items = doc[:50]
    else:
        return None
    for item in items:
        found = _find(item, key, depth + 1)
        if found is not None:
            return found
    return None


def _readsb(path: Path) -> dict[int, FileIdentity]:
    doc = _json(path)
    if not isinstance(doc, dict):
        return {}
    try:
        address = int(str(doc.get("icao", "")).strip().lstrip("~"), 16)
    except ValueError:
        return {}
    if not 0 <= address <= 0xFFFFFF:
        return {}
    ident = FileIdentity(
        registration=_text(doc.get("r"), 16),
        typecode=_text(doc.get("t"), 4).upper(),
        type_description=_text(doc.get("desc")),
        operator_name=_text(doc.get("ownOp")),
        source=SOURCE_NAMES[TrackFormat.READSB],
    )
    return {address: ident} if ident else {}


def _fr24(path: Path, icao24: int | None) -> dict[int, FileIdentity]:
    doc = _json(path)
    if doc is None:
        return {}
    aircraft = _find(doc, "aircraft")
    airline = _find(doc, "airline")
    aircraft = aircraft if isinstance(aircraft, dict) else {}
    airline = airline if isinstance(airline, dict) else {}
    model = aircraft.get("model") if isinstance(aircraft.get("model"), dict) else {}
    ids = aircraft.get("identification") if isinstance(aircraft.get("identification"), dict) else {}
    codes = airline.get("code") if isinstance(airline.get("code"), dict) else {}
    address = icao24
    try:
        address = int(str(ids.get("modes") or "").strip(), 16) if ids.get("modes") else icao24
    except ValueError:
        address = icao24
    if address is None or not 0 <= address <= 0xFFFFFF:
        return {}
    ident = FileIdentity(
        registration=_text(ids.get("registration") or aircraft.get("registration"), 16),
        typecode=_text(model.get("code"), 4).upper(),
        type_description=_text(model.get("text")),
        operator_icao=_text(codes.get("icao"), 3).upper(),
        operator_name=_text(airline.get("name")),
        source=SOURCE_NAMES[TrackFormat.FR24],
    )
    return {address: ident} if ident else {}


_OPENSKY_COLUMNS: Final = {
    "registration": ("registration",),
    "typecode": ("typecode",),
    "type_description": ("model",),
    "operator_icao": ("operatoricao",),
    "operator_name": ("operator", "owner"),
}


def _tabular(path: Path, fmt: TrackFormat) -> dict[int, FileIdentity]:
    """OpenSky/traffic CSV (or Parquet) with aircraft database columns: first non-empty
    value per address."""
    columns: dict[str, list[Any]]
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (OSError, ValueError):
            return {}
        columns = {name.lower(): table.column(name).to_pylist() for name in table.column_names}
    else:
        try:
            text = _load(path).decode("utf-8", "replace")
        except OSError:
            return {}
        reader = csv.DictReader(io.StringIO(text))
        try:
            rows = list(reader)
        except csv.Error:
            return {}
        names = [n.lower() for n in (reader.fieldnames or [])]
        columns = {
            n: [r.get(orig) for r in rows]
            for n, orig in zip(names, reader.fieldnames or [], strict=True)
        }
    wanted = {
        field: next((columns[c] for c in names if c in columns), None)
        for field, names in _OPENSKY_COLUMNS.items()
    }
    if "icao24" not in columns or not any(v is not None for v in wanted.values()):
        return {}
    found: dict[int, dict[str, str]] = {}
    for i, raw in enumerate(columns["icao24"]):
        try:
            address = int(str(raw).strip(), 16)
        except ValueError:
            continue
        if not 0 <= address <= 0xFFFFFF:
            continue
        known = found.setdefault(address, {})
        for field, values in wanted.items():
            if values is not None and not known.get(field):
                value = _text(values[i], 16 if field == "registration" else 64)
                if value:
                    known[field] = (
                        value.upper() if field in ("typecode", "operator_icao") else value
                    )
    source = SOURCE_NAMES.get(fmt, "track file")
    out = {a: FileIdentity(**v, source=source) for a, v in found.items() if v}
    return {a: i for a, i in out.items() if i}


def read_identities(
    path: Path, fmt: TrackFormat, icao24: int | None = None
) -> dict[int, FileIdentity]:
    """What the file says about each aircraft in it (empty when it says nothing)."""
    path = Path(path)
    if fmt == TrackFormat.READSB:
        return _readsb(path)
    if fmt == TrackFormat.FR24:
        return _fr24(path, icao24) if path.suffix.lower() == ".json" else {}
    return _tabular(path, fmt)


class ImportedIdentities:
    """An IdentityLookup: the reference data first, then what the imported files say."""

    def __init__(self, base: IdentityLookup | None, known: dict[int, FileIdentity]) -> None:
        self.base = base
        self.known = known

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        ident = (
            self.base.identify(icao24, callsign)
            if self.base is not None
            else AircraftIdentity(int(icao24))
        )
        file = self.known.get(int(icao24))
        if not file:
            return ident
        changes: dict[str, str] = {}
        for name in ("registration", "typecode", "type_description"):
            if not getattr(ident, name) and getattr(file, name):
                changes[name] = getattr(file, name)
        if changes:
            changes["identity_source"] = file.source
        if (
            not ident.operator_icao
            and not ident.operator_name
            and (file.operator_icao or file.operator_name)
        ):
            changes["operator_icao"] = file.operator_icao
            changes["operator_name"] = file.operator_name
            changes["operator_source"] = file.source
        return replace(ident, **changes) if changes else ident
