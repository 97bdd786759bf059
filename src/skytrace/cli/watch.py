"""``skytrace watch add|list|show|remove|test``: manage watch rules and try them on history.

Rules live in ``<data dir>/watch.toml`` (see skytrace.alerts.rules and docs/alerts.md); a
running ``skytrace serve`` or ``demo --keep-running`` picks changes up by itself.
``watch test NAME`` runs one rule over the stored history and lists what it would have fired
on (trigger, time, aircraft, flight, value) — the same answer the live run gave.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from skytrace.alerts.rules import TRIGGERS, RuleBook, WatchRule
from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError, WatchRuleError
from skytrace.store.present import (
    TableView,
    add_output_arguments,
    count,
    emit,
    iso,
    short_times,
    time_window,
)

__all__ = ["EPILOG", "HELP", "add_arguments", "run"]

HELP = "watch rules: be alerted when a watched aircraft, operator, route or area moves"
EPILOG = """examples:
  skytrace watch add koryo --operator KOR --on takeoff,landing,area-entry \\
      --webhook http://127.0.0.1:9000/hook
  skytrace watch add p671 --aircraft 7277cf --on takeoff,landing,lost-contact --lost-minutes 20
  skytrace watch add mayday --squawk 7700 --on emergency,squawk --jsonl mayday.jsonl
  skytrace watch add russia --operator KOR --area country:RU --on area-entry
  skytrace watch list
  skytrace watch test koryo --date 2023-09-12
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a rule (or replace it with --replace)")
    add.add_argument("name", help="rule name: letters, digits, _ . -")
    add.add_argument(
        "--on",
        default="takeoff,landing",
        help=f"what fires it, comma-separated: {', '.join(TRIGGERS)} (default takeoff,landing)",
    )
    add.add_argument("--aircraft", action="append", default=[], metavar="HEX|REG",
                     help="an aircraft by hex address or registration (repeatable)")  # fmt: skip
    add.add_argument("--aircraft-file", metavar="FILE", help="a list of hexes/registrations")
    add.add_argument("--operator", action="append", default=[], help="ICAO designator (KOR)")
    add.add_argument("--type", action="append", default=[], help="ICAO type designator (A148)")
    add.add_argument("--callsign", action="append", default=[], help="pattern, e.g. KOR15*")
    add.add_argument("--from", dest="route_from", action="append", default=[],
                     metavar="AIRPORT", help="departure airport (ICAO or IATA)")  # fmt: skip
    add.add_argument("--to", dest="route_to", action="append", default=[],
                     metavar="AIRPORT", help="arrival airport (ICAO or IATA)")  # fmt: skip
    add.add_argument("--airport", action="append", default=[], help="either end, or the event's")
    add.add_argument(
        "--area",
        action="append",
        default=[],
        metavar="AREA",
        help="country:RU, fir:UHHH, area:NAME, circle:LAT,LON,KM or polygon:FILE.geojson",
    )
    add.add_argument("--squawk", action="append", default=[], help="a squawk code (7700)")
    add.add_argument("--military", action="store_true", help="military aircraft only")
    add.add_argument("--interesting", action="store_true", help="'interesting' aircraft only")
    add.add_argument(
        "--lost-minutes",
        type=float,
        default=10.0,
        metavar="MIN",
        help="lost-contact after MIN minutes with nothing heard (default 10)",
    )
    add.add_argument("--webhook", metavar="URL", help="POST each alert's JSON here")
    add.add_argument("--secret", help="HMAC-SHA256 key to sign webhook bodies with")
    add.add_argument("--email", metavar="ADDRESS", help="mail each alert (SMTP in alerts.toml)")
    add.add_argument("--jsonl", metavar="NAME.jsonl", help="append alerts to alerts/NAME.jsonl")
    add.add_argument("--replace", action="store_true", help="replace a rule of that name")
    add_data_dir_argument(add)

    lst = sub.add_parser("list", help="the rules in force")
    add_output_arguments(lst)
    add_data_dir_argument(lst)

    show = sub.add_parser("show", help="one rule as it is stored")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(show)

    rm = sub.add_parser("remove", help="remove a rule")
    rm.add_argument("name")
    add_data_dir_argument(rm)

    test = sub.add_parser("test", help="what a rule would have fired on in the stored history")
    test.add_argument("name")
    test.add_argument("--date", metavar="YYYY-MM-DD", help="one UTC day")
    test.add_argument("--since", metavar="TIME", help="from this time (ISO 8601 or date)")
    test.add_argument("--until", metavar="TIME", help="before this time (exclusive)")
    add_output_arguments(test)
    add_data_dir_argument(test)


def _book(args: argparse.Namespace, create: bool = False) -> RuleBook:
    book = RuleBook(resolve_data_dir(args.data_dir, create=create))
    if book.error:
        raise WatchRuleError(f"{book.error} (fix the file; the rules stay as they were)")
    return book


def _find(book: RuleBook, name: str) -> WatchRule:
    for rule in book.rules():
        if rule.name == name:
            return rule
    names = ", ".join(r.name for r in book.rules()) or "none yet"
    raise UsageError(f"no watch rule {name!r} (rules: {names})")


def run(args: argparse.Namespace) -> int:
    return {"add": _add, "list": _list, "show": _show, "remove": _remove, "test": _test}[
        args.action
    ](args)


def _add(args: argparse.Namespace) -> int:
    book = _book(args, create=True)
    values: dict[str, Any] = {"name": args.name, "on": [t.strip() for t in args.on.split(",")]}
    for name in ("aircraft", "operator", "type", "callsign", "route_from", "route_to",
                 "airport", "area", "squawk"):  # fmt: skip
        if getattr(args, name):
            values[name] = getattr(args, name)
    for name in ("aircraft_file", "webhook", "secret", "email", "jsonl"):
        if getattr(args, name):
            values[name] = getattr(args, name)
    if args.military:
        values["military"] = True
    if args.interesting:
        values["interesting"] = True
    if args.lost_minutes != 10.0:
        values["lost_minutes"] = args.lost_minutes
    rule = WatchRule.build(values, book.data_dir)
    rules = [r for r in book.rules() if r.name != rule.name]
    if len(rules) != len(book.rules()) and not args.replace:
        raise UsageError(f"a rule {rule.name!r} exists; add --replace to replace it")
    book.save([*rules, rule])
    out = output_console(highlight=False, markup=False)
    out.print(f"watch rule {rule.name!r}: fires on {', '.join(rule.on)}; {_targets(rule)}")
    return 0


def _targets(rule: WatchRule) -> str:
    where = [f"webhook {rule.webhook}" if rule.webhook else "",
             f"email {rule.email}" if rule.email else "",
             f"alerts/{rule.jsonl}" if rule.jsonl else ""]  # fmt: skip
    found = [w for w in where if w]
    return "delivered to " + ", ".join(found) if found else "logged (skytrace alerts) only"


def _filters(rule: WatchRule) -> str:
    parts = []
    for name in ("aircraft", "operator", "type", "callsign", "route_from", "route_to",
                 "airport", "area", "squawk"):  # fmt: skip
        values = getattr(rule, name)
        if values:
            parts.append(f"{name.replace('_', ' ')} {' '.join(values)}")
    if rule.aircraft_file:
        parts.append(f"aircraft file {rule.aircraft_file}")
    if rule.military:
        parts.append("military")
    if rule.interesting:
        parts.append("interesting")
    return "; ".join(parts) or "every aircraft"


def _list(args: argparse.Namespace) -> int:
    book = _book(args)
    rows = [
        {"name": r.name, "on": ",".join(r.on), "matches": _filters(r), "delivery": _targets(r)}
        for r in book.rules()
    ]
    emit(args, ["name", "on", "matches", "delivery"], rows,
         title=f"{len(rows)} watch rule{'s' if len(rows) != 1 else ''}",
         json_rows=[r.to_toml_table() for r in book.rules()])  # fmt: skip
    return 0


def _show(args: argparse.Namespace) -> int:
    rule = _find(_book(args), args.name)
    table = rule.to_toml_table()
    out = output_console(highlight=False, markup=False)
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    for key, value in table.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        out.print(f"{key:>14}  {shown}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    book = _book(args)
    rule = _find(book, args.name)
    book.save([r for r in book.rules() if r.name != rule.name])
    output_console(highlight=False, markup=False).print(f"watch rule {rule.name!r} removed")
    return 0


def _test(args: argparse.Namespace) -> int:
    from skytrace.alerts.delivery import alert_body
    from skytrace.alerts.history import run_over_history
    from skytrace.refdata import load_refdata
    from skytrace.store import open_reader

    data_dir = resolve_data_dir(args.data_dir)
    rule = _find(_book(args), args.name)
    since, until = time_window(args)
    refdata = load_refdata(data_dir)
    with open_reader(data_dir) as reader:
        alerts = run_over_history(rule, reader, since, until, refdata, refdata.areas)
    rows = [
        {
            "time": iso(a.time_s),
            "trigger": a.trigger,
            "aircraft": a.hex,
            "registration": a.identity.registration if a.identity else "",
            "callsign": a.callsign,
            "flight": a.flight_id,
            "value": a.value,
            "method": a.method,
            "confidence": "" if not math.isfinite(a.confidence) else f"{a.confidence:.2f}",
        }
        for a in alerts
    ]
    columns = ["time", "trigger", "aircraft", "registration", "callsign", "flight", "value",
               "method", "confidence"]  # fmt: skip
    shown, caption = short_times([a.time_s for a in alerts])
    view = TableView(
        tuple(columns),
        [[t, *(str(r[c]) for c in columns[1:])] for t, r in zip(shown, rows, strict=True)],
        drop_order=("confidence", "callsign", "aircraft", "registration"),
        keep_whole=frozenset({"time", "flight"}),
        caption=caption,
    )
    emit(args, columns, rows, view=view, json_rows=[alert_body(a) for a in alerts],
         title=f"rule {rule.name}: {count(len(rows), 'alert')}")  # fmt: skip
    return 0
