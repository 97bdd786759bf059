"""Read-only queries the API needs that StoreReader has no method for yet, written as
SELECTs through ``StoreReader.sql`` (the reader's locked-down, read-only path).

- ``positions_window``: every aircraft's positions in a time window (and box), in time
  order, paged: history playback and the area/time query;
- ``open_flights``: flights the store still has open;
- ``coverage_bins``: where positions were heard (0.25° cells) in the last 24 h of data.

Candidates to move into skytrace.store.reader when its owners next touch it.
"""

from __future__ import annotations

from typing import Any, Final

from skytrace.model import Flight
from skytrace.store import StoreReader, catalog

__all__ = [
    "COVERAGE_CELL_DEG",
    "PLAYBACK_FIELDS",
    "coverage_bins",
    "open_flights",
    "positions_window",
]

COVERAGE_CELL_DEG: Final = 0.25
PLAYBACK_FIELDS: Final = (
    "time_s",
    "hex",
    "lat",
    "lon",
    "altitude_ft",
    "groundspeed_kt",
    "track_deg",
    "vertical_rate_fpm",
    "onground",
    "callsign",
    "squawk",
    "source",
)


def _window_where(
    start_s: float, end_s: float, bbox: tuple[float, float, float, float] | None
) -> str:
    where = [f"timestamp >= to_timestamp({start_s!r})", f"timestamp <= to_timestamp({end_s!r})"]
    if bbox is not None:
        south, west, north, east = (float(v) for v in bbox)
        where.append(f"latitude BETWEEN {south!r} AND {north!r}")
        if west <= east:
            where.append(f"longitude BETWEEN {west!r} AND {east!r}")
        else:
            where.append(f"(longitude >= {west!r} OR longitude <= {east!r})")
    return " AND ".join(where)


def positions_window(
    reader: StoreReader,
    start_s: float,
    end_s: float,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
) -> list[list[Any]]:
    """Rows in PLAYBACK_FIELDS order, ordered by time then address, ``limit`` from
    ``offset`` (times epoch seconds to the millisecond, lat/lon to 5 decimals)."""
    sql = (
        "SELECT round(epoch_ms(timestamp) / 1000.0, 3), icao24, round(latitude::DOUBLE, 5), "
        "round(longitude::DOUBLE, 5), round(altitude), round(groundspeed), round(track), "
        "round(vertical_rate), onground, callsign, squawk, source FROM positions "
        f"WHERE {_window_where(start_s, end_s, bbox)} "
        f"ORDER BY timestamp, icao24 LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    _, rows = reader.sql(sql)
    out = []
    for r in rows:
        row = list(r)
        for i in (4, 5, 6, 7):
            if row[i] is not None:
                row[i] = int(row[i])
        out.append(row)
    return out


def open_flights(reader: StoreReader, limit: int = 5000) -> list[Flight]:
    cols, rows = reader.sql(
        f"SELECT * FROM flights WHERE status = 'open' ORDER BY departure_s LIMIT {int(limit)}"
    )
    return [catalog.row_to_flight(dict(zip(cols, r, strict=True))) for r in rows]


def coverage_bins(reader: StoreReader, cell_deg: float = COVERAGE_CELL_DEG) -> dict[str, Any]:
    """{"cell_deg", "since_s", "until_s", "cells": [[south_lat, west_lon, positions], ...]}."""
    _, last = reader.sql("SELECT epoch_ms(max(timestamp)) / 1000.0 FROM positions")
    until = last[0][0] if last and last[0][0] is not None else None
    if until is None:
        return {"cell_deg": cell_deg, "since_s": None, "until_s": None, "cells": []}
    since = float(until) - 86_400.0
    c = float(cell_deg)
    _, rows = reader.sql(
        f"SELECT floor(latitude / {c!r}) * {c!r} AS la, floor(longitude / {c!r}) * {c!r} AS lo, "
        f"count(*) FROM positions WHERE timestamp >= to_timestamp({since!r}) "
        "GROUP BY ALL ORDER BY la, lo LIMIT 200000"
    )
    return {
        "cell_deg": c,
        "since_s": since,
        "until_s": float(until),
        "cells": [[round(la, 4), round(lo, 4), int(n)] for la, lo, n in rows],
    }
