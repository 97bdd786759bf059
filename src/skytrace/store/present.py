"""How store query results reach people: times at the edge, rows, and table / JSON / CSV output.

The query commands (flights, board, track, history, area, sql, export) share this module so
that they parse times the same way (ISO 8601 or a date; UTC when no zone is given) and print
the same columns. Times print as UTC ISO 8601 (``2023-09-12T02:14:00Z``). Pure formatting;
the only I/O is writing to the stream it is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from skytrace.errors import UsageError
from skytrace.model import Event, Flight, Source

__all__ = [
    "FLIGHT_COLUMNS",
    "POSITION_COLUMNS",
    "add_output_arguments",
    "day_range",
    "duration_text",
    "emit",
    "event_json",
    "flight_json",
    "flight_row",
    "iso",
    "parse_hex",
    "parse_time",
    "position_rows",
    "time_window",
]

FLIGHT_COLUMNS = (
    "flight_id", "hex", "callsign", "registration", "type", "operator", "from", "to",
    "takeoff", "landing", "duration", "first_seen", "last_seen", "status",
)  # fmt: skip
POSITION_COLUMNS = (
    "timestamp", "icao24", "latitude", "longitude", "altitude", "geoaltitude", "groundspeed",
    "track", "vertical_rate", "onground", "callsign", "squawk", "source", "receivers",
)  # fmt: skip


def parse_time(text: str, *, what: str = "time") -> float:
    """ISO 8601 date or date-time -> UTC epoch seconds (no zone given = UTC)."""
    value = text.strip()
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"bad {what} {text!r}: use ISO 8601 like 2023-09-12T02:14Z or a date like 2023-09-12"
        ) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp()


def day_range(text: str) -> tuple[float, float]:
    """A date -> [its 00:00 UTC, the next day's 00:00 UTC)."""
    try:
        d = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"bad date {text!r}: use YYYY-MM-DD") from None
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def time_window(args: argparse.Namespace) -> tuple[float | None, float | None]:
    """(start_s, end_s) from ``--date`` and/or ``--since``/``--until`` (None = open)."""
    start = end = None
    if getattr(args, "date", None):
        start, end = day_range(args.date)
    if getattr(args, "since", None):
        start = parse_time(args.since, what="--since time")
    if getattr(args, "until", None):
        end = parse_time(args.until, what="--until time")
    if start is not None and end is not None and end <= start:
        raise UsageError("the end of the time window must be after its start")
    return start, end


def parse_hex(text: str) -> int | None:
    """A 6-digit hex ICAO address -> int, else None."""
    value = text.strip().lower()
    if len(value) == 6 and all(c in "0123456789abcdef" for c in value):
        return int(value, 16)
    return None


def iso(time_s: float) -> str:
    if time_s is None or math.isnan(time_s):
        return ""
    t = datetime.fromtimestamp(time_s, tz=UTC)
    text = t.isoformat(timespec="milliseconds" if t.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def duration_text(seconds: float, *, both_ends: bool = True) -> str:
    """ "1 h 04 min"; "seen 1 h 18 min" when it spans sightings, not takeoff to landing."""
    if math.isnan(seconds) or seconds < 0:
        return ""
    minutes = round(seconds / 60)
    text = f"{minutes // 60} h {minutes % 60:02d} min"
    return text if both_ends else f"seen {text}"


def flight_row(f: Flight) -> dict[str, Any]:
    """The short row of a flight for tables and CSV."""
    both_ends = not (math.isnan(f.takeoff_s) or math.isnan(f.landing_s))
    return {
        "flight_id": f.flight_id,
        "hex": f.hex,
        "callsign": ",".join(f.callsigns),
        "registration": f.registration,
        "type": f.typecode,
        "operator": f.operator_icao or f.operator_name,
        "from": f.departure.icao if f.departure else "",
        "to": f.arrival.icao if f.arrival else "",
        # Takeoff and landing only when they were determined (observed or inferred); the
        # first/last sighting is its own column, never passed off as either.
        "takeoff": iso(f.takeoff_s),
        "landing": iso(f.landing_s),
        "duration": duration_text(f.duration_s, both_ends=both_ends),
        "first_seen": iso(f.first_seen_s),
        "last_seen": iso(f.last_seen_s),
        "status": f.status,
    }


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def flight_json(f: Flight) -> dict[str, Any]:
    """Every field of a flight (NaN -> null) plus hex and ISO times, for --json."""
    out: dict[str, Any] = dict(_clean(asdict(f)))
    out["hex"] = f.hex
    for name in ("first_seen", "last_seen", "takeoff", "landing"):
        out[name] = iso(getattr(f, f"{name}_s")) or None
    out["duration_s"] = _clean(f.duration_s)
    return out


def event_json(e: Event) -> dict[str, Any]:
    return dict(
        _clean(
            {
                "time": iso(e.time_s),
                "time_s": e.time_s,
                "icao24": e.hex,
                "kind": str(e.kind),
                "value": e.value,
                "flight_id": e.flight_id,
                "lat": e.lat,
                "lon": e.lon,
                "altitude_ft": e.altitude_ft,
            }
        )
    )


def position_rows(rows: npt.NDArray[np.void]) -> list[dict[str, Any]]:
    """POSITION_DTYPE rows -> dicts with traffic/OpenSky column names (None = unknown)."""
    labels = {int(s): s.label for s in Source}
    out = []
    for r in rows.tolist():
        (icao, t, lat, lon, alt, geo, gs, trk, vr, ground, src, nrx, squawk, callsign) = r
        out.append(
            _clean(
                {
                    "timestamp": iso(t),
                    "icao24": f"{icao:06x}",
                    "latitude": round(lat, 5),
                    "longitude": round(lon, 5),
                    "altitude": alt,
                    "geoaltitude": geo,
                    "groundspeed": gs,
                    "track": trk,
                    "vertical_rate": vr,
                    "onground": bool(ground),
                    "callsign": callsign.decode("ascii", "replace").strip(),
                    "squawk": squawk.decode("ascii", "replace"),
                    "source": labels.get(src, "other"),
                    "receivers": nrx,
                }
            )
        )
    return out


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON instead of a table")
    group.add_argument("--csv", action="store_true", help="print CSV instead of a table")


def _cell(value: Any) -> str:
    if value is None or value != value:  # unknown (None or NaN)
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def emit(
    args: argparse.Namespace,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]] | Sequence[Sequence[Any]],
    *,
    title: str = "",
    json_rows: Any = None,
    out: TextIO | None = None,
) -> None:
    """Print rows as a rich table (default), JSON (``json_rows`` if given) or CSV."""
    stream = out or sys.stdout
    as_lists = [list(r.values()) if isinstance(r, dict) else list(r) for r in rows]
    if getattr(args, "json", False):
        payload = json_rows
        if payload is None:
            payload = [dict(zip(columns, r, strict=True)) for r in as_lists]
        json.dump(_clean(payload), stream, indent=2, default=str)
        stream.write("\n")
        return
    if getattr(args, "csv", False):
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for r in as_lists:
            writer.writerow(["" if v is None or v != v else v for v in r])  # v != v: NaN
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    cells = [[_cell(v) for v in r] for r in as_lists]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    for c in columns:
        table.add_column(c, no_wrap=True)
    for r in cells:
        table.add_row(*r)
    # As wide as the content: ids and times are never wrapped, whatever the terminal.
    console = Console(file=stream, width=max(100, sum(widths) + 3 * len(columns) + 1))
    console.print(table)
    if not as_lists:
        console.print("(no rows)")
