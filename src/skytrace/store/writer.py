"""The one writer of a store: batched, crash-safe appends from the pipeline.

``Store.write`` only hands its arguments to a writer thread through a bounded queue (it blocks
when the thread falls behind: back-pressure, never an unbounded backlog). The thread

* buffers positions, drops (and counts) rows with a bad time or lat/lon, and writes them,
  every ``flush_interval_s`` or every ``max_buffer_rows`` rows, as one ``.npy`` segment per
  UTC hour (temp file, fsync, rename: all or nothing);
* upserts flights (by ``flight_id``) and appends events, receivers and aircraft into the
  DuckDB catalog in one transaction per flush, then publishes the Parquet snapshots that
  readers query (see ``skytrace.store.catalog``);
* compacts an hour's segments into one file sorted by address and time once the data has moved
  ``LATE_S`` past the hour's end (and every hour with segments at open and close), and drops
  position hours older than ``retention_days`` before the newest position (data time, so that
  replaying old recordings does not delete them).

Crash safety: a ``kill -9`` loses at most what was handed over since the last flush. On open the
store deletes temporaries and torn segments, compacts left-over segments and re-publishes every
snapshot from the catalog (DuckDB's own WAL makes its commits durable).

Thread-safety: one producer thread calls ``write``/``flush``/``close``; ``upsert_*`` may be
called from any thread. File and database work happens on the writer thread, except hour
compaction and retention, which a second thread does (fed through a queue of two, so it
pushes back too); the live-file rule keeps them apart: compaction merges only the files it
listed, and segments written meanwhile have higher numbers.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from skytrace.errors import StoreError
from skytrace.model import AircraftIdentity, Event, Flight, ReceiverStats
from skytrace.store import catalog
from skytrace.store import positions as pos
from skytrace.store.layout import StoreLayout, WriterLock, check_version

__all__ = ["Store"]

LATE_S: Final = 120.0  # how long after an hour ends its positions may still arrive unsorted
MAX_SEGMENTS_PER_HOUR: Final = 120  # compact an open hour early past this many segments
MAX_EVENT_SEGMENTS: Final = 64
MAX_CACHED_ROWS: Final = 8_000_000  # per open hour (~512 MB); a world-scale hour is ~5 M
MAX_TIME_S: Final = 4_102_444_800.0  # 2100-01-01: later times are not positions of ours
_STOP: Final = "stop"
_FLUSH: Final = "flush"
_DATA: Final = "data"


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class CompactJob:
    hour_s: int
    cutoff_s: float  # retention cutoff to apply after it; NaN: none
    cached: dict[Path, npt.NDArray[np.void]]


class Store:
    """The writer of one data directory's history store (a ``skytrace.pipeline.Sink``)."""

    def __init__(
        self,
        layout: StoreLayout,
        lock: WriterLock,
        con: Any,
        *,
        flush_interval_s: float,
        retention_days: int,
        max_buffer_rows: int,
        queue_batches: int,
    ) -> None:
        self.layout = layout
        self.flush_interval_s = flush_interval_s
        self.retention_days = retention_days
        self.max_buffer_rows = max_buffer_rows
        self._lock = lock
        self._con = con
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=queue_batches)
        self._error: BaseException | None = None
        self._closed = False
        # Writer-thread state.
        self._buf: list[npt.NDArray[np.void]] = []
        self._buf_rows = 0
        self._flights: dict[str, Flight] = {}
        self._events: list[Event] = []
        self._receivers: dict[str, ReceiverStats] = {}
        self._aircraft: dict[int, AircraftIdentity] = {}
        self._next_seq: dict[int, int] = {}  # hour -> next segment number
        self._segments: dict[int, int] = {}  # hour -> live segments written this session
        self._compacted: set[int] = set()  # hours compacted after they closed (this session)
        self._event_seq = 0
        self._event_segments = 0
        self._max_time_s = float("-inf")
        self.positions_written = 0  # rows in segments so far (this session)
        self.positions_rejected = 0  # rows refused: time or lat/lon missing or out of range
        self._thread = threading.Thread(target=self._run, name="skytrace-store", daemon=True)
        # Compaction runs on its own thread so that ingest goes on meanwhile (numpy, Arrow
        # and zstd release the GIL); its queue is short, so it also pushes back.
        self._compact_queue: queue.Queue[CompactJob | None] = queue.Queue(maxsize=2)
        # Rows of this session's segments per open hour, so compaction need not read them
        # back; bounded by MAX_CACHED_ROWS per hour (then the hour is read from disk).
        self._cache: dict[int, dict[Path, npt.NDArray[np.void]]] = {}
        self._cache_size: dict[int, int] = {}
        self._compactor = threading.Thread(
            target=self._run_compactor, name="skytrace-store-compact", daemon=True
        )

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        flush_interval_s: float = 2.0,
        retention_days: int = 30,
        max_buffer_rows: int = 1_000_000,
        queue_batches: int = 16,
    ) -> Store:
        """Open (creating, recovering, compacting as needed) the store of ``data_dir``."""
        layout = StoreLayout(Path(data_dir))
        layout.root.mkdir(parents=True, exist_ok=True)
        lock = WriterLock(layout)
        lock.acquire()
        try:
            check_version(layout, create=True)
            for d in (layout.positions, layout.flights_snapshot, layout.events_snapshot):
                d.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(str(layout.catalog))
            except duckdb.Error as exc:
                raise StoreError(f"cannot open {layout.catalog}: {exc}") from exc
            catalog.create_tables(con)
            store = cls(
                layout,
                lock,
                con,
                flush_interval_s=flush_interval_s,
                retention_days=retention_days,
                max_buffer_rows=max_buffer_rows,
                queue_batches=queue_batches,
            )
            store._recover()
        except BaseException:
            lock.release()
            raise
        store._compactor.start()
        store._thread.start()
        return store

    def _recover(self) -> None:
        """Startup: drop torn files, compact leftover segments, apply retention, republish."""
        newest: int | None = None
        for hour_s, path in pos.list_hours(self.layout.positions):
            files, _ = pos.recover_hour(pos.scan_hour(hour_s, path))
            if files.segments:
                pos.compact_hour(files)
            newest = hour_s
        if newest is not None:
            files = pos.scan_hour(newest, pos.hour_dir(self.layout.positions, newest))
            t = pos.newest_time_s(files.live)
            if t is not None:
                self._max_time_s = t
                self._apply_retention()
        self._publish_all()

    # -- the Sink interface (producer side) ------------------------------------------------

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight] = (),
        events: Sequence[Event] = (),
    ) -> None:
        """Hand one batch to the writer; blocks only when the writer is behind.

        The store keeps a reference to ``positions``: do not modify the array afterwards.
        """
        if len(positions) == 0 and not flights and not events:
            return
        self._put((_DATA, (positions, list(flights), list(events))))

    def upsert_receivers(self, stats: Sequence[ReceiverStats]) -> None:
        self._put(("receivers", list(stats)))

    def upsert_aircraft(self, identities: Sequence[AircraftIdentity]) -> None:
        self._put(("aircraft", list(identities)))

    def flush(self, *, wait_compaction: bool = False) -> None:
        """Make everything handed over so far durable and visible to readers.

        With ``wait_compaction`` also wait until the hour compactions started so far are done
        (tests, tools; the pipeline never needs to).
        """
        done = threading.Event()
        self._put((_FLUSH, done))
        while not done.wait(0.2):
            self._check_alive()
        self._check_alive()
        if wait_compaction:
            while self._compact_queue.unfinished_tasks and self._compactor.is_alive():
                time.sleep(0.01)
            self._check_alive()

    def close(self) -> None:
        """Flush, compact the hours written to, publish snapshots and release the lock."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._thread.is_alive():
                self._put((_STOP, None), closing=True)
                self._thread.join()
            if self._compactor.is_alive():  # the writer died before stopping it
                self._compact_queue.put(None)
                self._compactor.join()
        finally:
            with contextlib.suppress(duckdb.Error):
                self._con.close()
            self._lock.release()
        if self._error is not None:
            raise StoreError(f"store writer failed: {self._error}") from self._error

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_alive(self) -> None:
        if self._error is not None:
            raise StoreError(f"store writer failed: {self._error}") from self._error
        if not self._thread.is_alive():
            raise StoreError("store writer is not running (closed?)")

    def _put(self, item: tuple[str, Any], *, closing: bool = False) -> None:
        if self._closed and not closing:
            raise StoreError("the store is closed")
        while True:
            self._check_alive()
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            next_flush = time.monotonic() + self.flush_interval_s
            while True:
                timeout = max(0.0, next_flush - time.monotonic())
                try:
                    kind, payload = self._queue.get(timeout=timeout)
                except queue.Empty:
                    kind, payload = "", None
                if kind == _DATA:
                    self._take(*payload)
                elif kind == "receivers":
                    self._receivers.update((r.name, r) for r in payload)
                elif kind == "aircraft":
                    self._aircraft.update((a.icao24, a) for a in payload)
                elif kind == _FLUSH:
                    self._flush()
                    payload.set()
                    next_flush = time.monotonic() + self.flush_interval_s
                elif kind == _STOP:
                    self._flush()
                    self._compact_open_hours(everything=True)
                    self._to_compactor(None)
                    self._compactor.join()
                    return
                if time.monotonic() >= next_flush:
                    self._flush()
                    next_flush = time.monotonic() + self.flush_interval_s
        except BaseException as exc:  # reported to the producer on its next call
            self._error = exc

    def _take(
        self, positions: npt.NDArray[np.void], flights: list[Flight], events: list[Event]
    ) -> None:
        if len(positions):
            positions = self._valid(positions)
        if len(positions):
            self._buf.append(positions)
            self._buf_rows += len(positions)
            self._max_time_s = max(self._max_time_s, float(positions["time_s"].max()))
        for f in flights:
            self._flights[f.flight_id] = f
        self._events.extend(events)
        if self._buf_rows >= self.max_buffer_rows:
            self._flush_positions()

    def _valid(self, positions: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
        """Rows that can be stored; the others are counted in ``positions_rejected``."""
        t, lat, lon = positions["time_s"], positions["lat"], positions["lon"]
        ok = (
            np.isfinite(t)
            & (t >= 0)
            & (t < MAX_TIME_S)
            & (np.abs(lat) <= 90)
            & (np.abs(lon) <= 180)
        )
        if ok.all():
            return positions
        self.positions_rejected += int((~ok).sum())
        kept: npt.NDArray[np.void] = positions[ok]
        return kept

    def _flush(self) -> None:
        self._flush_positions()
        self._flush_catalog()

    def _flush_positions(self) -> None:
        if not self._buf:
            return
        rows = self._buf[0] if len(self._buf) == 1 else np.concatenate(self._buf)
        self._buf, self._buf_rows = [], 0
        hours = (rows["time_s"] // pos.HOUR_S).astype(np.int64)
        distinct = np.unique(hours).tolist()
        for h in distinct:
            hour_s = int(h) * pos.HOUR_S
            part = rows if len(distinct) == 1 else rows[hours == h]
            if hour_s not in self._next_seq:
                path = pos.hour_dir(self.layout.positions, hour_s)
                self._next_seq[hour_s] = pos.scan_hour(hour_s, path).next_seq
            seq = self._next_seq[hour_s]
            path, written = pos.write_segment(self.layout.positions, hour_s, part, seq)
            self._cache_rows(hour_s, path, written)
            self._next_seq[hour_s] = seq + 1
            self._segments[hour_s] = self._segments.get(hour_s, 0) + 1
            self.positions_written += len(part)
        self._compact_open_hours(everything=False)

    def _compact_open_hours(self, *, everything: bool) -> None:
        for hour_s in sorted(self._segments):
            count = self._segments[hour_s]
            closed = hour_s + pos.HOUR_S + LATE_S <= self._max_time_s
            if not (
                everything
                or count > MAX_SEGMENTS_PER_HOUR
                or (closed and hour_s not in self._compacted)
            ):
                continue
            del self._segments[hour_s]
            if closed:  # an early compaction of an open hour does not count as its close
                self._compacted.add(hour_s)
            cached = self._cache.pop(hour_s, {})
            self._cache_size.pop(hour_s, None)
            cutoff = self._retention_cutoff() if closed else float("nan")
            self._to_compactor(CompactJob(hour_s, cutoff, cached))

    def _cache_rows(self, hour_s: int, path: Path, rows: npt.NDArray[np.void]) -> None:
        size = self._cache_size.get(hour_s, 0) + len(rows)
        if size > MAX_CACHED_ROWS:
            self._cache[hour_s] = {}  # too big to keep: compaction reads the files
        else:
            self._cache.setdefault(hour_s, {})[path] = rows
        self._cache_size[hour_s] = size

    def _to_compactor(self, item: CompactJob | None) -> None:
        while True:
            if self._error is not None:
                raise StoreError(f"store compaction failed: {self._error}")
            try:
                self._compact_queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _run_compactor(self) -> None:
        try:
            while True:
                item = self._compact_queue.get()
                if item is None:
                    return
                try:
                    path = pos.hour_dir(self.layout.positions, item.hour_s)
                    pos.compact_hour(pos.scan_hour(item.hour_s, path), item.cached)
                    if item.cutoff_s == item.cutoff_s:  # not NaN: an hour closed: retention
                        pos.drop_hours_before(self.layout.positions, item.cutoff_s)
                finally:
                    self._compact_queue.task_done()
        except BaseException as exc:  # reported to the producer on its next call
            self._error = exc

    def _retention_cutoff(self) -> float:
        if self.retention_days <= 0 or self._max_time_s == float("-inf"):
            return float("nan")
        return self._max_time_s - self.retention_days * 86_400.0

    def _apply_retention(self) -> None:
        if self.retention_days <= 0 or self._max_time_s == float("-inf"):
            return
        cutoff = self._max_time_s - self.retention_days * 86_400.0
        pos.drop_hours_before(self.layout.positions, cutoff)

    # -- catalog and snapshots -------------------------------------------------------------

    def _flush_catalog(self) -> None:
        flights, self._flights = list(self._flights.values()), {}
        events, self._events = self._events, []
        receivers, self._receivers = list(self._receivers.values()), {}
        aircraft, self._aircraft = list(self._aircraft.values()), {}
        if not (flights or events or receivers or aircraft):
            return
        con = self._con
        con.begin()
        try:
            if flights:
                con.register("_new_flights", catalog.flights_table(flights))
                con.execute("INSERT OR REPLACE INTO flights SELECT * FROM _new_flights")
                con.unregister("_new_flights")
            if events:
                con.register("_new_events", catalog.events_table(events))
                con.execute("INSERT INTO events SELECT * FROM _new_events")
                con.unregister("_new_events")
            if receivers:
                con.register("_new_receivers", catalog.receivers_table(receivers))
                con.execute("INSERT OR REPLACE INTO receivers SELECT * FROM _new_receivers")
                con.unregister("_new_receivers")
            if aircraft:
                con.register("_new_aircraft", catalog.aircraft_table(aircraft))
                con.execute("INSERT OR REPLACE INTO aircraft SELECT * FROM _new_aircraft")
                con.unregister("_new_aircraft")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        parts = sorted({catalog.flight_part(f.flight_id, f.first_seen_s) for f in flights})
        for part in parts:
            self._publish_flight_part(part)
        if events:
            self._publish_events(catalog.events_table(events))
        if receivers:
            self._publish_table("receivers")
        if aircraft:
            self._publish_table("aircraft")

    def _copy_to(self, select: str, target: Path, row_group_rows: int = 65_536) -> None:
        tmp = target.with_name(target.name + ".tmp")
        self._con.execute(
            f"COPY ({select}) TO '{tmp}' "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {row_group_rows})"
        )
        _fsync_file(tmp)
        os.replace(tmp, target)
        pos.fsync_dir(target.parent)

    def _publish_flight_part(self, part: str) -> None:
        target = self.layout.flights_snapshot / f"{part}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Sorted by id (= hex, then time) in small row groups: a look-up by id or by aircraft
        # reads one row group; other filters scan the day anyway.
        self._copy_to(
            f"SELECT * FROM flights WHERE part = '{part}' ORDER BY flight_id", target, 16_384
        )

    def _publish_table(self, name: str) -> None:
        self._copy_to(f"SELECT * FROM {name}", self.layout.snapshot / f"{name}.parquet")

    def _publish_events(self, table: pa.Table) -> None:
        seq = self._event_seq
        self._event_seq += 1
        target = self.layout.events_snapshot / f"seg-{seq:06d}.parquet"
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            pq.write_table(table.sort_by("time_s"), fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        pos.fsync_dir(target.parent)
        self._event_segments += 1
        if self._event_segments > MAX_EVENT_SEGMENTS:
            self._publish_all_events()

    def _publish_all_events(self) -> None:
        """Replace every event snapshot file by one file from the catalog."""
        files = pos.scan_hour(0, self.layout.events_snapshot)
        seq = max(self._event_seq, files.next_seq)
        target = self.layout.events_snapshot / f"sorted-{seq:06d}.parquet"
        self._copy_to("SELECT * FROM events ORDER BY time_s", target)
        for p in [*files.live, *files.garbage]:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        self._event_seq = seq + 1
        self._event_segments = 0

    def _publish_all(self) -> None:
        """Startup: republish every snapshot from the catalog (a crash may have cut one)."""
        for stale in self.layout.snapshot.rglob("*.tmp"):
            stale.unlink()
        parts = [r[0] for r in self._con.execute("SELECT DISTINCT part FROM flights").fetchall()]
        for part in parts:
            self._publish_flight_part(part)
        known = {self.layout.flights_snapshot / f"{p}.parquet" for p in parts}
        for f in self.layout.flights_snapshot.rglob("*.parquet"):
            if f not in known:
                f.unlink()
        self._publish_all_events()
        self._publish_table("receivers")
        self._publish_table("aircraft")
