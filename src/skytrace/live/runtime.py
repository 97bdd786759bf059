"""LiveRuntime: the pipeline in its own thread, and the live state readers see (LiveView).

    with open_runtime(data_dir) as rt, LiveRuntime(rt) as live:   # starts the thread
        live.submit(frames)          # from the asyncio loop: never decodes, never waits
        live.snapshot()              # from any thread: the latest published LiveSnapshot
    # leaving: the queue is drained, the thread stops, then open_runtime closes the store

The asyncio loop (sockets, HTTP) only hands batches over: ``submit`` puts them on a queue
that the pipeline thread takes them from (decode -> track -> flights -> sinks). The queue is
bounded by ``LiveOptions.queue_batches``: ``ready()`` turns False when it is full, and the
ingest server (skytrace.live.ingest.LiveIngestServer) then keeps frames in the feeders'
inboxes, which pauses reading from the sockets (TCP pushes back) instead of dropping data;
each time that happens is counted (``stats()["queue_full"]``).

The pipeline thread publishes an immutable LiveSnapshot at most every ``publish_interval_s``
(plus on demand, ``request_snapshot``) and appends every event to a bounded ring with
sequence numbers. Readers take the latest snapshot by a reference read under a short lock;
neither side waits for the other beyond that lock.

Live time: with ``LiveClock.WALL`` (a live feed) the clock is the latest data time plus the
wall-clock time since that data arrived; every ``tick_s`` the pipeline is advanced to it
when no frames came, so aircraft age, are dropped (``Tracker.expire``) and their flights
close (the detector's gap timeouts) with no traffic at all. With ``LiveClock.DATA`` (replay
at a chosen speed) time is the data's only.

The wrapped Runtime belongs to the pipeline thread from ``start`` to ``stop``; a failing sink
(e.g. the store) is logged and reported in ``stats()["store"]`` without stopping the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import UsageError
from skytrace.live.events import EventRing
from skytrace.live.publish import IdentityCache, Published, publish
from skytrace.live.view import LiveAircraft, LiveSnapshot, empty_live_aircraft, frozen_array
from skytrace.model import POSITION_DTYPE, Event, Flight, FrameBatch, ReceiverStats
from skytrace.track.snapshot import aircraft_state

__all__ = ["LiveClock", "LiveOptions", "LiveRuntime"]

log = logging.getLogger(__name__)

_STOP: Final = object()


class LiveClock(enum.StrEnum):
    WALL = "wall"  # a live feed: data time moves on with the wall clock when quiet
    DATA = "data"  # replay at a chosen speed: time is the data's only


@dataclass(frozen=True, slots=True)
class LiveOptions:
    queue_batches: int = 8  # batches waiting for the pipeline before the sockets pause
    publish_interval_s: float = 1.0  # at most one snapshot per interval (plus on demand)
    tick_s: float = 1.0  # how often a quiet pipeline's clock is advanced
    events_capacity: int = 10_000  # events kept for events_since
    clock: LiveClock = LiveClock.WALL

    def __post_init__(self) -> None:
        if self.queue_batches < 1:
            raise UsageError("the live queue needs room for at least 1 batch")
        for name in ("publish_interval_s", "tick_s"):
            if not getattr(self, name) > 0:
                raise UsageError(f"LiveOptions.{name} must be positive")


class _GuardedSink:
    """A sink whose failures are logged and remembered instead of stopping the batch."""

    def __init__(self, sink: Any, name: str) -> None:
        self.sink = sink
        self.name = name
        self.failures = 0
        self.error = ""  # message of the latest failure, "" after a write that succeeded

    def write(
        self, positions: npt.NDArray[np.void], flights: Sequence[Flight], events: Sequence[Event]
    ) -> None:
        try:
            self.sink.write(positions, flights, events)
        except Exception as exc:
            self.failures += 1
            self.error = f"{type(exc).__name__}: {exc}"
            if self.failures <= 3 or self.failures % 1000 == 0:
                log.exception("%s failed to take a batch (%d so far)", self.name, self.failures)
        else:
            self.error = ""


@dataclass(slots=True)
class _Counters:
    frames: int = 0  # frames processed
    batches: int = 0  # frame batches processed
    position_batches: int = 0
    submitted_frames: int = 0
    queue_full: int = 0  # times the queue was found full (the sockets paused)
    ticks: int = 0  # clock advances with no frames
    errors: int = 0  # batches whose processing raised
    last_error: str = ""
    lag_s: float = 0.0  # submit -> processed, of the latest batch


class LiveRuntime:
    """Runs a skytrace.app.Runtime in its own thread and implements LiveView."""

    def __init__(
        self,
        runtime: Any,
        options: LiveOptions | None = None,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.runtime = runtime
        self.options = options or LiveOptions()
        self._wall = wall_clock
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()  # guards _published and _waiters
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._cond = threading.Condition(self._lock)
        self.events = EventRing(self.options.events_capacity, on_append=self._wake)
        self._identities = IdentityCache(runtime.refdata)
        self._receivers: list[ReceiverStats] = []
        self._counters = _Counters()
        self._version = 0
        start_s = self._wall()  # before any data the live clock is the wall clock
        self._published = Published(
            snapshot=LiveSnapshot(
                now_s=start_s,
                wall_s=start_s,
                version=0,
                aircraft=frozen_array(empty_live_aircraft(0)),
                document={"now": round(start_s, 1), "messages": 0, "aircraft": []},
            ),
            state=runtime.tracker.copy_state(),
        )
        # time: the latest data time and the wall time it arrived at
        self._data_s = float("nan")
        self._data_wall_s = float("nan")
        self._quiet = True  # no frames since the last tick
        self._publish_due = False
        self._requested = 0  # publish requests made
        self._serving = 0  # the latest request the next publish answers
        self._served = 0  # the latest request answered by a publish
        self._thread: threading.Thread | None = None
        self._guards = self._guard_sinks()
        runtime.attach(self.events)

    # -- lifecycle ------------------------------------------------------------------------

    def _guard_sinks(self) -> list[_GuardedSink]:
        sinks = self.runtime.pipeline.sinks
        guards = []
        for i, sink in enumerate(sinks):
            name = "the store" if sink is self.runtime.store else type(sink).__name__
            guards.append(_GuardedSink(sink, name))
            sinks[i] = guards[-1]
        return guards

    def start(self) -> LiveRuntime:
        """Start the pipeline thread (once)."""
        if self._thread is not None:
            raise UsageError("the live runtime is already started")
        self._thread = threading.Thread(target=self._run, name="skytrace-pipeline", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 60.0) -> None:
        """Process what is queued, publish once more and stop the thread."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(_STOP)
        thread.join(timeout_s)
        if thread.is_alive():
            log.warning("the pipeline thread did not stop within %.0f s", timeout_s)

    def __enter__(self) -> LiveRuntime:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the loop's side: hand work over, never wait --------------------------------------

    def ready(self) -> bool:
        """True while the queue has room; False counts as one back-pressure pause."""
        if self._queue.qsize() < self.options.queue_batches:
            return True
        self._counters.queue_full += 1
        return False

    def submit(self, frames: FrameBatch) -> None:
        """Queue a batch of frames for the pipeline thread (never blocks)."""
        if len(frames):
            self._counters.submitted_frames += len(frames)
            self._queue.put(("frames", frames, self._wall()))

    def submit_positions(self, positions: npt.NDArray[np.void]) -> None:
        """Queue already-decoded positions (SBS-1 pulls) for the pipeline thread."""
        if len(positions):
            self._queue.put(("positions", positions, self._wall()))

    def record_receivers(self, stats: Sequence[ReceiverStats]) -> None:
        """The receivers' latest statistics: shown in the next snapshot and kept in the
        store's receivers table (written by the pipeline thread)."""
        self._receivers = list(stats)
        self._queue.put(("receivers", list(stats), self._wall()))

    def request_snapshot(self) -> int:
        """Ask the pipeline thread to publish a snapshot once it has processed everything
        queued before this call; returns the request's number."""
        with self._lock:
            self._requested += 1
            number = self._requested
        self._queue.put(("publish", number, self._wall()))
        return number

    def publish_and_wait(self, timeout_s: float = 30.0) -> LiveSnapshot:
        """Publish after everything queued so far and return that snapshot (blocking; for
        scripts and tests, never from the event loop)."""
        number = self.request_snapshot()
        with self._cond:
            self._cond.wait_for(lambda: self._served >= number, timeout_s)
        return self._published.snapshot

    # -- LiveView ---------------------------------------------------------------------------

    def snapshot(self) -> LiveSnapshot:
        return self._published.snapshot

    def aircraft(self, icao24: int) -> LiveAircraft | None:
        pub = self._published
        row = pub.state.row_of(int(icao24))
        if row < 0:
            return None
        refdata = self.runtime.refdata
        state = aircraft_state(pub.state, row, refdata)
        identity = refdata.identify(icao24 & 0xFFFFFF, state.callsign) if refdata else None
        parts = pub.tracks.get(int(icao24))
        track = np.concatenate(parts) if parts else np.empty(0, POSITION_DTYPE)
        return LiveAircraft(
            state=state,
            identity=identity,
            flight=pub.flights.get(int(icao24)),
            track=frozen_array(track),
            receiver_ids=list(state.receivers),
        )

    def events_since(self, seq: int, limit: int = 1000) -> tuple[list[tuple[int, Event]], int]:
        return self.events.since(seq, limit)

    async def wait(self, version: int, timeout_s: float) -> int:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._published.snapshot.version > version:
                return self._published.snapshot.version
            self._waiters.append((loop, fut))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fut, timeout_s)
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove((loop, fut))
        return self._published.snapshot.version

    def stats(self) -> dict[str, Any]:
        c = self._counters
        store = "off"
        for g in self._guards:
            if g.sink is self.runtime.store:
                store = f"failing: {g.error}" if g.error else "writing"
        if store == "writing" and hasattr(self.runtime.store, "status"):
            status = self.runtime.store.status()  # a full disk: failing, retried, not raised
            if status.state == "failing":
                store = f"failing: {status.message}"
        with self._queue.mutex:
            oldest = self._queue.queue[0] if self._queue.queue else None
        waiting_s = self._wall() - oldest[2] if isinstance(oldest, tuple) else 0.0
        return {
            "frames": c.frames,
            "batches": c.batches,
            "submitted_frames": c.submitted_frames,
            "queue_depth": self._queue.qsize(),
            "queue_capacity": self.options.queue_batches,
            "queue_full": c.queue_full,
            "lag_s": round(max(c.lag_s, waiting_s), 3),
            "ticks": c.ticks,
            "errors": c.errors,
            "last_error": c.last_error,
            "events": self.events.next_seq,
            "events_dropped": self.events.dropped,
            "snapshot_version": self._published.snapshot.version,
            "aircraft": len(self._published.snapshot.aircraft),
            "now_s": self._published.snapshot.now_s,
            "clock": self.options.clock.value,
            "store": store,
            "running": self._thread is not None and self._thread.is_alive(),
        }

    # -- the pipeline thread ----------------------------------------------------------------

    def live_now_s(self) -> float:
        """The live clock now (NaN before any data)."""
        if math.isnan(self._data_s):
            return float("nan")
        if self.options.clock is LiveClock.DATA:
            return self._data_s
        return self._data_s + max(0.0, self._wall() - self._data_wall_s)

    def _run(self) -> None:
        tick = self.options.tick_s
        next_tick = time.monotonic() + tick
        next_publish = time.monotonic()
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                break
            if item is not None:
                self._handle(item)
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + tick
                self._tick()
            if self._publish_due or now >= next_publish:
                self._publish()
                next_publish = time.monotonic() + self.options.publish_interval_s
        while True:  # drain what came before the stop
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                self._handle(item)
        self._publish()

    def _handle(self, item: tuple[str, Any, float]) -> None:
        kind, payload, submitted_wall_s = item
        try:
            if kind == "frames":
                self.runtime.process(payload)
                self._counters.frames += len(payload)
                self._counters.batches += 1
                self._data_arrived(float(np.max(payload.time_s)), submitted_wall_s)
            elif kind == "positions":
                self.runtime.process_positions(payload)
                self._counters.position_batches += 1
                self._data_arrived(float(np.max(payload["time_s"])), submitted_wall_s)
            elif kind == "receivers":
                self.runtime.record_receivers(payload)
            elif kind == "publish":
                self._publish_due = True
                self._serving = max(self._serving, payload)
        except Exception as exc:  # one bad batch must not stop the live pipeline
            c = self._counters
            c.errors += 1
            c.last_error = f"{type(exc).__name__}: {exc}"
            if c.errors <= 3 or c.errors % 1000 == 0:
                log.exception("processing a %s batch failed (%d so far)", kind, c.errors)
        if kind in ("frames", "positions"):
            self._counters.lag_s = self._wall() - submitted_wall_s

    def _data_arrived(self, data_s: float, wall_s: float) -> None:
        if math.isfinite(data_s) and (math.isnan(self._data_s) or data_s >= self._data_s):
            self._data_s, self._data_wall_s = data_s, wall_s
        self._quiet = False

    def _tick(self) -> None:
        """Every tick_s: with no frames since the last tick, move the clock on."""
        quiet, self._quiet = self._quiet, True
        if not quiet or self.options.clock is LiveClock.DATA:
            return
        now_s = self.live_now_s()
        if math.isnan(now_s):
            return
        try:
            self.runtime.advance(now_s)
            self._counters.ticks += 1
        except Exception as exc:
            self._counters.errors += 1
            self._counters.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("advancing the live clock failed")

    def _publish(self) -> None:
        self._publish_due = False
        now_s = self.runtime.now_s if self._data_s == self._data_s else float("nan")
        if self.options.clock is LiveClock.WALL and now_s == now_s:
            now_s = max(now_s, self.live_now_s())
        try:
            published = publish(
                self.runtime,
                now_s if now_s == now_s else self._wall(),
                self._wall(),
                self._version + 1,
                self._receivers,
                self._identities,
            )
        except Exception as exc:
            self._counters.errors += 1
            self._counters.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("publishing the live snapshot failed")
            with self._cond:  # the requests are answered by the previous snapshot
                self._served = self._serving
                self._cond.notify_all()
            return
        self._version += 1
        with self._cond:
            self._published = published
            self._served = self._serving
            self._cond.notify_all()
        self._wake()

    def _wake(self) -> None:
        """Wake every asyncio waiter (from any thread)."""
        with self._lock:
            waiters, self._waiters = self._waiters, []
        for loop, fut in waiters:
            with contextlib.suppress(RuntimeError):  # its loop is closed
                loop.call_soon_threadsafe(_resolve, fut)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
