"""Batch boundaries do not change what the tracker hands on (property over random splits)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skytrace.model import EventKind
from skytrace.track import Tracker
from tests.track import helpers as h

A, B = 0x3C6586, 0x4B1804


def _stream() -> tuple[list[bytes], list[float]]:
    a_msgs, a_times, a_truth = h.straight_flight(A, 47.0, 8.0, 45.0, 420, 33000, 0.0, 40)
    b_msgs, b_times, _ = h.straight_flight(B, 47.5, 8.5, 200.0, 250, 12000, 0.3, 40)
    # a spoofed pair for A in the middle, 80 km off its track
    la, lo = h.move(*a_truth[20], 90.0, 80.0)
    spoof = [h.airborne_position(A, la, lo, 33000, odd) for odd in (False, True)]
    msgs = a_msgs + b_msgs + spoof + [h.identification(A, "SWR1"), h.identity_reply(B, "7700")]
    times = a_times + b_times + [10.05, 10.15, 3.0, 12.0]
    order = np.argsort(times, kind="stable")
    return [msgs[i] for i in order], [times[i] for i in order]


MSGS, TIMES = _stream()


def _replay(cuts: list[int]):
    tracker = Tracker()
    positions, events = [], []
    edges = [0, *sorted(set(cuts)), len(MSGS)]
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            out = tracker.ingest(*h.batch(MSGS[lo:hi], TIMES[lo:hi]), TIMES[hi - 1])
            positions.append(out.positions)
            events += out.events
    pos = np.concatenate(positions)
    return pos[np.lexsort((pos["time_s"], pos["icao24"]))], events, tracker


WHOLE, WHOLE_EVENTS, WHOLE_TRACKER = _replay([])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, len(MSGS) - 1), max_size=12))
def test_any_split_gives_the_same_positions_and_rejections(cuts: list[int]) -> None:
    pos, events, tracker = _replay(cuts)
    assert np.array_equal(pos["time_s"], WHOLE["time_s"])
    assert np.array_equal(pos["icao24"], WHOLE["icao24"])
    assert np.allclose(pos["lat"], WHOLE["lat"]) and np.allclose(pos["lon"], WHOLE["lon"])
    assert tracker.stats.rejected == WHOLE_TRACKER.stats.rejected

    def kinds(evs):
        return sorted((e.kind.value, e.icao24, e.value) for e in evs)

    assert kinds(events) == kinds(WHOLE_EVENTS)


def test_the_whole_stream_is_what_it_should_be() -> None:
    assert WHOLE_TRACKER.stats.rejected_total >= 1  # the spoofed pair
    assert {e.kind for e in WHOLE_EVENTS} >= {
        EventKind.APPEARED,
        EventKind.POSITION_REJECTED,
        EventKind.CALLSIGN,
        EventKind.EMERGENCY,
    }
    assert set(WHOLE["icao24"].tolist()) == {A, B}
