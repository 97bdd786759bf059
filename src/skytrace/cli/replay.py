"""``skytrace replay``: recorded files through the same runtime as live data.

    skytrace replay FILE... [--speed N] [--format F] [--data-dir DIR | --no-store]
                    [--aircraft-json OUT] [--batch-frames N] [--json]
                    [--receiver-positions TOML] [--mlat | --no-mlat]

Files are read one after another (each is its own receiver, named by its file name) with
skytrace.sources.files (Beast, AVR, ts,hex CSV, JSONL, gzip or not). Without ``--speed`` they
go as fast as the pipeline takes them; with ``--speed N`` frames are handed on when N x real
time (by their own timestamps) says so, in slices of at most 0.1 s of wall time. A progress
bar shows the position in the file and frames/s; at the end a summary (frames, decoded,
bad lines, aircraft, positions, flights) is printed. ``--aircraft-json OUT`` writes the
tracker's snapshot about once a second of wall time and at the end (temp file + rename).

Multilateration (skytrace.mlat, docs/mlat.md) runs when receiver positions are given
(``--receiver-positions``: ``[[receivers]]`` name, lat, lon, altitude_m; a simulator scenario
file works as it is); ``--no-mlat`` turns it off. Its fixes become positions with source
``mlat`` and the summary counts them (``mlat fixes``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from skytrace.cli.console import output_console
from skytrace.cli.mlat_options import add_mlat_arguments, mlat_stage
from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError
from skytrace.model import Event, Flight, FrameBatch, ReceiverStats
from skytrace.sources.files import FORMATS, FileReader
from skytrace.sources.receivers import ReceiverRegistry

HELP = "feed recorded files through the live pipeline"

_SLICE_WALL_S = 0.1
_SNAPSHOT_EVERY_S = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="recorded file(s)")
    parser.add_argument(
        "--speed", type=float, default=None, metavar="N",
        help="replay at N x real time (default: as fast as possible)",
    )  # fmt: skip
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="file format (default: detected)"
    )
    add_data_dir_argument(parser)
    parser.add_argument(
        "--no-store", action="store_true", help="keep nothing: do not open the history store"
    )
    parser.add_argument(
        "--aircraft-json", type=Path, default=None, metavar="OUT",
        help="write the live aircraft.json snapshot to OUT while replaying",
    )  # fmt: skip
    parser.add_argument(
        "--batch-frames", type=int, default=20_000, metavar="N",
        help="frames per micro-batch (default 20000)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_mlat_arguments(parser)


@dataclass(slots=True)
class ReplaySummary:
    files: int = 0
    frames: int = 0
    decoded: int = 0
    bad_lines: int = 0
    positions: int = 0
    aircraft: set[int] = field(default_factory=set)
    flights: set[str] = field(default_factory=set)
    events: int = 0
    positions_rejected: int = 0  # refused by the store (bad time or lat/lon)
    positions_duplicate: int = 0  # already in the store (a file replayed twice)
    stopped: bool = False  # SIGTERM ended the replay early (what was read is stored)
    elapsed_s: float = 0.0
    mlat_fixes: int | None = None  # None: MLAT off

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "frames": self.frames,
            "decoded": self.decoded,
            "bad_lines": self.bad_lines,
            "aircraft": len(self.aircraft),
            "positions": self.positions,
            "flights": len(self.flights),
            "events": self.events,
            "positions_rejected": self.positions_rejected,
            "positions_duplicate": self.positions_duplicate,
            "stopped": self.stopped,
            "elapsed_s": round(self.elapsed_s, 3),
            "frames_per_s": round(self.frames / self.elapsed_s) if self.elapsed_s > 0 else 0,
        } | ({} if self.mlat_fixes is None else {"mlat_fixes": self.mlat_fixes})


class _Counting:
    """Frame sink and sink that count what went through for the summary."""

    def __init__(self, summary: ReplaySummary) -> None:
        self.summary = summary

    def send_frames(self, frames: FrameBatch, decoded: Any) -> None:
        self.summary.decoded += int(np.count_nonzero(decoded.ok))

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        self.summary.positions += len(positions)
        if len(positions):
            self.summary.aircraft.update(np.unique(positions["icao24"]).tolist())
        self.summary.flights.update(f.flight_id for f in flights)
        self.summary.events += len(events)


def _check_args(args: argparse.Namespace) -> None:
    if args.speed is not None and not (args.speed > 0 and math.isfinite(args.speed)):
        raise UsageError("--speed must be a positive number")
    if args.batch_frames < 1:
        raise UsageError("--batch-frames must be at least 1")
    if args.no_store and args.data_dir:
        raise UsageError("give --data-dir or --no-store, not both")
    for f in args.files:
        if not f.is_file():
            raise UsageError(f"{f}: no such file")


def run(args: argparse.Namespace) -> int:
    from skytrace.app import RuntimeOptions

    _check_args(args)
    registry = ReceiverRegistry()  # one for all files: readsb ids inside them get their own
    readers = [
        FileReader(f, format=args.format, batch_frames=args.batch_frames, registry=registry)
        for f in args.files
    ]
    data_dir = None if args.no_store else resolve_data_dir(args.data_dir, create=True)
    summary = ReplaySummary(files=len(readers))
    counting = _Counting(summary)
    options = RuntimeOptions(data_dir=data_dir, frame_sinks=[counting], extra_sinks=[counting])
    options.mlat = mlat_stage(args)
    err = Console(stderr=True)
    started = time.perf_counter()
    stop = threading.Event()
    previous = _on_sigterm(stop)
    try:
        rt = _replay_all(readers, data_dir, options, args, summary, stop, err)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if rt.store is not None:  # report what the store holds, not what was handed to it
        counts = rt.store.counts()
        summary.positions = counts.positions_stored
        summary.events = counts.events_stored
        summary.positions_rejected = counts.positions_rejected
        summary.positions_duplicate = counts.positions_duplicate
    if options.mlat is not None:
        summary.mlat_fixes = options.mlat.stats.fixes
    summary.stopped = stop.is_set()
    summary.elapsed_s = time.perf_counter() - started
    _print_summary(summary, args.json)
    return 0


def _on_sigterm(stop: threading.Event) -> Any:
    """SIGTERM ends the replay like the end of the input: flushed, stored, summarised."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())


def _replay_all(
    readers: list[FileReader],
    data_dir: Path | None,
    options: Any,
    args: argparse.Namespace,
    summary: ReplaySummary,
    stop: threading.Event,
    err: Console,
) -> Any:
    from skytrace.app import open_runtime

    with open_runtime(data_dir, options) as rt:
        snapshots = _Snapshots(args.aircraft_json, rt)
        for reader in readers:
            if stop.is_set():
                break
            frames = _replay_file(reader, rt, args.speed, snapshots, err, stop)
            summary.frames += frames
            summary.bad_lines += reader.counters.bad_lines
            rt.record_receivers([_file_receiver(reader, frames)])
            for line, reason in reader.counters.bad_line_numbers[:5]:
                where = f"line {line}" if line >= 0 else "frame"
                err.print(f"[yellow]{reader.path.name}: bad {where}: {reason}[/]")
        rt.finish()
        snapshots.write(force=True)
    return rt


def _file_receiver(reader: FileReader, frames: int) -> ReceiverStats:
    """A recorded file is one receiver in the store's ``receivers`` table."""
    return ReceiverStats(
        receiver=reader.receiver,
        name=reader.receiver_name,
        frames=frames,
        bad_frames=reader.counters.bad_lines,
        bytes_in=reader.size_bytes,
        address=str(reader.path),
    )


class _Snapshots:
    def __init__(self, path: Path | None, rt: Any) -> None:
        self.path = path
        self.rt = rt
        self.last = 0.0

    def write(self, *, force: bool = False) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if not force and now - self.last < _SNAPSHOT_EVERY_S:
            return
        self.last = now
        from skytrace.outputs.aircraft_json import write_aircraft_json

        write_aircraft_json(self.path, self.rt.tracker.snapshot(self.rt.now_s))


def _replay_file(
    reader: FileReader,
    rt: Any,
    speed: float | None,
    snapshots: _Snapshots,
    err: Console,
    stop: threading.Event | None = None,
) -> int:
    """Replay one file; returns the number of frames handed to the runtime."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[frames]:>12,} frames  {task.fields[rate]:>10,.0f} frames/s"),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    t0_wall = time.perf_counter()
    t0_data: float | None = None
    frames = 0
    with progress:
        task = progress.add_task(reader.path.name, total=reader.size_bytes, frames=0, rate=0.0)
        for batch in reader:
            if stop is not None and stop.is_set():
                break
            parts = [batch]
            if speed is not None:
                valid = batch.time_s[np.isfinite(batch.time_s)]
                if t0_data is None and valid.size:
                    t0_data = float(valid[0])
                parts = _time_slices(batch, speed * _SLICE_WALL_S)
            for part in parts:
                if speed is not None and t0_data is not None and len(part):
                    due = t0_wall + (float(np.nanmax(part.time_s)) - t0_data) / speed
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                rt.process(part)
                frames += len(part)
                snapshots.write()
            elapsed = time.perf_counter() - t0_wall
            progress.update(
                task,
                completed=reader.position_bytes,
                frames=frames,
                rate=frames / elapsed if elapsed > 0 else 0.0,
            )
        progress.update(task, completed=reader.size_bytes)
    return frames


def _time_slices(batch: FrameBatch, span_s: float) -> list[FrameBatch]:
    """Cut a time-ordered batch into pieces covering at most ``span_s`` of data time each."""
    t = batch.time_s
    if len(t) == 0 or not np.isfinite(t).all() or float(t[-1] - t[0]) <= span_s:
        return [batch]
    edges = np.arange(float(t[0]) + span_s, float(t[-1]) + span_s, span_s)
    cuts = np.searchsorted(t, edges, side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(t)]]))
    return [batch[int(a) : int(b)] for a, b in itertools.pairwise(bounds)]


def _print_summary(summary: ReplaySummary, as_json: bool) -> None:
    values = summary.as_dict()
    if as_json:
        print(json.dumps(values))
        return
    table = Table(title="replay", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in values.items():
        if isinstance(value, bool):
            value = "yes (SIGTERM)" if value else "no"
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
    output_console().print(table)
