"""``skytrace refdata``: import reference data files and show what is imported.

skytrace refdata import PATH --kind aircraft|operators|types|runways|countries|firs|area
                        [--name NAME] [--replace] [--data-dir DIR]
skytrace refdata status [--json] [--data-dir DIR]
skytrace refdata reresolve [--data-dir DIR]

``reresolve`` brings the flights and aircraft already in the history store up to date with
reference data imported after they were recorded (registration, type, country, operator;
``skytrace.store.maintenance``); airports of stored flights are not re-resolved.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError

__all__ = ["HELP", "add_arguments", "run"]

HELP = "import and inspect reference data"
_BAD_LINES_SHOWN = 10
_IDENTITY_KINDS = frozenset({"aircraft", "operators", "types"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from skytrace.refdata.importers import KINDS

    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    imp = sub.add_parser("import", help="import a file of one kind into the data directory")
    imp.add_argument("path", type=Path, help="file to import (.csv, .csv.gz, .json, .tgz, ...)")
    imp.add_argument("--kind", required=True, choices=KINDS, help="what the file holds")
    imp.add_argument("--name", default=None, help="name of a user area (--kind area)")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="operators: replace those imported before instead of merging (newer wins)",
    )
    add_data_dir_argument(imp)
    fetch = sub.add_parser(
        "fetch", help="download a well-known public file of one kind and import it (online)"
    )
    fetch.add_argument("kind", choices=KINDS, help="what to fetch")
    fetch.add_argument("--url", default=None, help="download this URL instead of the default")
    fetch.add_argument("--name", default=None, help="name of a user area (kind area)")
    add_data_dir_argument(fetch)
    again = sub.add_parser(
        "reresolve",
        help="update stored flights and aircraft with the reference data imported since "
        "(registration, type, country, operator)",
    )
    add_data_dir_argument(again)
    status = sub.add_parser("status", help="what is imported: source, rows, when")
    status.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(status)


def run(args: argparse.Namespace) -> int:
    if args.action == "import":
        return _import(args)
    if args.action == "status":
        return _status(args)
    if args.action == "fetch":
        return _fetch(args)
    if args.action == "reresolve":
        return _reresolve(args)
    raise UsageError(
        "say what to do: skytrace refdata import PATH --kind KIND | fetch | status | reresolve"
    )


def _reresolve(args: argparse.Namespace) -> int:
    from skytrace.refdata import load_refdata
    from skytrace.store.maintenance import update_aircraft_identities

    data_dir = resolve_data_dir(args.data_dir)
    console = Console(stderr=True)
    with console.status("re-resolving stored flights ..."):
        done = update_aircraft_identities(data_dir, load_refdata(data_dir))
    output_console().print(
        f"{done.flights:,} stored flights looked at, {done.flights_changed:,} updated; "
        f"{done.aircraft:,} aircraft re-identified (airports are not re-resolved)",
        highlight=False,
    )
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from skytrace.refdata.fetch import DEFAULT_URLS, download

    url = args.url or DEFAULT_URLS.get(args.kind)
    if url is None:
        raise UsageError(f"no well-known file for kind {args.kind!r}: give --url")
    data_dir = resolve_data_dir(args.data_dir, create=True)
    with Progress(
        *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"fetching {url}", total=None)
        path = download(
            url, data_dir, lambda done, total: bar.update(task, completed=done, total=total)
        )
    output_console().print(f"downloaded {url} to {path}", highlight=False)
    args.path = path
    return _import(args)


def _import(args: argparse.Namespace) -> int:
    from skytrace.refdata.importers import import_refdata

    data_dir = resolve_data_dir(args.data_dir, create=True)
    console = Console(stderr=True)
    with console.status(f"importing {args.path} as {args.kind} ...") as status:
        report = import_refdata(
            args.path,
            args.kind,
            data_dir,
            args.name,
            progress=lambda m: status.update(m),
            replace=getattr(args, "replace", False),
        )
    out = output_console()
    out.print(
        f"imported {report.rows:,} {report.kind} rows from {report.source} "
        f"({report.format}) into {data_dir / 'refdata'}"
    )
    for note in report.notes:
        out.print(f"  note: {note}")
    if report.kind in _IDENTITY_KINDS:
        out.print(
            "  note: flights already stored keep the identities they were recorded with; "
            "`skytrace refdata reresolve` updates them",
            highlight=False,
            markup=False,
        )
    if report.bad_rows:
        out.print(f"  {report.bad_rows:,} bad rows skipped; first ones:")
        for bad in report.bad_lines[:_BAD_LINES_SHOWN]:
            out.print(f"    {bad.where} {bad.line}: {bad.reason}", markup=False)
    return 0


def _status(args: argparse.Namespace) -> int:
    from skytrace.refdata.paths import read_manifest

    data_dir = resolve_data_dir(args.data_dir)
    entries = read_manifest(data_dir)
    bundled = {
        "airports": "airportsdata 20260905 (package)",
        "address blocks": "bundled (ICAO Annex 10 allocations)",
        "countries": "bundled Natural Earth 10m + 12 NM buffer"
        if "countries" not in entries
        else "imported (replaces the bundled outlines)",
    }
    if args.json:
        print(
            json.dumps(
                {
                    "data_dir": str(data_dir),
                    "imported": {k: asdict(v) for k, v in entries.items()},
                    "bundled": bundled,
                },
                indent=2,
            )
        )
        return 0
    console = output_console()
    table = Table(title=f"reference data in {data_dir / 'refdata'}")
    for col in ("kind", "rows", "bad", "imported (UTC)", "source"):
        table.add_column(col, justify="right" if col in ("rows", "bad") else "left", no_wrap=True)
    for kind, e in sorted(entries.items()):
        when = e.imported_at[:16].replace("T", " ")
        source = Path(e.source).name  # the full path and the format are in --json
        table.add_row(kind, f"{e.rows:,}", f"{e.bad_rows:,}", when, source)
    console.print(table)
    if not entries:
        console.print("nothing imported yet: see skytrace refdata import --help")
    for what, text in bundled.items():
        console.print(f"{what}: {text}")
    return 0
