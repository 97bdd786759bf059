"""``skytrace area``: which country and FIR a point lies in — or, with the history store,
what flew in an area.

    skytrace area --at 43.1,131.9 [--sectors] [--json] [--data-dir DIR]
    skytrace area --bbox ... / --polygon ... / --country ... --from ... --to ...   (history)

The point look-up is refdata's. History queries are the store's
(``skytrace.cli.area_history``: ``add_history_arguments(parser)``, ``run_history(args)``);
they are imported lazily and only when present.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
from dataclasses import asdict
from types import ModuleType

from skytrace.cli.airport import parse_lat_lon
from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.store.present import safe_text

__all__ = ["HELP", "add_arguments", "run"]

HELP = "which country and FIR a point lies in, or what flew in an area"
_HISTORY = "skytrace.cli.area_history"


def _history() -> ModuleType | None:
    if importlib.util.find_spec(_HISTORY) is None:
        return None
    return importlib.import_module(_HISTORY)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # The history module may add options of the same name (--json, --data-dir): the last
    # definition wins instead of argparse refusing the duplicate.
    parser.conflict_handler = "resolve"
    parser.add_argument("--at", metavar="LAT,LON", help="name the country and FIR of a point")
    parser.add_argument(
        "--sectors",
        action="store_true",
        help="with --at: also the FIR sectors and sub-areas containing the point",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)
    history = _history()
    if history is not None:
        history.add_history_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.at is None:
        history = _history()
        if history is None:
            raise UsageError(
                "history queries need the store (skytrace.cli.area_history is not installed); "
                "use --at LAT,LON to name the country and FIR of a point"
            )
        return int(history.run_history(args))
    from skytrace.refdata import load_refdata

    lat, lon = parse_lat_lon(args.at)
    hit = load_refdata(resolve_data_dir(args.data_dir)).areas.locate(lat, lon, sectors=args.sectors)
    if args.json:
        print(json.dumps(asdict(hit), indent=2))
        return 0
    # Names come from imported files: printed as text (no markup), control characters escaped.
    console = output_console(highlight=False, markup=False)
    if hit.country:
        where = {"land": "over land", "sea": "over its territorial sea"}.get(hit.surface, "")
        console.print(safe_text(f"country: {hit.country_name} ({hit.country}) {where}".rstrip()))
    else:
        console.print("country: none (international waters or airspace)")
    if hit.fir:
        console.print(safe_text(f"FIR: {hit.fir} {hit.fir_name}".rstrip()))
    elif hit.firs_loaded:
        console.print("FIR: none")
    else:
        console.print("FIR: unknown (no FIRs imported: skytrace refdata import FILE --kind firs)")
    if args.sectors and hit.firs_loaded:
        console.print(safe_text(f"sectors: {', '.join(hit.sectors) or 'none'}"))
    if hit.areas:
        console.print(safe_text(f"areas: {', '.join(hit.areas)}"))
    src = "imported outlines" if hit.country_source == "imported" else "bundled outlines"
    console.print(f"({src}; {lat}, {lon})")
    return 0
