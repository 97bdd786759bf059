"""``skytrace receivers``: per-receiver statistics of a running server, or of the store.

    skytrace receivers [--json] [--data-dir DIR]

Reads ``<data dir>/receivers.json``, which ``skytrace serve`` rewrites atomically every few
seconds. A file not rewritten for ``STALE_S`` seconds belongs to a server that is no longer
running: every receiver is shown as disconnected and without a rate. Without the file (a data
directory filled by ``demo``, ``replay`` or ``import``) the store's ``receivers`` table is
read instead.

One row per receiver: state (``connected``, or ``left HH:MM:SS`` with when its connection
closed), frames, frames/s (0 once it has left), bad frames, junk, connected since, last
frame, place, and its 12 MHz clock as measured: the rate in ppm off 12 MHz (shown when within
±``PLAUSIBLE_PPM``; a fit further off is a fit of too little data, shown as ``?``) and the UTC
time at which its counter read zero (``counter zero``; when the receiver's counter started,
or midnight for GPS-synchronised receivers).

With MLAT on (``skytrace serve --receiver-positions`` or feeders placed in --config), an
``MLAT`` column says what multilateration knows of each receiver: ``synced`` with how many
receivers its clock is related to, its own timing noise, counter resets seen and the fixes it
contributed to; or ``no position``, ``not synced``, ``excluded`` (its pairs disagree: probably a
wrong position).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import SourceError, StoreError
from skytrace.model import ReceiverStats
from skytrace.sources.clock import NOMINAL_RATE_HZ
from skytrace.sources.receivers import (
    RECEIVERS_JSON,
    ReceiverRow,
    json_value,
    read_receivers_file,
)

__all__ = ["HELP", "PLAUSIBLE_PPM", "STALE_S", "add_arguments", "run"]

HELP = "per-receiver statistics of a running server, or of the store"
STALE_S: Final = 30.0  # receivers.json older than this: the server is not running
PLAUSIBLE_PPM: Final = 500.0  # crystal oscillators of receivers are within ~±100 ppm
_DAY_S: Final = 86_400.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir_argument(parser)


def _when(time_s: float, now_s: float) -> str:
    if not math.isfinite(time_s):
        return "-"
    t = datetime.fromtimestamp(time_s, UTC)
    return f"{t:%H:%M:%S}" if abs(now_s - time_s) < _DAY_S else f"{t:%Y-%m-%d %H:%M}"


def clock_ppm(stats: ReceiverStats) -> float:
    """The measured counter rate in ppm off 12 MHz; NaN when unmeasured or implausible."""
    ppm = (stats.clock_rate_hz / NOMINAL_RATE_HZ - 1.0) * 1e6
    return ppm if abs(ppm) <= PLAUSIBLE_PPM else math.nan


def mlat_text(mlat: Mapping[str, Any] | None) -> str:
    """One cell: the MLAT state, its synchronised pairs, clock noise and fixes."""
    if mlat is None:
        return "-"
    state = str(mlat.get("state", "?"))
    if state != "synced":
        return state
    noise = mlat.get("clock_noise_ns")
    noise_text = f", {noise:,.0f} ns" if isinstance(noise, int | float) else ""
    resets = int(mlat.get("resets") or 0)
    reset_text = f", {resets} reset{'s' if resets != 1 else ''}" if resets else ""
    return (
        f"synced ({int(mlat.get('synced_pairs') or 0)} pairs{noise_text}{reset_text}), "
        f"{int(mlat.get('fixes') or 0):,} fixes"
    )


def _from_store(data_dir: object) -> list[ReceiverRow]:
    from skytrace.store import open_reader
    from skytrace.store.catalog import RECEIVER_COLUMNS

    names = [name for name, _ in RECEIVER_COLUMNS]
    with open_reader(data_dir) as reader:  # type: ignore[arg-type]
        _, rows = reader.sql(f"SELECT {', '.join(names)} FROM receivers ORDER BY name")
    out = []
    for row in rows:
        values: dict[str, Any] = {
            k: (math.nan if v is None else v) for k, v in zip(names, row, strict=True)
        }
        values["receiver"] = int(values["receiver"]) if isinstance(values["receiver"], int) else 0
        values["address"] = values["address"] if isinstance(values["address"], str) else ""
        garbage = values["garbage_bytes"]  # unknown in a store written before schema 2
        values["garbage_bytes"] = garbage if isinstance(garbage, int) else 0
        values["connected"] = False  # what the store says is history, not who is on now
        stats = ReceiverStats(**values)
        out.append(ReceiverRow(stats, stats.last_frame_s))
    return out


def _load(data_dir: object) -> tuple[str, float, list[ReceiverRow]]:
    """(where from, time written, rows); a stale file is a stopped server's."""
    path = resolve_data_dir(data_dir) / RECEIVERS_JSON  # type: ignore[arg-type]
    try:
        f = read_receivers_file(path)
    except SourceError:
        if path.exists():
            raise  # there, but unreadable: say so
        try:
            rows = _from_store(resolve_data_dir(data_dir))  # type: ignore[arg-type]
        except StoreError as exc:
            raise SourceError(
                f"no receiver statistics: no {path} (no `skytrace serve` with this data dir) "
                f"and {exc}"
            ) from None
        return "store", math.nan, rows
    if time.time() - f.written_s <= STALE_S:
        return "server", f.written_s, list(f.rows)
    stopped = []
    for r in f.rows:
        left = r.disconnected_since_s
        if r.stats.connected or math.isnan(left):
            left = f.written_s  # it was there until the server stopped writing
        stats = ReceiverStats(**{**asdict(r.stats), "connected": False, "frames_per_s": 0.0})
        stopped.append(ReceiverRow(stats, left, r.mlat))
    return "stopped server", f.written_s, stopped


def run(args: argparse.Namespace) -> int:
    source, written_s, rows = _load(args.data_dir)
    now = time.time()
    if args.json:
        out = []
        for r in rows:
            row = {k: json_value(v) for k, v in asdict(r.stats).items()}
            row["disconnected_since_s"] = json_value(r.disconnected_since_s)
            row["clock_ppm"] = json_value(clock_ppm(r.stats))
            if r.mlat is not None:
                row["mlat"] = dict(r.mlat)
            out.append(row)
        doc = {"source": source, "written": json_value(written_s), "receivers": out}
        print(json.dumps(doc))
        return 0
    if source == "store":
        title = "receivers recorded in the store (no server is writing receivers.json)"
    else:
        age = f"{_when(written_s, now)} UTC, {now - written_s:,.0f} s ago"
        title = f"receivers (written {age})"
        if source == "stopped server":
            title += ": the server is not running"
    table = Table(title=title)
    columns: tuple[str, ...] = ("#", "name", "state", "frames", "frames/s", "bad", "junk KB",
                                "since", "last frame", "lat", "lon", "clock ppm",
                                "counter zero")  # fmt: skip
    with_mlat = any(r.mlat is not None for r in rows)
    if with_mlat:
        columns += ("MLAT",)
    for col in columns:
        table.add_column(col, justify="left" if col in ("name", "state") else "right")
    for r in rows:
        s = r.stats
        if s.connected:
            state = "connected"
        elif source == "store":
            state = "recorded"
        else:
            state = f"left {_when(r.disconnected_since_s, now)}"
        ppm = clock_ppm(s)
        if math.isnan(ppm):
            ppm_text = "-" if math.isnan(s.clock_rate_hz) else "?"
        else:
            ppm_text = f"{ppm:+.1f}"
        table.add_row(
            str(s.receiver),
            s.name,
            state,
            f"{s.frames:,}",
            f"{s.frames_per_s:,.1f}",
            f"{s.bad_frames:,}",
            f"{s.garbage_bytes / 1e3:,.1f}",
            _when(s.connected_since_s, now),
            _when(s.last_frame_s, now),
            "-" if math.isnan(s.lat) else f"{s.lat:.3f}",
            "-" if math.isnan(s.lon) else f"{s.lon:.3f}",
            ppm_text,
            "-" if math.isnan(ppm) else _when(s.clock_offset_s, now),
            *((mlat_text(r.mlat),) if with_mlat else ()),
        )
    output_console().print(table)
    if not rows:
        Console(stderr=True).print("no receivers have connected")
    return 0
