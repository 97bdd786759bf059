"""The assembled runtime: reference data, tracker, flight detection and store, wired once.

``open_runtime`` is what ``replay``, ``serve`` and ``demo`` use so that recorded and live data
go through exactly the same pipeline. It owns start-up and shut-down order (the store is
flushed and closed last) and nothing else: every stage's logic lives in its own package.

    with open_runtime(data_dir=path) as rt:      # data_dir=None: no store, in memory only
        rt.process(frames)                       # one micro-batch through every stage
        rt.tracker.snapshot(rt.now_s)            # the live picture
    # leaving the block closes open flights and the store

Sinks attach in one place: the store and its aircraft catalog (when there is a data
directory), then ``RuntimeOptions.sinks`` in order, then whatever ``Runtime.attach`` adds
(skytrace.live's live state, next the alerts). ``Runtime.sinks`` lists them all.
Not thread-safe: one runtime is driven by one thread (skytrace.live.LiveRuntime runs it in
its own).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.model import Event, Flight, FrameBatch, IdentityLookup, ReceiverStats
from skytrace.pipeline import FlightUpdate, Pipeline, Sink

__all__ = ["AircraftCatalog", "Runtime", "RuntimeOptions", "open_runtime"]


@dataclass(slots=True)
class RuntimeOptions:
    """How to assemble the runtime."""

    data_dir: Path | None = None  # None: no store (in memory only)
    flights: bool = True  # run flight detection
    refdata: bool = True  # load airports / imported reference data for enrichment
    # result sinks after the store's own (feed outputs, live state, alerts): .write(positions,
    # flights, events) per batch, in this order
    sinks: Sequence[Sink] = ()
    frame_sinks: Sequence[Any] = ()  # objects with .send_frames(frames, decoded)
    extra_sinks: Sequence[Sink] = ()  # older name of ``sinks``, appended after them
    tracker_options: dict[str, Any] = field(default_factory=dict)
    store_options: dict[str, Any] = field(default_factory=dict)  # Store.open keywords
    mlat: Any | None = None  # a skytrace.mlat.MlatStage: multilaterate Mode-S-only replies


@dataclass(slots=True)
class Runtime:
    pipeline: Pipeline
    tracker: Any
    flights: Any | None
    store: Any | None
    refdata: Any | None

    @property
    def now_s(self) -> float:
        return self.pipeline.now_s

    @property
    def sinks(self) -> tuple[Sink, ...]:
        """Every result sink, in the order each batch reaches them (the store first)."""
        return tuple(self.pipeline.sinks)

    def attach(self, sink: Sink, *, frames: bool = False) -> None:
        """Add a result sink after the others; with ``frames=True`` it also gets every raw
        batch through ``sink.send_frames(frames, decoded)`` (feed outputs)."""
        self.pipeline.sinks.append(sink)
        if frames:
            self.pipeline.frame_sinks.append(sink)

    def process(self, frames: FrameBatch) -> FlightUpdate:
        return self.pipeline.process(frames)

    def advance(self, now_s: float) -> FlightUpdate:
        """Move time on without frames (aircraft age out, flights time out)."""
        return self.pipeline.advance(now_s)

    def process_positions(self, positions: Any) -> FlightUpdate:
        """Already-decoded positions (SBS-1, imports): flight detection and sinks only."""
        return self.pipeline.process_positions(positions)

    def finish(self) -> FlightUpdate:
        return self.pipeline.finish()

    def record_receivers(self, stats: Sequence[ReceiverStats]) -> None:
        """Keep the receivers' statistics in the store's ``receivers`` table (if any)."""
        if self.store is not None and stats:
            self.store.upsert_receivers(stats)


class AircraftCatalog:
    """Sink that keeps the store's ``aircraft`` table: who every aircraft seen is.

    An aircraft is looked up in the reference data when it is first seen, and once more when
    its first callsign arrives (the callsign's ICAO designator names the operator). Only new
    addresses and new callsigns reach the lookup, so the cost per batch is a ``np.unique``.
    """

    def __init__(self, store: Any, identities: IdentityLookup) -> None:
        self._store = store
        self._identities = identities
        self._callsign: dict[int, str] = {}  # address -> callsign its identity was made with

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        if len(positions) == 0:
            return
        pairs = np.unique(positions[["icao24", "callsign"]])
        changed = []
        for icao24, raw in zip(pairs["icao24"].tolist(), pairs["callsign"].tolist(), strict=True):
            callsign = raw.decode("ascii", "replace").strip()
            known = self._callsign.get(icao24)
            if known is None or (not known and callsign):
                self._callsign[icao24] = callsign
                changed.append(self._identities.identify(icao24, callsign))
        if changed:
            self._store.upsert_aircraft(changed)


@contextmanager
def open_runtime(
    data_dir: Path | None = None, options: RuntimeOptions | None = None
) -> Iterator[Runtime]:
    """Build the runtime, yield it, and on exit close open flights and the store."""
    opts = options or RuntimeOptions(data_dir=data_dir)
    if data_dir is not None:
        opts.data_dir = data_dir

    refdata = None
    if opts.refdata:
        from skytrace.refdata import load_refdata

        refdata = load_refdata(opts.data_dir)

    from skytrace.track import Tracker, TrackerConfig

    tracker = Tracker(
        TrackerConfig(**opts.tracker_options),
        identities=refdata,
        airports=refdata.airports if refdata is not None else None,
    )

    detector = None
    if opts.flights:
        from skytrace.flights import FlightDetector

        detector = FlightDetector(
            airports=refdata.airports if refdata is not None else None,
            areas=refdata.areas if refdata is not None else None,
            identities=refdata,
        )

    store = None
    sinks: list[Sink] = []
    if opts.data_dir is not None:
        from skytrace.store import Store

        store = Store.open(opts.data_dir, **opts.store_options)
        sinks.append(store)
        if refdata is not None:
            sinks.append(AircraftCatalog(store, refdata))
    sinks.extend(opts.sinks)
    sinks.extend(opts.extra_sinks)

    pipeline = Pipeline(
        tracker, detector, sinks=sinks, frame_sinks=opts.frame_sinks, mlat=opts.mlat
    )
    runtime = Runtime(pipeline, tracker, detector, store, refdata)
    try:
        yield runtime
        runtime.finish()
    finally:
        if store is not None:
            store.close()
