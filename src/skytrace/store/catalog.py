"""Flights, events, receivers and aircraft: table schemas and record <-> row conversion.

The writer keeps these tables in its own DuckDB database (``store/catalog.duckdb``, locked by
DuckDB to that one process). After each commit it publishes Parquet snapshots that readers
query without touching the database (see docs/store.md)::

    snapshot/flights/YYYY-MM-DD/HH.parquet  flights whose id carries that date and hour
                                            (rewritten when one of them changes)
    snapshot/events/seg-N / sorted-K      events, appended per flush, merged now and then
    snapshot/receivers.parquet            whole table
    snapshot/aircraft.parquet             whole table

Flight rows flatten ``departure`` / ``arrival`` (AirportCall) into ``origin_*`` /
``destination_*`` columns; ``callsigns`` and ``sources`` are lists, ``gaps`` and the airport
``candidates`` JSON text. Times are UTC epoch seconds (DOUBLE, ``*_s``), NaN stored as NULL.
Pure conversion code; no I/O except through the connection passed in.

Schema versions (``layout.SCHEMA_VERSION``): 2 added ``origin_/destination_time_uncertainty_s``
and ``source_counts`` (JSON {source: positions}) to flights, and ``garbage_bytes`` and
``connected`` to receivers; 3 ``receivers_heard`` (distinct receivers of a flight) to flights.
``migrate`` brings an older catalog up to date by adding the
columns it lacks; rows are written and read by column name, so the order of columns in a
migrated table does not matter, and a value missing from an older row reads as unknown.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

import pyarrow as pa

from skytrace.model import (
    AircraftIdentity,
    AirportCall,
    Event,
    EventKind,
    Flight,
    ReceiverStats,
)

__all__ = [
    "AIRCRAFT_COLUMNS",
    "EVENT_COLUMNS",
    "FLIGHT_COLUMNS",
    "ID_DATE_RE",
    "RECEIVER_COLUMNS",
    "aircraft_table",
    "create_tables",
    "events_table",
    "flight_day",
    "flight_part",
    "flights_table",
    "insert_new_events",
    "migrate",
    "receivers_table",
    "row_to_event",
    "row_to_flight",
]

_CALL_FIELDS: Final = (
    ("icao", "VARCHAR"),
    ("iata", "VARCHAR"),
    ("name", "VARCHAR"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("method", "VARCHAR"),
    ("confidence", "DOUBLE"),
    ("distance_km", "DOUBLE"),
    ("height_above_field_ft", "DOUBLE"),
    ("runway", "VARCHAR"),
    ("evidence", "VARCHAR"),
    ("candidates", "VARCHAR"),  # JSON [[icao, distance_km, score], ...]
    ("time_uncertainty_s", "DOUBLE"),  # ± of an inferred time (schema 2)
)

FLIGHT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("flight_id", "VARCHAR"),
    ("day", "VARCHAR"),  # YYYY-MM-DD from the id (UTC date of takeoff or first sight)
    ("part", "VARCHAR"),  # YYYY-MM-DD/HH from the id: the snapshot partition
    ("icao24", "VARCHAR"),  # 6 hex digits, lower case
    ("status", "VARCHAR"),
    ("first_seen_s", "DOUBLE"),
    ("last_seen_s", "DOUBLE"),
    ("takeoff_s", "DOUBLE"),
    ("landing_s", "DOUBLE"),
    ("departure_s", "DOUBLE"),  # takeoff, else first seen: what date filters and sorts use
    ("arrival_s", "DOUBLE"),  # landing, else last seen
    *((f"origin_{n}", t) for n, t in _CALL_FIELDS),
    *((f"destination_{n}", t) for n, t in _CALL_FIELDS),
    ("callsign", "VARCHAR"),  # the first callsign, for simple SQL
    ("callsigns", "VARCHAR[]"),
    ("registration", "VARCHAR"),
    ("typecode", "VARCHAR"),
    ("type_description", "VARCHAR"),
    ("country", "VARCHAR"),
    ("operator_icao", "VARCHAR"),
    ("operator_name", "VARCHAR"),
    ("operator_source", "VARCHAR"),
    ("distance_flown_km", "DOUBLE"),
    ("gc_distance_km", "DOUBLE"),
    ("max_altitude_ft", "DOUBLE"),
    ("n_positions", "BIGINT"),
    ("n_receivers", "BIGINT"),
    ("sources", "VARCHAR[]"),
    ("gaps", "VARCHAR"),  # JSON [[start_s, end_s], ...]
    ("source_counts", "VARCHAR"),  # JSON {"adsb_icao": 6545, ...} (schema 2)
    ("receivers_heard", "BIGINT"),  # distinct receivers that heard the flight (schema 3)
)

EVENT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("time_s", "DOUBLE"),
    ("icao24", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("value", "VARCHAR"),
    ("flight_id", "VARCHAR"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("altitude_ft", "DOUBLE"),
)

RECEIVER_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("name", "VARCHAR"),
    ("receiver", "BIGINT"),
    ("connected_since_s", "DOUBLE"),
    ("last_frame_s", "DOUBLE"),
    ("frames", "BIGINT"),
    ("bad_frames", "BIGINT"),
    ("bytes_in", "BIGINT"),
    ("frames_per_s", "DOUBLE"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("clock_rate_hz", "DOUBLE"),
    ("clock_offset_s", "DOUBLE"),
    ("address", "VARCHAR"),
    ("garbage_bytes", "BIGINT"),  # bytes that were no valid frame (schema 2)
    ("connected", "BOOLEAN"),  # connected when last written (schema 2)
)

AIRCRAFT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("icao24", "VARCHAR"),
    ("registration", "VARCHAR"),
    ("typecode", "VARCHAR"),
    ("type_description", "VARCHAR"),
    ("type_class", "VARCHAR"),
    ("wake_category", "VARCHAR"),
    ("country", "VARCHAR"),
    ("operator_icao", "VARCHAR"),
    ("operator_name", "VARCHAR"),
    ("operator_source", "VARCHAR"),
    ("military", "BOOLEAN"),
    ("interesting", "BOOLEAN"),
    ("pia", "BOOLEAN"),
    ("ladd", "BOOLEAN"),
)

_ARROW_TYPES: Final = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "VARCHAR[]": pa.list_(pa.string()),
}

ID_DATE_RE: Final = re.compile(r"^[0-9a-f]{6}-(\d{4})(\d{2})(\d{2})-(\d{2})")


def create_tables(con: Any) -> None:
    """Create the catalog tables in the writer's DuckDB database if they are missing."""
    specs = (
        ("flights", FLIGHT_COLUMNS, "flight_id"),
        ("events", EVENT_COLUMNS, None),
        ("receivers", RECEIVER_COLUMNS, "name"),
        ("aircraft", AIRCRAFT_COLUMNS, "icao24"),
    )
    for table, columns, key in specs:
        cols = ", ".join(f"{name} {typ}" for name, typ in columns)
        pk = f", PRIMARY KEY ({key})" if key else ""
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols}{pk})")


_TABLES: Final = (
    ("flights", FLIGHT_COLUMNS),
    ("events", EVENT_COLUMNS),
    ("receivers", RECEIVER_COLUMNS),
    ("aircraft", AIRCRAFT_COLUMNS),
)


def migrate(con: Any) -> list[str]:
    """Add the columns this version's tables have and the database's lack (an older
    store); returns them as ``table.column``. Idempotent."""
    added = []
    for table, columns in _TABLES:
        have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        for name, typ in columns:
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {typ}")
                added.append(f"{table}.{name}")
    return added


def _schema(columns: Sequence[tuple[str, str]]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[typ]) for name, typ in columns])


def _num(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _table(columns: Sequence[tuple[str, str]], rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=_schema(columns))


def flight_part(flight_id: str, first_seen_s: float) -> str:
    """The snapshot partition of a flight, ``YYYY-MM-DD/HH``: from its id (ids never change),
    else from its first sight. One hour of world traffic is ~11,000 flights, so rewriting the
    partition of a flight that changed stays cheap."""
    m = ID_DATE_RE.match(flight_id)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}/{m.group(4)}"
    import datetime as _dt

    t = first_seen_s if first_seen_s == first_seen_s else 0.0
    return _dt.datetime.fromtimestamp(t, tz=_dt.UTC).strftime("%Y-%m-%d/%H")


def flight_day(flight_id: str, first_seen_s: float) -> str:
    """The UTC date of a flight: the date in its id, else of its first sight."""
    return flight_part(flight_id, first_seen_s)[:10]


def _call_row(prefix: str, call: AirportCall | None) -> dict[str, Any]:
    if call is None:
        return {f"{prefix}_{n}": None for n, _ in _CALL_FIELDS}
    return {
        f"{prefix}_icao": call.icao,
        f"{prefix}_iata": call.iata,
        f"{prefix}_name": call.name,
        f"{prefix}_lat": _num(call.lat),
        f"{prefix}_lon": _num(call.lon),
        f"{prefix}_method": call.method,
        f"{prefix}_confidence": _num(call.confidence),
        f"{prefix}_distance_km": _num(call.distance_km),
        f"{prefix}_height_above_field_ft": _num(call.height_above_field_ft),
        f"{prefix}_runway": call.runway,
        f"{prefix}_evidence": call.evidence,
        f"{prefix}_candidates": json.dumps([list(c) for c in call.candidates]),
        f"{prefix}_time_uncertainty_s": _num(call.time_uncertainty_s),
    }


def flights_table(flights: Iterable[Flight]) -> pa.Table:
    rows = []
    for f in flights:
        row: dict[str, Any] = {
            "flight_id": f.flight_id,
            "day": flight_day(f.flight_id, f.first_seen_s),
            "part": flight_part(f.flight_id, f.first_seen_s),
            "icao24": f"{f.icao24:06x}",
            "status": f.status,
            "first_seen_s": _num(f.first_seen_s),
            "last_seen_s": _num(f.last_seen_s),
            "takeoff_s": _num(f.takeoff_s),
            "landing_s": _num(f.landing_s),
            "departure_s": _num(f.takeoff_s if f.takeoff_s == f.takeoff_s else f.first_seen_s),
            "arrival_s": _num(f.landing_s if f.landing_s == f.landing_s else f.last_seen_s),
            "callsign": f.callsigns[0] if f.callsigns else None,
            "callsigns": list(f.callsigns),
            "registration": f.registration,
            "typecode": f.typecode,
            "type_description": f.type_description,
            "country": f.country,
            "operator_icao": f.operator_icao,
            "operator_name": f.operator_name,
            "operator_source": f.operator_source,
            "distance_flown_km": _num(f.distance_flown_km),
            "gc_distance_km": _num(f.gc_distance_km),
            "max_altitude_ft": _num(f.max_altitude_ft),
            "n_positions": f.n_positions,
            "n_receivers": f.n_receivers,
            "receivers_heard": f.receivers_heard,
            "sources": list(f.sources),
            "gaps": json.dumps([list(g) for g in f.gaps]),
            "source_counts": json.dumps(dict(f.source_counts)),
        }
        row.update(_call_row("origin", f.departure))
        row.update(_call_row("destination", f.arrival))
        rows.append(row)
    return _table(FLIGHT_COLUMNS, rows)


def _f(value: Any) -> float:
    # one NaN object (math.nan, the records' default), so a record read back compares equal
    return math.nan if value is None else float(value)


def _call_from_row(prefix: str, row: dict[str, Any]) -> AirportCall | None:
    if row.get(f"{prefix}_method") is None:
        return None
    candidates = json.loads(row.get(f"{prefix}_candidates") or "[]")
    return AirportCall(
        icao=row[f"{prefix}_icao"] or "",
        iata=row[f"{prefix}_iata"] or "",
        name=row[f"{prefix}_name"] or "",
        lat=_f(row[f"{prefix}_lat"]),
        lon=_f(row[f"{prefix}_lon"]),
        method=row[f"{prefix}_method"],
        confidence=_f(row[f"{prefix}_confidence"]),
        distance_km=_f(row[f"{prefix}_distance_km"]),
        height_above_field_ft=_f(row[f"{prefix}_height_above_field_ft"]),
        runway=row[f"{prefix}_runway"] or "",
        evidence=row[f"{prefix}_evidence"] or "",
        candidates=tuple((str(c[0]), float(c[1]), float(c[2])) for c in candidates),
        time_uncertainty_s=_f(row.get(f"{prefix}_time_uncertainty_s")),
    )


def row_to_flight(row: dict[str, Any]) -> Flight:
    """A flights row (column name -> value) back to the Flight record."""
    return Flight(
        flight_id=row["flight_id"],
        icao24=int(row["icao24"], 16),
        status=row["status"],
        first_seen_s=_f(row["first_seen_s"]),
        last_seen_s=_f(row["last_seen_s"]),
        departure=_call_from_row("origin", row),
        arrival=_call_from_row("destination", row),
        takeoff_s=_f(row["takeoff_s"]),
        landing_s=_f(row["landing_s"]),
        callsigns=tuple(row["callsigns"] or ()),
        registration=row["registration"] or "",
        typecode=row["typecode"] or "",
        type_description=row["type_description"] or "",
        country=row["country"] or "",
        operator_icao=row["operator_icao"] or "",
        operator_name=row["operator_name"] or "",
        operator_source=row["operator_source"] or "",
        distance_flown_km=_f(row["distance_flown_km"]),
        gc_distance_km=_f(row["gc_distance_km"]),
        max_altitude_ft=_f(row["max_altitude_ft"]),
        n_positions=int(row["n_positions"] or 0),
        n_receivers=int(row["n_receivers"] or 0),
        receivers_heard=int(row.get("receivers_heard") or 0),
        sources=tuple(row["sources"] or ()),
        gaps=tuple((float(a), float(b)) for a, b in json.loads(row["gaps"] or "[]")),
        source_counts=tuple(
            (str(k), int(v)) for k, v in json.loads(row.get("source_counts") or "{}").items()
        ),
    )


def events_table(events: Iterable[Event]) -> pa.Table:
    rows = [
        {
            "time_s": e.time_s,
            "icao24": f"{e.icao24:06x}",
            "kind": str(e.kind),
            "value": e.value,
            "flight_id": e.flight_id,
            "lat": _num(e.lat),
            "lon": _num(e.lon),
            "altitude_ft": _num(e.altitude_ft),
        }
        for e in events
    ]
    return _table(EVENT_COLUMNS, rows)


def row_to_event(row: dict[str, Any]) -> Event:
    return Event(
        time_s=float(row["time_s"]),
        icao24=int(row["icao24"], 16),
        kind=EventKind(row["kind"]),
        value=row["value"] or "",
        flight_id=row["flight_id"] or "",
        lat=_f(row["lat"]),
        lon=_f(row["lon"]),
        altitude_ft=_f(row["altitude_ft"]),
    )


def receivers_table(stats: Iterable[ReceiverStats]) -> pa.Table:
    rows = []
    for r in stats:
        row: dict[str, Any] = {name: getattr(r, name) for name, _ in RECEIVER_COLUMNS}
        for name, typ in RECEIVER_COLUMNS:
            if typ == "DOUBLE":
                row[name] = _num(row[name])
        rows.append(row)
    return _table(RECEIVER_COLUMNS, rows)


def aircraft_table(identities: Iterable[AircraftIdentity]) -> pa.Table:
    rows = []
    for a in identities:
        row: dict[str, Any] = {name: getattr(a, name) for name, _ in AIRCRAFT_COLUMNS[1:]}
        row["icao24"] = f"{a.icao24:06x}"
        rows.append(row)
    return _table(AIRCRAFT_COLUMNS, rows)


def insert_new_events(con: Any, table: pa.Table) -> pa.Table:
    """Insert the events of ``table`` not stored yet; returns those inserted.

    An event's identity is (time, address, kind, value, flight id): re-ingesting a file adds
    no event twice, and two copies in one batch are stored once. Runs inside the caller's
    transaction.
    """
    con.register("_new_events", table)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ins_events AS "
            "SELECT DISTINCT ON (time_s, icao24, kind, value, flight_id) * "
            "FROM _new_events n WHERE NOT EXISTS (SELECT 1 FROM events e "
            "WHERE e.time_s = n.time_s AND e.icao24 = n.icao24 AND e.kind = n.kind "
            "AND e.value IS NOT DISTINCT FROM n.value "
            "AND e.flight_id IS NOT DISTINCT FROM n.flight_id) ORDER BY time_s"
        )
        con.execute("INSERT INTO events BY NAME SELECT * FROM _ins_events")
        inserted: pa.Table = con.sql("SELECT * FROM _ins_events").to_arrow_table()
        con.execute("DROP TABLE _ins_events")
    finally:
        con.unregister("_new_events")
    return inserted.cast(table.schema)
