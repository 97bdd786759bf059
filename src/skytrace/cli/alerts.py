"""``skytrace alerts``: the alerts that fired and whether they were delivered.

Reads the alert journal of the data directory (``alerts/alerts.jsonl`` and
``alerts/attempts.jsonl``, written by a running ``serve`` or ``demo``); ``--json`` gives each
alert's whole JSON body with its delivery attempts.
"""

from __future__ import annotations

import argparse
import math

from skytrace.alerts.journal import AlertJournal
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.store.present import (
    TableView,
    add_output_arguments,
    count,
    emit,
    short_times,
    time_window,
)

__all__ = ["EPILOG", "HELP", "add_arguments", "run"]

HELP = "alerts that fired, and their delivery"
EPILOG = """examples:
  skytrace alerts
  skytrace alerts --rule featured --since 2023-09-12
  skytrace alerts --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rule", metavar="NAME", help="alerts of this rule only")
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="one UTC day (of the event)")
    parser.add_argument("--since", metavar="TIME", help="from this time (ISO 8601 or date)")
    parser.add_argument("--until", metavar="TIME", help="before this time (exclusive)")
    add_output_arguments(parser)
    add_data_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    since, until = time_window(args)
    journal = AlertJournal(resolve_data_dir(args.data_dir))
    entries = journal.read(since, until, args.rule)
    rows = []
    for e in entries:
        b = e.body
        ac = b.get("aircraft") or {}
        flight = b.get("flight") or {}
        tries = [f"{a.get('target')} {a.get('status')}" for a in e.attempts]
        rows.append(
            {
                "time": b.get("time") or "",
                "rule": b.get("rule", ""),
                "trigger": b.get("trigger", ""),
                "aircraft": ac.get("registration") or ac.get("hex", ""),
                "callsign": ac.get("callsign", ""),
                "flight": flight.get("id", ""),
                "value": b.get("value", ""),
                "method": b.get("method") or "",
                "delivery": e.state,
                "attempts": "; ".join(tries),
            }
        )
    title = count(len(rows), "alert")
    if journal.bad_lines:
        title += f" ({count(journal.bad_lines, 'unreadable journal line')} skipped)"
    columns = ["time", "rule", "trigger", "aircraft", "callsign", "flight", "value", "method",
               "delivery", "attempts"]  # fmt: skip
    times = [e.body.get("time_s") for e in entries]
    shown, caption = short_times([t if isinstance(t, int | float) else math.nan for t in times])
    view = TableView(
        tuple(columns),
        [[t, *(str(r[c]) for c in columns[1:])] for t, r in zip(shown, rows, strict=True)],
        drop_order=("attempts", "callsign", "method", "rule"),
        keep_whole=frozenset({"time", "flight"}),
        caption=caption,
    )
    json_rows = [{**e.body, "delivery": e.state, "attempts": e.attempts} for e in entries]
    emit(args, columns, rows, title=title, json_rows=json_rows, view=view)
    return 0
