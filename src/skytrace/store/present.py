"""How store query results reach people: times at the edge, rows, and table / JSON / CSV output.

The query commands (flights, board, track, history, area, sql, export) and the HTTP API share
this module so that they parse times the same way (ISO 8601 or a date; UTC when no zone is
given), mean the same by ``--date``/``--since``/``--until`` and print the same columns:

- every time as ISO 8601 UTC with milliseconds, always (``2023-09-12T02:14:00.000Z``);
- a flight's row with ``from_method``/``to_method``, ``duration_s`` and ``duration_kind``
  (``flight_row``, ``flight_json``), the same numbers in table, CSV and JSON;
- tables that fit the terminal (``print_table``: columns dropped by priority, long tables
  summarized, very wide results as records) with data printed as text (``safe_text``,
  ``plain``: no markup, control characters escaped).

Pure formatting; the only I/O is writing to the stream it is given. See docs/queries.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, TextIO

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table
from rich.text import Text

from skytrace.errors import UsageError
from skytrace.model import AirportCall, Event, Flight, Source

__all__ = [
    "FLIGHT_COLUMNS",
    "INFERRED_MARK",
    "POSITION_COLUMNS",
    "TableView",
    "add_output_arguments",
    "count",
    "day_range",
    "duration_text",
    "emit",
    "event_json",
    "flight_ends",
    "flight_json",
    "flight_row",
    "flight_view",
    "iso",
    "parse_hex",
    "parse_time",
    "position_rows",
    "position_view",
    "print_table",
    "safe_text",
    "time_window",
]

FLIGHT_COLUMNS = (
    "flight_id", "hex", "callsign", "registration", "type", "operator", "from", "from_method",
    "to", "to_method", "takeoff", "landing", "duration_s", "duration_kind", "first_seen",
    "last_seen", "status",
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
    """[start_s, end_s) from ``--date``, ``--since`` and ``--until`` (None = open).

    Every command means the same by them: ``--date`` is one UTC day, ``--since`` the start
    (inclusive), ``--until`` the end (exclusive); given together, the window is what they share.
    """
    start: float | None = None
    end: float | None = None
    if getattr(args, "date", None):
        start, end = day_range(args.date)
    if getattr(args, "since", None):
        since = parse_time(args.since, what="--since time")
        start = since if start is None else max(start, since)
    if getattr(args, "until", None):
        until = parse_time(args.until, what="--until time")
        end = until if end is None else min(end, until)
    if start is not None and end is not None and end <= start:
        raise UsageError("the time window is empty: --until must be after --since and the date")
    return start, end


def count(n: int, noun: str, plural: str = "") -> str:
    """ "1 flight", "2 flights", "6,569 positions"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def parse_hex(text: str) -> int | None:
    """A 6-digit hex ICAO address -> int, else None."""
    value = text.strip().lower()
    if len(value) == 6 and all(c in "0123456789abcdef" for c in value):
        return int(value, 16)
    return None


def iso(time_s: float | None) -> str:
    """UTC ISO 8601 with milliseconds, always (``2023-09-12T02:14:00.000Z``); "" when unknown.

    One fixed format for every time a table, CSV or JSON prints, so that pandas, spreadsheets
    and ``datetime.fromisoformat`` read a whole column without being told a format.
    """
    if time_s is None or not math.isfinite(time_s):
        return ""
    ms = round(time_s * 1000.0)  # integer milliseconds: no float truncation to .352999
    t = datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_text(seconds: float, *, both_ends: bool = True, estimated: bool = False) -> str:
    """ "1 h 04 min"; "~1 h 04 min" when an end is inferred; "seen 1 h 18 min" when it spans
    sightings, not takeoff to landing."""
    if math.isnan(seconds) or seconds < 0:
        return ""
    minutes = round(seconds / 60)
    text = f"{minutes // 60} h {minutes % 60:02d} min"
    if not both_ends:
        return f"seen {text}"
    return f"~{text}" if estimated else text


def _method(call: AirportCall | None) -> str:
    return call.method if call is not None and call.icao else ""


def flight_ends(f: Flight, data_end_s: float | None = None) -> tuple[str, float, str]:
    """(status, duration_s, duration_kind) of a flight as every output states them.

    ``duration_kind`` is "flight" (takeoff to landing, both observed), "estimated" (takeoff to
    landing, one end inferred) or "seen" (first to last sighting: an end is not known). A
    flight whose landing is inferred after the end of the data (``data_end_s``) has not been
    seen ending: its status is "open", whatever the engine closed it as.
    """
    both_ends = not (math.isnan(f.takeoff_s) or math.isnan(f.landing_s))
    inferred = "inferred" in (_method(f.departure), _method(f.arrival))
    kind = "seen" if not both_ends else "estimated" if inferred else "flight"
    status = f.status
    if (
        data_end_s is not None
        and _method(f.arrival) == "inferred"
        and not math.isnan(f.landing_s)
        and f.landing_s > data_end_s
    ):
        status = "open"
    return status, f.duration_s, kind


def flight_row(f: Flight, data_end_s: float | None = None) -> dict[str, Any]:
    """The row of a flight for CSV (and the source of its table row): one value per column.

    ``from_method``/``to_method`` say how each airport was decided ("observed" on the ground,
    "inferred" from the first/last airborne positions, "" when none was found); ``duration_s``
    is seconds and ``duration_kind`` says what it spans (see ``flight_ends``).
    """
    status, duration_s, kind = flight_ends(f, data_end_s)
    return {
        "flight_id": f.flight_id,
        "hex": f.hex,
        "callsign": ",".join(f.callsigns),
        "registration": f.registration,
        "type": f.typecode,
        "operator": f.operator_icao or f.operator_name,
        "from": f.departure.icao if f.departure else "",
        "from_method": _method(f.departure),
        "to": f.arrival.icao if f.arrival else "",
        "to_method": _method(f.arrival),
        # Takeoff and landing only when they were determined (observed or inferred); the
        # first/last sighting is its own column, never passed off as either.
        "takeoff": iso(f.takeoff_s),
        "landing": iso(f.landing_s),
        "duration_s": None if math.isnan(duration_s) else round(duration_s, 3),
        "duration_kind": kind,
        "first_seen": iso(f.first_seen_s),
        "last_seen": iso(f.last_seen_s),
        "status": status,
    }


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def flight_json(f: Flight, data_end_s: float | None = None) -> dict[str, Any]:
    """Every field of a flight (NaN -> null) plus hex, ISO times and the row's derived values
    (``from_method``, ``to_method``, ``duration_s``, ``duration_kind``, ``status``), for --json.
    """
    out: dict[str, Any] = dict(_clean(asdict(f)))
    out["hex"] = f.hex
    out["source_counts"] = dict(f.source_counts)
    for name in ("first_seen", "last_seen", "takeoff", "landing"):
        out[name] = iso(getattr(f, f"{name}_s")) or None
    row = flight_row(f, data_end_s)
    for name in ("from_method", "to_method", "duration_s", "duration_kind", "status"):
        out[name] = row[name]
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
    parser.add_argument(
        "--all",
        action="store_true",
        help=f"print every row in the table (a table of more than {SUMMARY_ROWS} rows shows "
        f"the first and last {SUMMARY_EDGE}; --csv and --json always give every row)",
    )


# -- text from data --------------------------------------------------------------------------

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(value: object) -> str:
    """``value`` as text that cannot steer a terminal: control characters (ANSI escapes
    included) and bidirectional overrides are shown as ``\\x1b``-style escapes.

    Rich markup is not this function's business: tables print ``rich.text.Text`` cells,
    which rich never parses for markup.
    """
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))


def plain(value: object) -> Text:
    """Data as a rich Text: no markup, no control characters (see ``safe_text``)."""
    return Text(safe_text(value))


# -- tables ----------------------------------------------------------------------------------

SUMMARY_ROWS: Final = 60
SUMMARY_EDGE: Final = 20
PIPED_WIDTH: Final = 200  # the width of a table sent to a pipe or file (no terminal to fit)


@dataclass(frozen=True, slots=True)
class TableView:
    """How rows show as a table: the columns shown, which to drop first when the terminal is
    too narrow, and a caption (a legend for the marks in the cells).

    ``rows`` hold display strings, one per column of ``columns``; ``keep_whole`` columns
    (ids, times) are never wrapped or cut, the others wrap when the table must shrink.
    """

    columns: tuple[str, ...]
    rows: list[list[str]]
    drop_order: tuple[str, ...] = ()
    keep_whole: frozenset[str] = frozenset()
    caption: str = ""


def table_width(stream: TextIO) -> int:
    """The width to fit: ``$COLUMNS`` when set, else the terminal's, else PIPED_WIDTH."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size().columns
    return PIPED_WIDTH


def _natural_width(view: TableView, names: Sequence[str]) -> int:
    index = {c: i for i, c in enumerate(view.columns)}
    total = 1  # the left border
    for name in names:
        i = index[name]
        widest = max([len(name), *(len(r[i]) for r in view.rows)])
        total += widest + 3  # padding and border
    return total


def fit_columns(view: TableView, width: int) -> tuple[str, ...]:
    """The columns of ``view`` that fit ``width``, dropping by ``drop_order`` as needed."""
    shown = list(view.columns)
    for name in view.drop_order:
        if _natural_width(view, shown) <= width:
            break
        if name in shown and len(shown) > 1:
            shown.remove(name)
    return tuple(shown)


def _summarized(rows: list[list[str]], every: bool) -> tuple[list[list[str]], int]:
    """(rows to show, how many were left out of the middle)."""
    if every or len(rows) <= SUMMARY_ROWS:
        return rows, 0
    return rows[:SUMMARY_EDGE] + rows[-SUMMARY_EDGE:], len(rows) - 2 * SUMMARY_EDGE


def print_table(view: TableView, *, title: str = "", every: bool = False, out: TextIO) -> None:
    """Print ``view`` to fit the terminal: columns dropped by priority, long tables summarized."""
    width = table_width(out)
    console = Console(file=out, width=width, highlight=False, markup=False, emoji=False)
    shown = fit_columns(view, width)
    rows, left_out = _summarized(view.rows, every)
    # Columns too many to sit side by side at readable widths (e.g. sql's SELECT *): one
    # record per row, a "column  value" line each, as psql's expanded display does.
    if _natural_width(view, shown) > width and _MIN_COLUMN * len(shown) + 1 > width:
        _print_records(view, rows, left_out, title, console)
        return
    index = [view.columns.index(c) for c in shown]
    notes = [view.caption] if view.caption else []
    if left_out:
        notes.append(
            f"showing the first and last {SUMMARY_EDGE} of {len(view.rows):,} rows "
            "(--all, --csv or --json for every row)"
        )
    hidden = [c for c in view.columns if c not in shown]
    if hidden:
        notes.append(f"not shown for width: {', '.join(hidden)} (see --csv or --json)")
    table = Table(
        title=plain(title) if title else None,
        caption=plain("; ".join(notes)) if notes else None,
        caption_justify="left",
    )
    for name in shown:
        whole = name in view.keep_whole
        table.add_column(plain(name), no_wrap=whole, overflow="ellipsis" if whole else "fold")
    for n, row in enumerate(rows):
        if left_out and n == SUMMARY_EDGE:
            table.add_row(*[Text("…")] * len(shown))
        table.add_row(*(plain(row[i]) for i in index))
    console.print(table)
    if not view.rows:
        console.print("(no rows)")


_MIN_COLUMN: Final = 10  # below this many characters a column's values are unreadable


def _print_records(
    view: TableView, rows: list[list[str]], left_out: int, title: str, console: Console
) -> None:
    if title:
        console.print(plain(title))
    for n, row in enumerate(rows):
        if left_out and n == SUMMARY_EDGE:
            console.print(
                Text(f"… {left_out:,} more records (--all, --csv or --json for every one) …")
            )
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="bold")
        grid.add_column(overflow="fold")
        for name, value in zip(view.columns, row, strict=True):
            grid.add_row(plain(name), plain(value))
        console.rule(
            Text(f"record {n + 1 if not left_out or n < SUMMARY_EDGE else n + 1 + left_out}")
        )
        console.print(grid)
    if view.caption:
        console.print(plain(view.caption))
    if not view.rows:
        console.print("(no rows)")


def _cell(value: Any) -> str:
    if value is None or value != value:  # unknown (None or NaN)
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number
    return str(value)


def emit(
    args: argparse.Namespace,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]] | Sequence[Sequence[Any]],
    *,
    title: str = "",
    json_rows: Any = None,
    out: TextIO | None = None,
    view: TableView | None = None,
) -> None:
    """Print rows as a table (``view``, else every column), JSON (``json_rows`` if given)
    or CSV. Tables fit the terminal and summarize long results; CSV and JSON are whole."""
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
    if view is None:
        view = TableView(tuple(columns), [[_cell(v) for v in r] for r in as_lists])
    print_table(view, title=title, every=getattr(args, "all", False), out=stream)


# -- the tables of flights and positions -----------------------------------------------------

FLIGHT_TABLE_COLUMNS: Final = (
    "flight", "callsign", "reg", "type", "op", "from", "to", "takeoff", "landing", "duration",
    "status",
)  # fmt: skip
POSITION_TABLE_COLUMNS: Final = (
    "time", "lat", "lon", "alt ft", "gs kt", "trk °", "vr ft/min", "ground", "callsign",
    "squawk", "source", "rx",
)  # fmt: skip
INFERRED_MARK: Final = "*"
ESTIMATED_MARK: Final = "~"


def _day_format(times: Sequence[float]) -> tuple[str, str]:
    """(strftime format for these times, the day they share or "")."""
    days = {datetime.fromtimestamp(t, UTC).date() for t in times if not math.isnan(t)}
    if len(days) <= 1:
        return "%H:%M", next(iter(days)).isoformat() if days else ""
    years = {d.year for d in days}
    return ("%m-%d %H:%M" if len(years) == 1 else "%Y-%m-%d %H:%M"), ""


def short_times(times: Sequence[float]) -> tuple[list[str], str]:
    """Times for a table column (to the second, the day said once when they share one) and
    the caption that says it: ("02:13:55", "times UTC on 2023-09-12")."""
    fmt, day = _day_format(times)
    fmt += ":%S"
    return [_short(t, fmt) for t in times], f"times UTC on {day}" if day else "times UTC"


def _short(time_s: float, fmt: str) -> str:
    return "" if math.isnan(time_s) else datetime.fromtimestamp(time_s, UTC).strftime(fmt)


def flight_view(flights: Sequence[Flight], data_end_s: float | None = None) -> TableView:
    """Flights as a table that fits 120 columns: short times, marks for inferred ends."""
    fmt, day = _day_format([t for f in flights for t in (f.takeoff_s, f.landing_s)])
    rows = []
    any_inferred = any_open_estimate = False
    for f in flights:
        status, duration_s, kind = flight_ends(f, data_end_s)
        ends = []
        for call, time_s in ((f.departure, f.takeoff_s), (f.arrival, f.landing_s)):
            inferred = _method(call) == "inferred"
            any_inferred |= inferred
            code = (call.icao if call else "") + (INFERRED_MARK if inferred else "")
            when = _short(time_s, fmt)
            ends.append((code, f"{ESTIMATED_MARK}{when}" if inferred and when else when))
        any_open_estimate |= status != f.status
        rows.append(
            [
                f.flight_id,
                ",".join(f.callsigns),
                f.registration,
                f.typecode,
                f.operator_icao or f.operator_name,
                ends[0][0],
                ends[1][0],
                ends[0][1],
                ends[1][1],
                duration_text(duration_s, both_ends=kind != "seen", estimated=kind == "estimated"),
                status,
            ]
        )
    notes = [f"times UTC{' on ' + day if day else ''}"]
    if any_inferred:
        notes.append(
            f"{INFERRED_MARK} airport inferred from the first/last airborne positions, not seen "
            f"on the ground; {ESTIMATED_MARK} time estimated"
        )
    if any_open_estimate:
        notes.append("open: landing estimated after the end of the data")
    return TableView(
        columns=FLIGHT_TABLE_COLUMNS,
        rows=rows,
        drop_order=("status", "type", "op", "reg", "callsign"),
        keep_whole=frozenset({"flight", "from", "to", "takeoff", "landing", "duration"}),
        caption="; ".join(notes),
    )


def _fixed(value: float | None, digits: int) -> str:
    return "" if value is None or value != value else f"{value:.{digits}f}"


def position_view(rows: Sequence[dict[str, Any]]) -> TableView:
    """``position_rows`` as a table: short times and units in the headers."""
    times = [parse_time(rows[0]["timestamp"]), parse_time(rows[-1]["timestamp"])] if rows else []
    fmt, day = _day_format(times)
    fmt = fmt.replace("%H:%M", "%H:%M:%S")

    def short_time(stamp: str) -> str:
        # The ISO text has milliseconds: keep them, but only the clock (or day and clock).
        t = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return f"{t.strftime(fmt)}.{t.microsecond // 1000:03d}"

    out = [
        [
            short_time(r["timestamp"]),
            _fixed(r["latitude"], 5),
            _fixed(r["longitude"], 5),
            _fixed(r["altitude"], 0),
            _fixed(r["groundspeed"], 0),
            _fixed(r["track"], 0),
            _fixed(r["vertical_rate"], 0),
            "yes" if r["onground"] else "",
            r["callsign"],
            r["squawk"],
            r["source"],
            _cell(r["receivers"]),
        ]
        for r in rows
    ]
    return TableView(
        columns=POSITION_TABLE_COLUMNS,
        rows=out,
        drop_order=("rx", "source", "squawk", "ground"),
        keep_whole=frozenset({"time"}),
        caption=f"times UTC{' on ' + day if day else ''}",
    )
