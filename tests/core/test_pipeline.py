"""The pipeline wiring: stage order, counters, positions that skip the tracker."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from skytrace.model import Event, EventKind, Flight, FrameBatch, empty_positions
from skytrace.pipeline import FlightUpdate, Pipeline, TrackOutput

# A real DF17 airborne position (even) and a DF11 all-call: both decode without error.
_DF17 = bytes.fromhex("8D40621D58C382D690C8AC2863A7")
_DF11 = bytes.fromhex("5D3C6614BDC0A4")


class _Tracker:
    def __init__(self) -> None:
        self.seen: list[int] = []

    def ingest(self, frames: FrameBatch, decoded: object, now_s: float) -> TrackOutput:
        self.seen.append(len(frames))
        rows = empty_positions(1)
        rows["icao24"] = 0x40621D
        rows["time_s"] = now_s
        return TrackOutput(rows, [Event(now_s, 0x40621D, EventKind.APPEARED)])

    def expire(self, now_s: float) -> list[Event]:
        return []


class _Flights:
    def __init__(self) -> None:
        self.positions: list[int] = []

    def update(
        self, positions: npt.NDArray[np.void], now_s: float, receivers: object = None
    ) -> FlightUpdate:
        self.positions.append(len(positions))
        flight = Flight("40621d-x", 0x40621D, "open", now_s, now_s)
        return FlightUpdate([flight], [Event(now_s, 0x40621D, EventKind.TAKEOFF)])

    def close_all(self, now_s: float) -> FlightUpdate:
        return FlightUpdate()


class _Sink:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, list[EventKind]]] = []

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        self.calls.append((len(positions), len(flights), [e.kind for e in events]))


def test_a_batch_runs_through_every_stage_in_order() -> None:
    tracker, flights, sink = _Tracker(), _Flights(), _Sink()
    pipeline = Pipeline(tracker, flights, sinks=[sink])
    frames = FrameBatch.from_messages([_DF17, _DF11, b"\x00\x01"], time_s=[10.0, 11.0, 12.0])
    pipeline.process(frames)
    assert tracker.seen == [3]
    assert flights.positions == [1]
    assert sink.calls == [(1, 1, [EventKind.APPEARED, EventKind.TAKEOFF])]
    assert pipeline.now_s == 12.0
    assert pipeline.stats.frames == 3
    assert pipeline.stats.decoded_ok == 2  # the Mode A/C row is labelled, not decoded
    assert pipeline.stats.flights_seen == {"40621d-x"}


def test_decoded_positions_skip_decode_and_tracker() -> None:
    tracker, flights, sink = _Tracker(), _Flights(), _Sink()
    pipeline = Pipeline(tracker, flights, sinks=[sink])
    rows = empty_positions(2)
    rows["time_s"] = [100.0, 101.0]
    pipeline.process_positions(rows)
    assert tracker.seen == []
    assert flights.positions == [2]
    assert sink.calls == [(2, 1, [EventKind.TAKEOFF])]
    assert pipeline.now_s == 101.0
    assert pipeline.stats.positions == 2


def test_empty_input_touches_nothing() -> None:
    tracker, flights, sink = _Tracker(), _Flights(), _Sink()
    pipeline = Pipeline(tracker, flights, sinks=[sink])
    pipeline.process(FrameBatch.empty(0))
    pipeline.process_positions(empty_positions(0))
    assert (tracker.seen, flights.positions, sink.calls) == ([], [], [])


def test_advance_moves_time_on_without_frames() -> None:
    class Expiring(_Tracker):
        def __init__(self) -> None:
            super().__init__()
            self.expired_at: list[float] = []

        def expire(self, now_s: float) -> list[Event]:
            self.expired_at.append(now_s)
            return [Event(now_s, 0x40621D, EventKind.LOST)]

    tracker, flights, sink = Expiring(), _Flights(), _Sink()
    pipeline = Pipeline(tracker, flights, sinks=[sink])
    pipeline.process(FrameBatch.from_messages([_DF17], time_s=[10.0]))
    pipeline.advance(400.0)
    assert pipeline.now_s == 400.0 and tracker.expired_at == [10.0, 400.0]
    # the detector is asked with no positions (its timeouts), the sinks get the results
    assert flights.positions == [1, 0]
    assert sink.calls[-1] == (0, 1, [EventKind.LOST, EventKind.TAKEOFF])
    pipeline.advance(300.0)  # not after now: nothing happens
    assert pipeline.now_s == 400.0 and len(sink.calls) == 2 and tracker.seen == [1]


class _BrokenMlat:
    def process(self, frames: FrameBatch, decoded: object, references: object, now_s: float):  # type: ignore[no-untyped-def]
        raise ValueError("a bug in the MLAT stage")


def test_a_failing_mlat_stage_costs_the_batch_nothing_else() -> None:
    sink = _Sink()
    pipeline = Pipeline(_Tracker(), _Flights(), sinks=[sink], mlat=_BrokenMlat())
    frames = FrameBatch.from_messages([_DF17, _DF11], [1.0, 1.5])
    pipeline.process(frames)
    pipeline.process(frames)
    assert [n for n, _, _ in sink.calls] == [1, 1]  # the tracker's positions went on
    assert pipeline.stats.mlat_errors == 2
