"""``skytrace airport CODE``: an airport (ICAO or IATA code) and its runways.

skytrace airport ZKPY [--json] [--data-dir DIR]
skytrace airport --near 39.2,125.7 [--radius 30]
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict
from typing import Any

from rich.markup import escape as _escape_markup
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.store.present import safe_text

__all__ = ["HELP", "add_arguments", "parse_lat_lon", "run"]

HELP = "an airport and its runways"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", help="ICAO (ZKPY) or IATA (FNJ) code")
    parser.add_argument("--near", metavar="LAT,LON", help="list airports near a point instead")
    parser.add_argument("--radius", type=float, default=30.0, metavar="KM", help="for --near")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``"43.1,131.9"`` -> (43.1, 131.9); UsageError when malformed or out of range."""
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise UsageError(f"expected LAT,LON in degrees (e.g. 43.1,131.9), got {text!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        raise UsageError(f"{text!r}: latitude must be within ±90 and longitude within ±180")
    return lat, lon


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def escape(value: object) -> str:
    """Data for a markup string: rich markup and terminal control characters neutralized."""
    return _escape_markup(safe_text(value))


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def run(args: argparse.Namespace) -> int:
    from skytrace.refdata import load_refdata

    refdata = load_refdata(resolve_data_dir(args.data_dir))
    airports = refdata.airports
    console = output_console()
    if args.near:
        lat, lon = parse_lat_lon(args.near)
        found = airports.near(lat, lon, args.radius)
        if args.json:
            out = [dict(_clean(asdict(a)), distance_km=round(d, 3)) for a, d in found]
            print(json.dumps(out, indent=2))
            return 0
        table = Table(title=f"airports within {args.radius:g} km of {lat},{lon}")
        for col in ("icao", "iata", "name", "size", "longest rwy ft", "km"):
            table.add_column(col)
        for a, d in found:
            table.add_row(
                escape(a.icao),
                escape(a.iata),
                escape(a.name),
                a.size,
                _fmt(a.longest_runway_ft),
                f"{d:.1f}",
            )
        console.print(table)
        return 0
    if not args.code:
        raise UsageError("give an airport code (ZKPY, FNJ) or --near LAT,LON")
    info = airports.get(args.code)
    if args.json:
        record = _clean(asdict(info))
        record["runways_imported"] = airports.has_runways
        print(json.dumps(record, indent=2))
        return 0
    country = refdata.areas.country_name(info.country) or info.country
    console.print(
        f"[bold]{escape(info.icao)}[/bold] {escape(info.iata)}  {escape(info.name)}",
        highlight=False,
    )
    console.print(
        f"{escape(info.city)}, {escape(country)} · {info.lat:.4f}, {info.lon:.4f} · elevation "
        f"{_fmt(info.elevation_ft)} ft · {info.tz} · size: {info.size}",
        highlight=False,
    )
    if not airports.has_runways:
        console.print("runways: none imported (skytrace refdata import runways.csv --kind runways)")
        return 0
    if not info.runways:
        console.print("runways: none known for this airport")
        return 0
    table = Table(title="runways")
    for col in ("runway", "length ft", "width ft", "surface", "headings °T", "thresholds"):
        table.add_column(col)
    for r in info.runways:
        table.add_row(
            escape(r.name),
            _fmt(r.length_ft),
            _fmt(r.width_ft),
            escape(r.surface),
            f"{_fmt(r.le_heading_deg, 1)} / {_fmt(r.he_heading_deg, 1)}",
            f"{_fmt(r.le_lat, 4)},{_fmt(r.le_lon, 4)} - {_fmt(r.he_lat, 4)},{_fmt(r.he_lon, 4)}",
        )
    console.print(table)
    return 0
