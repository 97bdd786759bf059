"""Recorded frame files in, for replay and serve: FrameBatches with times, counters, labels.

Reading and format detection are ``sources.readers`` (one vectorized way in for every format:
Beast, Beast raw, AVR, ``ts,hex`` CSV, hex lines, JSON lines / a JSON array, gzip of each,
recognised by magic bytes). This module turns those blocks into time-ordered FrameBatches of
``batch_frames`` frames for the runtime and keeps the counters a replay reports.

Times: csv and jsonl lines carry their own. A Beast file with readsb UTC stamps (0x1a 0xe8,
as ``skytrace simulate`` and readsb's ``--dump-beast`` write them) is timed by them, each
receiver by its own counter (see sources.beast). Otherwise Beast and timestamped AVR carry a
12 MHz counter only, so each receiver (readsb receiver ids name several in one file) is timed
``anchor + (ticks - anchor ticks) / 12 MHz`` from where it first appears (sources.clock.
CounterTimeline). A frame with no time of its own (AVR ``*`` records, hex lines, JSON lines
without a time, a Beast frame without a counter) is timed by the position squitters heard
around it (sources.pace: about two a second per aircraft), plus ``UNTIMED_STEP_S`` (1 us) per
frame since the clock last moved, so an untimed recording of two hours plays as about two
hours, not as 1.7 s of frames 1 us apart.

Where such a file starts: at ``start_s`` when given; by default the recording is taken to end
when the file was last written (its modification time), so one reading pass before the replay
measures its span and it starts that long before. (Anchoring the start at the modification
time put a two-hour recording two hours into the future, and the store refused what lay past
the present.) Receivers named by readsb ids are registered in ``registry`` (pass one
registry to the readers of several files so their indexes differ).

Bad lines and frames are counted, with the line numbers of the first ``MAX_BAD_LINES`` kept
(and their text, truncated to 200 characters), and the good lines around them are kept. An
unreadable file or an unknown format raises ``SourceError``. Not thread-safe.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

import numpy as np

from skytrace.errors import SourceError
from skytrace.model import FrameBatch, FrameKind
from skytrace.sources.clock import CounterTimeline
from skytrace.sources.pace import STEP_S, SquitterPace
from skytrace.sources.readers.stream import FORMATS, FrameStream
from skytrace.sources.receivers import ReceiverRegistry

__all__ = [
    "FORMATS",
    "MAX_BAD_LINES",
    "UNTIMED_STEP_S",
    "FileReader",
    "detect_format",
    "iter_file_batches",
]

MAX_BAD_LINES: Final = 100
UNTIMED_STEP_S: Final = STEP_S


@dataclass(slots=True)
class FileCounters:
    bytes_in: int = 0
    frames: int = 0
    bad_lines: int = 0  # lines (text formats) or frames (binary) that could not be read
    garbage_bytes: int = 0
    bad_line_numbers: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    bad_line_texts: list[str] = field(default_factory=list)  # aligned: first 200 characters


def _open(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def detect_format(path: Path) -> str:
    """Guess a file's format from its first bytes (gzip decompressed; see sources.readers)."""
    with _open(Path(path)) as fh:
        return FrameStream(fh, str(path)).format


class FileReader:
    """Read one recorded file as FrameBatches of at most ``batch_frames`` frames.

    ``counters`` fills in as the file is read; ``receiver`` / ``receiver_name`` label the
    frames (the file's name by default for the name).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        batch_frames: int = 65536,
        receiver: int = 1,
        receiver_name: str | None = None,
        start_s: float | None = None,
        registry: ReceiverRegistry | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        if format is not None and format not in FORMATS:
            raise SourceError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
        self.format = format or detect_format(self.path)
        self.batch_frames = max(1, batch_frames)
        self.receiver_name = receiver_name or self.path.name
        self.registry = registry if registry is not None else ReceiverRegistry()
        own = self.registry.index_for(self.receiver_name, str(path))  # readsb ids come after
        self.receiver = receiver if registry is None else own
        self.counters = FileCounters()
        self.size_bytes = self.path.stat().st_size
        self.position_bytes = 0  # compressed bytes read so far (for progress)
        if start_s is None:  # the recording ended when the file was last written
            start_s = self.path.stat().st_mtime - self._recording_span_s()
        self.start_s = start_s
        self.timeline = CounterTimeline(self.start_s)
        self._pace = SquitterPace(self.start_s)

    def __iter__(self) -> Iterator[FrameBatch]:
        with _open(self.path) as fh:
            frames = FrameStream(
                fh,
                str(self.path),
                self.format,
                receiver=self.receiver,
                receiver_name=self.receiver_name,
                registry=self.registry,
                utc_stamps=True,
            )
            yield from _rebatch(self._batches(frames, fh), self.batch_frames)
            self.counters.bytes_in = frames.counters.bytes_in
            self.counters.garbage_bytes = frames.counters.garbage_bytes

    def _batches(self, frames: FrameStream, fh: IO[bytes]) -> Iterator[FrameBatch]:
        for block in frames:
            for bad in block.bad:
                self.counters.bad_lines += 1
                if len(self.counters.bad_line_numbers) < MAX_BAD_LINES:
                    self.counters.bad_line_numbers.append((bad.line, bad.reason))
                    self.counters.bad_line_texts.append(bad.text)
            with contextlib.suppress(OSError, ValueError):
                self.position_bytes = fh.tell()
            self.counters.bytes_in = frames.counters.bytes_in
            if len(block.frames):
                yield self._finish(block.frames)

    def _finish(self, batch: FrameBatch) -> FrameBatch:
        """Label the batch, give it times and count it."""
        self._label(batch)
        self._time(batch, self.timeline, self._pace)
        self.counters.frames += len(batch)
        return batch

    def _label(self, batch: FrameBatch) -> None:
        if not batch.receivers:
            batch.receiver[:] = self.receiver
        batch.receivers = {**batch.receivers, self.receiver: self.receiver_name}

    @staticmethod
    def _time(batch: FrameBatch, timeline: CounterTimeline, pace: SquitterPace) -> None:
        """Times in place (see the module docstring): counters, then the squitter pace."""
        t = batch.time_s
        timed = np.isfinite(t)
        has = (batch.receiver_ticks != 0) & (batch.kind != FrameKind.MLAT) & ~timed
        if has.any():
            idx = np.flatnonzero(has)
            t[idx] = timeline.times(batch.receiver[idx], batch.receiver_ticks[idx])
            timed |= has
        if timed.all():
            pace.observe(t)
        else:
            pace.fill(t, timed, batch.payload, batch.length)

    def _recording_span_s(self) -> float:
        """Seconds from the file's first frame to its last, as this reader times them.

        0 for a file whose first block is timed by its own clock times (csv, jsonl, readsb UTC
        stamps): those need no anchor. Otherwise one pass over the file timing it from 0
        (reading only: Beast costs ~0.1 us a frame, AVR ~1 us; a gzip file is decompressed
        twice).
        """
        timeline, pace = CounterTimeline(0.0), SquitterPace(0.0)
        with _open(self.path) as fh:
            frames = FrameStream(
                fh, str(self.path), self.format, receiver=self.receiver,
                receiver_name=self.receiver_name, registry=ReceiverRegistry(), utc_stamps=True,
            )  # fmt: skip
            first = True
            for block in frames:
                batch = block.frames
                if not len(batch):
                    continue
                if first and np.isfinite(batch.time_s).all():
                    return 0.0
                first = False
                if not batch.receivers:
                    batch.receiver[:] = self.receiver
                self._time(batch, timeline, pace)
        return 0.0 if first or math.isnan(pace.now_s) else max(pace.now_s, timeline.latest_s)


def _rebatch(batches: Iterator[FrameBatch], size: int) -> Iterator[FrameBatch]:
    """Yield batches of exactly ``size`` frames (the last one shorter), none empty."""
    pending: list[FrameBatch] = []
    count = 0
    for b in batches:
        if len(b) == 0:
            continue
        pending.append(b)
        count += len(b)
        while count >= size:
            joined = pending[0] if len(pending) == 1 else FrameBatch.concat(pending)
            yield joined[:size]
            rest = joined[size:]
            pending = [rest] if len(rest) else []
            count = len(rest)
    if count:
        yield pending[0] if len(pending) == 1 else FrameBatch.concat(pending)


def iter_file_batches(
    path: str | os.PathLike[str],
    batch_frames: int = 65536,
    format: str | None = None,
    *,
    receiver: int = 1,
) -> Iterator[FrameBatch]:
    """The frames of a recorded file as batches (see ``FileReader`` for the counters)."""
    yield from FileReader(path, format=format, batch_frames=batch_frames, receiver=receiver)
