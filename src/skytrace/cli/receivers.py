"""``skytrace receivers``: per-receiver statistics of a running (or last run) server.

    skytrace receivers [--json] [--data-dir DIR]

Reads ``<data dir>/receivers.json``, which ``skytrace serve`` rewrites atomically every few
seconds, and prints one row per receiver: frames, frames/s, bad frames, bytes, connected
since, last frame, place, and the measured rate (as ppm off 12 MHz) and offset of its clock.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.sources.clock import NOMINAL_RATE_HZ
from skytrace.sources.receivers import RECEIVERS_JSON, json_value, read_receivers_json

HELP = "per-receiver statistics of a running server or a store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def _when(time_s: float) -> str:
    if not math.isfinite(time_s):
        return "-"
    return datetime.fromtimestamp(time_s, UTC).strftime("%Y-%m-%d %H:%M:%S")


def run(args: argparse.Namespace) -> int:
    path = resolve_data_dir(args.data_dir) / RECEIVERS_JSON
    written_s, stats = read_receivers_json(path)
    if args.json:
        rows = [{k: json_value(v) for k, v in asdict(s).items()} for s in stats]
        print(json.dumps({"written": written_s, "receivers": rows}))
        return 0
    age = time.time() - written_s
    table = Table(title=f"receivers (written {_when(written_s)} UTC, {age:,.0f} s ago)")
    columns = ("#", "name", "address", "now", "frames", "frames/s", "bad", "junk KB",
               "MB in", "connected since", "last frame", "lat", "lon", "clock ppm",
               "clock offset s")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="left" if col in ("name", "address") else "right")
    for s in stats:
        ppm = (s.clock_rate_hz / NOMINAL_RATE_HZ - 1) * 1e6
        table.add_row(
            str(s.receiver),
            s.name,
            s.address or "-",
            "connected" if s.connected else "-",
            f"{s.frames:,}",
            f"{s.frames_per_s:,.1f}",
            f"{s.bad_frames:,}",
            f"{s.garbage_bytes / 1e3:,.1f}",
            f"{s.bytes_in / 1e6:,.2f}",
            _when(s.connected_since_s),
            _when(s.last_frame_s),
            "-" if math.isnan(s.lat) else f"{s.lat:.4f}",
            "-" if math.isnan(s.lon) else f"{s.lon:.4f}",
            "-" if math.isnan(ppm) else f"{ppm:+.1f}",
            "-" if math.isnan(s.clock_offset_s) else f"{s.clock_offset_s:.3f}",
        )
    out = output_console()
    out.print(table)
    if not stats:
        Console(stderr=True).print("no receivers have connected")
    return 0
