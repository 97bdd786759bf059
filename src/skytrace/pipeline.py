"""The pipeline: frames in, decoded, tracked, cut into flights, stored and re-broadcast.

This module owns the wiring between the stages and nothing else. Each stage is named by a
Protocol here so that the stages can be built, tested and replaced alone:

    FrameBatch --decode_batch--> DecodedBatch --Tracker.ingest--> TrackOutput
        (frames, decoded, TrackOutput.positions) --MlatStage.process--> MLAT frames
            --decode_batch--> Tracker.ingest (positions with source mlat), when a stage is set
        TrackOutput.positions --FlightDetector.update--> FlightUpdate
        positions / flights / events --Sink--> store, outputs, alerts

One ``Pipeline.process(batch)`` call runs one micro-batch through every stage in order. It is
not thread-safe: one pipeline is driven by one thread (skytrace.live's pipeline thread, a
replay, the demo). Time comes from the frames (``now_s`` = the batch's latest arrival time) so
that replay and live behave the same; ``advance(now_s)`` moves time on without frames (the
live clock), so that aircraft age out and flights close when the feed goes quiet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from skytrace.model import POSITION_DTYPE, Event, EventKind, Flight, FrameBatch, empty_positions

if TYPE_CHECKING:
    from skytrace.track.receivers import ReceiverLists

log = logging.getLogger(__name__)

__all__ = [
    "EmergencyOnce",
    "FlightDetectorLike",
    "FlightUpdate",
    "MlatLike",
    "Pipeline",
    "PipelineStats",
    "Sink",
    "TrackOutput",
    "TrackerLike",
]


@dataclass(slots=True)
class TrackOutput:
    """What the tracker hands on after one batch: accepted positions and events."""

    positions: npt.NDArray[np.void]  # rows of skytrace.model.POSITION_DTYPE, time-ordered
    events: list[Event] = field(default_factory=list)
    # receiver indices that heard the message of each position (aligned 1:1 with positions);
    # None when the producer does not know them
    receivers: ReceiverLists | None = None


@dataclass(slots=True)
class FlightUpdate:
    """Flights that opened, changed or closed during one batch, and their events."""

    flights: list[Flight] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class TrackerLike(Protocol):
    def ingest(self, frames: FrameBatch, decoded: Any, now_s: float) -> TrackOutput: ...

    def expire(self, now_s: float) -> list[Event]: ...


class MlatLike(Protocol):
    """Multilateration (skytrace.mlat.MlatStage): its ``process`` returns an object whose
    ``frames`` are MLAT results as a FrameBatch (FrameKind.MLAT) for the tracker."""

    def process(
        self, frames: FrameBatch, decoded: Any, references: npt.NDArray[np.void], now_s: float
    ) -> Any: ...


class FlightDetectorLike(Protocol):
    def update(
        self,
        positions: npt.NDArray[np.void],
        now_s: float,
        receivers: ReceiverLists | None = None,
    ) -> FlightUpdate: ...

    def close_all(self, now_s: float) -> FlightUpdate: ...


class Sink(Protocol):
    """Anything that takes the pipeline's results: the store, an output server, alerts."""

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None: ...


@dataclass(slots=True)
class PipelineStats:
    frames: int = 0
    decoded_ok: int = 0
    positions: int = 0
    flights_seen: set[str] = field(default_factory=set)
    events: int = 0
    mlat_errors: int = 0  # batches whose MLAT stage raised (their other results were kept)


class EmergencyOnce:
    """One event per emergency, whichever stage saw it first.

    The tracker reports an emergency squawk in the batch that brings it (the alert must not
    wait); the flight detector reports it too, with the flight it belongs to, once the
    aircraft has one. Here the first report is kept — given the aircraft's open flight when
    it has one — and a repeat of the same (aircraft, emergency) within ``repeat_s`` of data
    time is dropped, from either stage. A squawk and the ADS-B emergency state that says the
    same (7700 and "general", 7600 and "nordo", 7500 and "unlawful") are one emergency.
    """

    SAME: Final = {"7500": "unlawful", "7600": "nordo", "7700": "general"}

    def __init__(self, repeat_s: float = 1800.0) -> None:
        self.repeat_s = repeat_s
        self._last: dict[tuple[int, str], float] = {}  # (aircraft, code) -> last report time

    def filter(self, events: list[Event], flight_of: Callable[[int], str]) -> list[Event]:
        if not any(e.kind is EventKind.EMERGENCY for e in events):
            return events
        out = []
        for e in events:
            if e.kind is EventKind.EMERGENCY:
                key = (e.icao24, self.SAME.get(e.value, e.value))
                last = self._last.get(key)
                self._last[key] = e.time_s if last is None else max(last, e.time_s)
                if last is not None and e.time_s - last <= self.repeat_s:
                    continue
                if not e.flight_id and (fid := flight_of(e.icao24)):
                    e = replace(e, flight_id=fid)
            out.append(e)
        if len(self._last) > 10_000:  # bounded: forget what can no longer repeat
            newest = max(self._last.values())
            self._last = {k: t for k, t in self._last.items() if newest - t <= self.repeat_s}
        return out


class Pipeline:
    """Runs micro-batches of frames through decode, track, flights and the sinks."""

    def __init__(
        self,
        tracker: TrackerLike,
        flights: FlightDetectorLike | None = None,
        sinks: Sequence[Sink] = (),
        frame_sinks: Sequence[Any] = (),
        mlat: MlatLike | None = None,
    ) -> None:
        from skytrace.decode import decode_batch  # the decoder is the one hard dependency

        self._decode = decode_batch
        self.tracker = tracker
        self.flights = flights
        self.sinks = list(sinks)
        self.frame_sinks = list(frame_sinks)  # objects with .send_frames(frames, decoded)
        self.mlat = mlat
        self.stats = PipelineStats()
        self.now_s = 0.0
        self.emergencies = EmergencyOnce()

    def process(self, frames: FrameBatch) -> FlightUpdate:
        """Run one batch through every stage; returns the flight changes it caused."""
        if len(frames) == 0:
            return FlightUpdate()
        self.now_s = max(self.now_s, float(frames.time_s.max()))
        decoded = self._decode(frames)
        self.stats.decoded_ok += int(decoded.ok.sum())
        for fs in self.frame_sinks:
            fs.send_frames(frames, decoded)
        track = self.tracker.ingest(frames, decoded, self.now_s)
        events = list(track.events)
        if self.mlat is not None:
            track, more = self._multilaterate(frames, decoded, track)
            events.extend(more)
        events.extend(self.tracker.expire(self.now_s))
        self.stats.frames += len(frames)
        return self._positions_onward(track.positions, events, track.receivers)

    def _multilaterate(
        self, frames: FrameBatch, decoded: Any, heard: TrackOutput
    ) -> tuple[TrackOutput, list[Event]]:
        """MLAT results of this batch through the tracker like any other frames (and to the
        frame sinks, which forward them only when asked to); positions joined in time order
        (with their receivers, when both sides know them). The events are the MLAT ones."""
        assert self.mlat is not None
        positions = heard.positions
        try:
            result = self.mlat.process(frames, decoded, positions, self.now_s)
        except Exception:  # MLAT is extra: a failure of it must not cost the batch's positions
            self.stats.mlat_errors += 1
            if self.stats.mlat_errors <= 3 or self.stats.mlat_errors % 1000 == 0:
                log.exception("MLAT failed on a batch (%d so far)", self.stats.mlat_errors)
            return heard, []
        if len(result.frames) == 0:
            return heard, []
        mdec = self._decode(result.frames)
        for fs in self.frame_sinks:
            fs.send_frames(result.frames, mdec)
        track = self.tracker.ingest(result.frames, mdec, self.now_s)
        if len(track.positions) == 0:
            return heard, list(track.events)
        # a multilaterated position was heard by the receivers its fix was solved from
        mlat_receivers = result.attribute(track.positions)
        joined = np.concatenate([positions, track.positions])
        order = np.argsort(joined["time_s"], kind="stable")
        receivers = None
        if heard.receivers is not None:
            from skytrace.track.receivers import ReceiverLists

            receivers = ReceiverLists.concat([heard.receivers, mlat_receivers]).take(order)
        return TrackOutput(joined[order], receivers=receivers), list(track.events)

    def advance(self, now_s: float) -> FlightUpdate:
        """Move time on to ``now_s`` without frames: aircraft silent too long are dropped
        (``tracker.expire``), flights whose gap timeout passed close, and the results go to
        the sinks. A ``now_s`` not after the current time does nothing."""
        if not now_s > self.now_s:
            return FlightUpdate()
        self.now_s = float(now_s)
        events = self.tracker.expire(self.now_s)
        return self._positions_onward(empty_positions(0), events)

    def process_positions(self, positions: npt.NDArray[np.void]) -> FlightUpdate:
        """Positions that arrive already decoded (SBS-1 feeds, imported tracks).

        They skip decode and the tracker and go on to flight detection and the sinks,
        exactly as the tracker's own positions do.
        """
        if len(positions) == 0:
            return FlightUpdate()
        self.now_s = max(self.now_s, float(positions["time_s"].max()))
        return self._positions_onward(positions, [])

    def _positions_onward(
        self,
        positions: npt.NDArray[np.void],
        events: list[Event],
        receivers: ReceiverLists | None = None,
    ) -> FlightUpdate:
        update = FlightUpdate()
        if self.flights is not None:
            update = self.flights.update(positions, self.now_s, receivers)
            events.extend(update.events)
            events = self.emergencies.filter(events, self._open_flight_of(update))
        self._emit(positions, update.flights, events)
        self.stats.positions += len(positions)
        return update

    def _open_flight_of(self, update: FlightUpdate) -> Callable[[int], str]:
        """The id of an aircraft's open flight ("" none), for events that came without."""

        def flight_of(icao24: int) -> str:
            for f in update.flights:
                if f.icao24 == icao24:
                    return f.flight_id
            open_flights = getattr(self.flights, "open_flight", None)
            flight = open_flights(icao24) if open_flights is not None else None
            return flight.flight_id if flight is not None else ""

        return flight_of

    def finish(self) -> FlightUpdate:
        """End of input: close every open flight and hand everything to the sinks."""
        update = FlightUpdate()
        if self.flights is not None:
            update = self.flights.close_all(self.now_s)
            self._emit(np.empty(0, dtype=POSITION_DTYPE), update.flights, update.events)
        return update

    def _emit(
        self, positions: npt.NDArray[np.void], flights: Sequence[Flight], events: list[Event]
    ) -> None:
        self.stats.events += len(events)
        self.stats.flights_seen.update(f.flight_id for f in flights)
        for sink in self.sinks:
            sink.write(positions, flights, events)
