"""The one writer of a store: batched, crash-safe appends from the pipeline.

``Store.write`` only hands its arguments to a writer thread through a bounded queue (it blocks
when the thread falls behind: back-pressure, never an unbounded backlog). The thread

* buffers positions, drops (and counts) rows with a bad time or lat/lon, and writes them,
  every ``flush_interval_s`` or every ``max_buffer_rows`` rows, as one ``.npy`` segment per
  UTC hour (temp file, fsync, rename: all or nothing);
* upserts flights (by ``flight_id``) and appends events, receivers and aircraft into the
  DuckDB catalog in one transaction per flush, then publishes the Parquet snapshots that
  readers query (see ``skytrace.store.catalog``);
* compacts an hour's segments into one file sorted by address and time, without exact
  duplicate rows, once the data has moved ``LATE_S`` past the hour's end (and every hour with
  segments at open and close);
* applies retention only when asked (``retention_days > 0``): an hour is dropped when its data
  ended more than that many days before the writer's wall clock *and* its files were last
  written that long ago, so a recording imported today is kept whatever its age.

Rows are refused (and counted) when their time is before 1990 or more than
``MAX_FUTURE_SKEW_S`` ahead of the writer's clock, or lat/lon are out of range. ``counts()``
says what the store really took (stored, rejected, duplicate positions and events); a command's
summary reports those. Events are stored once per identity (time, address, kind, value, flight).

Failures to write (a full disk, an I/O error) are not fatal: the writer keeps what it holds,
says so at once (``status()`` turns ``failing`` with the message and since when; logged at
ERROR on the ``skytrace.store`` logger), retries with backoff and resumes when the disk takes
data again. While failing it holds at most ``max_pending_rows`` positions; beyond that it stops
taking batches, so ``write`` blocks (back-pressure, nothing dropped). ``close`` retries for
``close_timeout_s`` and then raises naming what could not be stored.

Crash safety: a ``kill -9`` loses at most what was handed over since the last flush. On open the
store deletes temporaries, quarantines files that do not read back (``store/quarantine/``; a
good file is never deleted because a damaged newer one claims to replace it), compacts left-over
segments and re-publishes every snapshot from the catalog (DuckDB's WAL makes commits durable).
A directory that holds files but no ``VERSION`` marker was not made by skytrace: refused.

Thread-safety: one producer thread calls ``write``/``flush``/``close``; ``upsert_*`` may be
called from any thread. File and database work happens on the writer thread, except hour
compaction and retention, which a second thread does (fed through a queue of two, so it
pushes back too); the live-file rule keeps them apart: compaction merges only the files it
listed, and segments written meanwhile have higher numbers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from skytrace.errors import DamagedFileError, StoreError
from skytrace.model import AircraftIdentity, Event, Flight, ReceiverStats
from skytrace.store import catalog
from skytrace.store import positions as pos
from skytrace.store.layout import (
    SCHEMA_VERSION,
    StoreLayout,
    WriterLock,
    check_version,
    refuse_foreign,
    write_version,
)

__all__ = ["Store", "StoreCounts", "StoreStatus"]

log = logging.getLogger("skytrace.store")

LATE_S: Final = 120.0  # how long after an hour ends its positions may still arrive unsorted
MAX_SEGMENTS_PER_HOUR: Final = 120  # compact an open hour early past this many segments
MAX_EVENT_SEGMENTS: Final = 64
MAX_CACHED_ROWS: Final = 8_000_000  # per open hour (~512 MB); a world-scale hour is ~5 M
MIN_TIME_S: Final = 631_152_000.0  # 1990-01-01: earlier times are not positions of ours
MAX_FUTURE_SKEW_S: Final = 300.0  # times further ahead of the writer's clock are refused
RETRY_FIRST_S: Final = 0.5  # first wait after a failed write; doubles up to RETRY_MAX_S
RETRY_MAX_S: Final = 10.0
LOG_REPEAT_S: Final = 30.0  # a persisting failure is logged again this often
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
class StoreCounts:
    """What this writer session really stored (final after ``close``)."""

    positions_stored: int = 0  # rows in the store now that were not there before
    positions_rejected: int = 0  # bad time (before 1990, in the future) or lat/lon
    positions_duplicate: int = 0  # exact repeats of stored rows, not stored again
    positions_pending: int = 0  # handed over, not yet on disk
    events_stored: int = 0
    events_duplicate: int = 0  # events already in the store (same identity)
    flights_stored: int = 0  # distinct flight ids inserted or updated


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """Whether the writer can write: ``state`` is ``writing``, ``failing`` or ``closed``."""

    state: str
    message: str
    since_s: float  # wall clock when the state began (NaN: since opening)
    counts: StoreCounts
    quarantined: tuple[str, ...]  # files moved to store/quarantine/ by this writer


@dataclass(frozen=True, slots=True)
class CompactJob:
    hour_s: int
    retention: bool  # apply retention after it (an hour closed)
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
        retention_days: float,
        max_buffer_rows: int,
        max_pending_rows: int,
        queue_batches: int,
        close_timeout_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.layout = layout
        self.flush_interval_s = flush_interval_s
        self.retention_days = retention_days
        self.max_buffer_rows = max_buffer_rows
        self.max_pending_rows = max_pending_rows
        self.close_timeout_s = close_timeout_s
        self.clock = clock
        self._lock = lock
        self._con = con
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=queue_batches)
        self._error: BaseException | None = None
        self._closed = False
        self._closing = threading.Event()
        # Writer-thread state.
        self._buf: list[npt.NDArray[np.void]] = []
        self._buf_rows = 0
        self._flights: dict[str, Flight] = {}
        self._events: list[Event] = []
        self._receivers: dict[str, ReceiverStats] = {}
        self._aircraft: dict[int, AircraftIdentity] = {}
        self._pending_parts: set[str] = set()  # snapshots still to publish (after a failure)
        self._pending_events: list[pa.Table] = []
        self._pending_tables: set[str] = set()
        self._next_seq: dict[int, int] = {}  # hour -> next segment number
        self._segments: dict[int, int] = {}  # hour -> live segments written this session
        self._compacted: set[int] = set()  # hours compacted after they closed (this session)
        self._event_seq = 0
        self._event_segments = 0
        self._max_time_s = float("-inf")
        self._retry_wait_s = RETRY_FIRST_S
        self._next_retry = 0.0
        # Shared with the compactor thread and status readers (under _state).
        self._state = threading.Lock()
        self._failing_since = float("nan")
        self._failure = ""
        self._logged_at = 0.0
        self._compact_retry: set[int] = set()
        self._quarantined: list[str] = []
        self.positions_written = 0  # rows in segments so far (this session)
        self.positions_rejected = 0  # rows refused: bad time or lat/lon
        self.positions_duplicate = 0  # rows compaction found already stored
        self.events_stored = 0
        self.events_duplicate = 0
        self._flight_ids: set[str] = set()
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
        retention_days: float = 0.0,
        max_buffer_rows: int = 1_000_000,
        max_pending_rows: int | None = None,
        queue_batches: int = 16,
        close_timeout_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> Store:
        """Open (creating, recovering, compacting as needed) the store of ``data_dir``.

        ``retention_days`` 0 keeps every position (the default). ``max_pending_rows`` bounds
        what the writer holds while it cannot write (default twice ``max_buffer_rows``).
        ``clock`` is the wall clock (UTC epoch s) that refuses future rows and times retention.
        """
        layout = StoreLayout(Path(data_dir))
        refuse_foreign(layout)
        try:
            layout.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store in {layout.root}: {exc}") from exc
        lock = WriterLock(layout)
        lock.acquire()
        try:
            version = check_version(layout, create=True)
            for d in (layout.positions, layout.flights_snapshot, layout.events_snapshot):
                d.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(str(layout.catalog))
            except duckdb.Error as exc:
                raise StoreError(f"cannot open {layout.catalog}: {exc}") from exc
            catalog.create_tables(con)
            migrated = catalog.migrate(con) if version < SCHEMA_VERSION else []
            store = cls(
                layout,
                lock,
                con,
                flush_interval_s=flush_interval_s,
                retention_days=retention_days,
                max_buffer_rows=max_buffer_rows,
                max_pending_rows=max_pending_rows or 2 * max_buffer_rows,
                queue_batches=queue_batches,
                close_timeout_s=close_timeout_s,
                clock=clock,
            )
            store._recover()
            if version < SCHEMA_VERSION:
                store._republish_catalog()  # every snapshot in the new schema, then say so
                write_version(layout)
                log.info("store migrated from schema %d to %d: %s", version, SCHEMA_VERSION,
                         ", ".join(migrated) or "no new columns")  # fmt: skip
        except BaseException:
            lock.release()
            raise
        store._compactor.start()
        store._thread.start()
        return store

    def _recover(self) -> None:
        """Startup: quarantine damaged files, drop torn ones, compact leftover segments,
        apply retention, republish."""
        for hour_s, path in pos.list_hours(self.layout.positions):
            files, moved = pos.recover_hour(pos.scan_hour(hour_s, path), self.layout.quarantine)
            for m in moved:
                self._note_quarantined(m)
            if files.segments:
                self._compact(CompactJob(hour_s, False, {}))
        self._apply_retention()
        self._publish_all()
        # What recovery compacted belongs to earlier sessions.
        self.positions_duplicate = 0

    # -- the Sink interface (producer side) ------------------------------------------------

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight] = (),
        events: Sequence[Event] = (),
    ) -> None:
        """Hand one batch to the writer; blocks when the writer is behind or cannot write.

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

        Raises ``StoreError`` when the data cannot be written now (the writer keeps it and
        retries). With ``wait_compaction`` also wait until the hour compactions started so
        far are done (tests, tools; the pipeline never needs to).
        """
        done = threading.Event()
        result: list[str] = []
        self._put((_FLUSH, (done, result)))
        while not done.wait(0.2):
            self._check_alive()
        self._check_alive()
        if result:
            raise StoreError(f"the store cannot write now (it will retry): {result[0]}")
        if wait_compaction:
            while self._compact_queue.unfinished_tasks and self._compactor.is_alive():
                time.sleep(0.01)
            self._check_alive()

    def close(self) -> None:
        """Flush, compact the hours written to, publish snapshots and release the lock."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
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

    def counts(self) -> StoreCounts:
        """What this session stored so far (final after ``close``)."""
        return StoreCounts(
            positions_stored=self.positions_written - self.positions_duplicate,
            positions_rejected=self.positions_rejected,
            positions_duplicate=self.positions_duplicate,
            positions_pending=self._buf_rows,
            events_stored=self.events_stored,
            events_duplicate=self.events_duplicate,
            flights_stored=len(self._flight_ids),
        )

    def status(self) -> StoreStatus:
        """Whether the writer can write now (any thread may ask; the live server shows it)."""
        with self._state:
            failing, message, since = (
                self._failing_since == self._failing_since,
                self._failure,
                self._failing_since,
            )
            quarantined = tuple(self._quarantined)
        if self._error is not None:
            state, message = "failing", f"writer stopped: {self._error}"
        elif self._closed and not self._thread.is_alive():
            state = "closed"
        else:
            state = "failing" if failing else "writing"
        return StoreStatus(state, message, since, self.counts(), quarantined)

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

    # -- failures --------------------------------------------------------------------------

    def _failing(self) -> bool:
        return self._failing_since == self._failing_since

    def _fail(self, exc: OSError, where: str) -> None:
        """Record a write failure: status, a loud log line (then every LOG_REPEAT_S)."""
        now = self.clock()
        message = f"{where}: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        with self._state:
            first = not self._failing()
            if first:
                self._failing_since = now
            self._failure = message
            repeat = first or time.monotonic() - self._logged_at >= LOG_REPEAT_S
            if repeat:
                self._logged_at = time.monotonic()
        if repeat:
            log.error(
                "the store cannot write (%s); holding %d positions, retrying",
                message,
                self._buf_rows,
            )

    def _recovered(self) -> None:
        with self._state:
            if not self._failing():
                return
            since = self._failing_since
            self._failing_since, self._failure = float("nan"), ""
        self._retry_wait_s = RETRY_FIRST_S
        log.warning("the store writes again (it could not for %.0f s)", self.clock() - since)

    def _try_flush(self, *, force: bool = False) -> str:
        """Flush now unless waiting to retry; '' on success, else the failure message."""
        if self._failing() and not force and time.monotonic() < self._next_retry:
            return self._failure or "waiting to retry"
        try:
            self._flush()
        except OSError as exc:
            self._fail(exc, "flush")
            self._next_retry = time.monotonic() + self._retry_wait_s
            self._retry_wait_s = min(RETRY_MAX_S, self._retry_wait_s * 2)
            return self._failure
        self._recovered()
        with self._state:
            retry, self._compact_retry = self._compact_retry, set()
        for hour_s in sorted(retry):
            self._to_compactor(CompactJob(hour_s, False, {}))
        return ""

    def _note_quarantined(self, path: Path) -> None:
        log.error("damaged store file moved to %s", path)
        with self._state:
            self._quarantined.append(str(path))

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            next_flush = time.monotonic() + self.flush_interval_s
            while True:
                if (
                    self._failing()
                    and self._buf_rows >= self.max_pending_rows
                    and not self._closing.is_set()
                ):
                    # Back-pressure: take nothing more until the disk takes what we hold.
                    time.sleep(max(0.0, min(0.2, self._next_retry - time.monotonic())))
                    self._try_flush()
                    continue
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
                    done, result = payload
                    failure = self._try_flush(force=True)
                    if failure:
                        result.append(failure)
                    done.set()
                    next_flush = time.monotonic() + self.flush_interval_s
                elif kind == _STOP:
                    self._stop()
                    return
                if time.monotonic() >= next_flush or self._buf_rows >= self.max_buffer_rows:
                    self._try_flush()
                    next_flush = time.monotonic() + self.flush_interval_s
        except BaseException as exc:  # reported to the producer on its next call
            self._error = exc

    def _stop(self) -> None:
        """Final flush (retried until ``close_timeout_s``), compaction of every hour."""
        deadline = time.monotonic() + self.close_timeout_s
        failure = self._try_flush(force=True)
        while failure and time.monotonic() < deadline:
            time.sleep(min(self._retry_wait_s, max(0.0, deadline - time.monotonic())))
            failure = self._try_flush(force=True)
        if not failure:
            self._compact_open_hours(everything=True)
        self._to_compactor(None)
        self._compactor.join()
        if failure:
            raise StoreError(
                f"could not store {self._buf_rows} positions, {len(self._events)} events and "
                f"{len(self._flights)} flights before closing: {failure}"
            )

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

    def _valid(self, positions: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
        """Rows that can be stored; the others are counted in ``positions_rejected``."""
        t, lat, lon = positions["time_s"], positions["lat"], positions["lon"]
        latest_s = self.clock() + MAX_FUTURE_SKEW_S
        ok = (
            np.isfinite(t)
            & (t >= MIN_TIME_S)
            & (t <= latest_s)
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
        self._publish_pending()

    def _flush_positions(self) -> None:
        if not self._buf:
            return
        rows = self._buf[0] if len(self._buf) == 1 else np.concatenate(self._buf)
        self._buf, self._buf_rows = [rows], len(rows)
        hours = (rows["time_s"] // pos.HOUR_S).astype(np.int64)
        distinct = np.unique(hours).tolist()
        for k, h in enumerate(distinct):
            hour_s = int(h) * pos.HOUR_S
            part = rows if len(distinct) == 1 else rows[hours == h]
            try:
                if hour_s not in self._next_seq:
                    path = pos.hour_dir(self.layout.positions, hour_s)
                    self._next_seq[hour_s] = pos.scan_hour(hour_s, path).next_seq
                seq = self._next_seq[hour_s]
                path, written = pos.write_segment(self.layout.positions, hour_s, part, seq)
            except OSError:
                # Keep what is not on disk yet (this hour and the later ones) for the retry.
                left = rows[np.isin(hours, distinct[k:])] if k else rows
                self._buf, self._buf_rows = [left], len(left)
                raise
            self._cache_rows(hour_s, path, written)
            self._next_seq[hour_s] = seq + 1
            self._segments[hour_s] = self._segments.get(hour_s, 0) + 1
            self.positions_written += len(part)
        self._buf, self._buf_rows = [], 0
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
            self._to_compactor(CompactJob(hour_s, closed and self.retention_days > 0, cached))

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
                    self._compact(item)
                    if item.retention:
                        self._apply_retention()
                finally:
                    self._compact_queue.task_done()
        except BaseException as exc:  # reported to the producer on its next call
            self._error = exc

    def _compact(self, job: CompactJob) -> None:
        """Compact one hour; a damaged file is quarantined and the hour compacted without it;
        a write failure leaves the segments live and the hour for a retry."""
        path = pos.hour_dir(self.layout.positions, job.hour_s)
        for _ in range(64):
            try:
                result = pos.compact_hour(pos.scan_hour(job.hour_s, path), job.cached)
            except DamagedFileError as exc:
                damaged = Path(str(exc.path))
                job.cached.pop(damaged, None)
                self._note_quarantined(pos.quarantine(damaged, self.layout.quarantine))
                continue
            except OSError as exc:
                self._fail(exc, f"compaction of {path}")
                with self._state:
                    self._compact_retry.add(job.hour_s)
                return
            self.positions_duplicate += result.rows_in - result.rows_out
            return
        raise StoreError(f"could not compact {path}: too many damaged files")

    def _apply_retention(self) -> None:
        """Drop hours older than ``retention_days`` by data time and by time written."""
        if self.retention_days <= 0:
            return
        now = self.clock()
        cutoff = now - self.retention_days * 86_400.0
        for dropped in pos.drop_hours_before(
            self.layout.positions, cutoff, written_before_s=cutoff
        ):
            log.info("retention: dropped %s", dropped)

    # -- catalog and snapshots -------------------------------------------------------------

    def _flush_catalog(self) -> None:
        """One transaction for what is pending; kept for a retry when it fails."""
        flights = list(self._flights.values())
        events = self._events
        receivers = list(self._receivers.values())
        aircraft = list(self._aircraft.values())
        if not (flights or events or receivers or aircraft):
            return
        con = self._con
        inserted: pa.Table | None = None
        con.begin()
        try:
            if flights:
                con.register("_new_flights", catalog.flights_table(flights))
                con.execute("INSERT OR REPLACE INTO flights BY NAME SELECT * FROM _new_flights")
                con.unregister("_new_flights")
            if events:
                inserted = catalog.insert_new_events(con, catalog.events_table(events))
            if receivers:
                con.register("_new_receivers", catalog.receivers_table(receivers))
                con.execute("INSERT OR REPLACE INTO receivers BY NAME SELECT * FROM _new_receivers")
                con.unregister("_new_receivers")
            if aircraft:
                con.register("_new_aircraft", catalog.aircraft_table(aircraft))
                con.execute("INSERT OR REPLACE INTO aircraft BY NAME SELECT * FROM _new_aircraft")
                con.unregister("_new_aircraft")
            con.commit()
        except duckdb.IOException as exc:  # a full disk under DuckDB: retried like any write
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise OSError(str(exc)) from exc
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise
        self._flights, self._events, self._receivers, self._aircraft = {}, [], {}, {}
        self._flight_ids.update(f.flight_id for f in flights)
        if inserted is not None:
            self.events_stored += inserted.num_rows
            self.events_duplicate += len(events) - inserted.num_rows
            if inserted.num_rows:
                self._pending_events.append(inserted)
        self._pending_parts.update(
            catalog.flight_part(f.flight_id, f.first_seen_s) for f in flights
        )
        if receivers:
            self._pending_tables.add("receivers")
        if aircraft:
            self._pending_tables.add("aircraft")

    def _republish_catalog(self) -> None:
        """Publish every flight partition, the events and the receivers and aircraft tables
        again from the catalog (after a migration changed their columns)."""
        parts = [r[0] for r in self._con.execute("SELECT DISTINCT part FROM flights").fetchall()]
        self._pending_parts.update(parts)
        self._pending_tables.update(("receivers", "aircraft"))
        self._publish_pending()
        self._publish_all_events()

    def _publish_pending(self) -> None:
        """Publish the snapshots of what was committed; each is dropped from the list only
        once it is on disk, so a failure here is repaired by the next flush."""
        for part in sorted(self._pending_parts):
            self._publish_flight_part(part)
            self._pending_parts.discard(part)
        while self._pending_events:
            self._publish_events(self._pending_events[0])
            self._pending_events.pop(0)
        for name in sorted(self._pending_tables):
            self._publish_table(name)
            self._pending_tables.discard(name)

    def _copy_to(self, select: str, target: Path, row_group_rows: int = 65_536) -> None:
        tmp = target.with_name(target.name + ".tmp")
        try:
            self._con.execute(
                f"COPY ({select}) TO '{tmp}' "
                f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {row_group_rows})"
            )
            _fsync_file(tmp)
            os.replace(tmp, target)
        except duckdb.IOException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise OSError(str(exc)) from exc
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
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
        target = self.layout.events_snapshot / f"seg-{seq:06d}.parquet"
        tmp = target.with_name(target.name + ".tmp")
        try:
            with open(tmp, "wb") as fh:
                pq.write_table(
                    table.sort_by("time_s"), fh, compression="zstd", write_page_checksum=True
                )
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self._event_seq += 1
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
