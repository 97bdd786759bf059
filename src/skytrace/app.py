"""The assembled runtime: reference data, tracker, flight detection and store, wired once.

``open_runtime`` is what ``replay``, ``serve`` and ``demo`` use so that recorded and live data
go through exactly the same pipeline. It owns start-up and shut-down order (the store is
flushed and closed last) and nothing else: every stage's logic lives in its own package.

    with open_runtime(data_dir=path) as rt:      # data_dir=None: no store, in memory only
        rt.process(frames)                       # one micro-batch through every stage
        rt.tracker.snapshot(rt.now_s)            # the live picture
    # leaving the block closes open flights and the store

Not thread-safe: one runtime is driven by one task.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skytrace.model import FrameBatch
from skytrace.pipeline import FlightUpdate, Pipeline, Sink

__all__ = ["Runtime", "RuntimeOptions", "open_runtime"]


@dataclass(slots=True)
class RuntimeOptions:
    """How to assemble the runtime."""

    data_dir: Path | None = None  # None: no store (in memory only)
    flights: bool = True  # run flight detection
    refdata: bool = True  # load airports / imported reference data for enrichment
    extra_sinks: Sequence[Sink] = ()
    frame_sinks: Sequence[Any] = ()  # objects with .send_frames(frames, decoded)
    tracker_options: dict[str, Any] = field(default_factory=dict)


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

    def process(self, frames: FrameBatch) -> FlightUpdate:
        return self.pipeline.process(frames)

    def process_positions(self, positions: Any) -> FlightUpdate:
        """Already-decoded positions (SBS-1, imports): flight detection and sinks only."""
        return self.pipeline.process_positions(positions)

    def finish(self) -> FlightUpdate:
        return self.pipeline.finish()


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

        store = Store.open(opts.data_dir)
        sinks.append(store)
    sinks.extend(opts.extra_sinks)

    pipeline = Pipeline(tracker, detector, sinks=sinks, frame_sinks=opts.frame_sinks)
    runtime = Runtime(pipeline, tracker, detector, store, refdata)
    try:
        yield runtime
        runtime.finish()
    finally:
        if store is not None:
            store.close()
