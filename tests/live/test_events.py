"""The live event ring: sequence numbers, the bound, what a late reader gets."""

from __future__ import annotations

import pytest

from skytrace.errors import UsageError
from skytrace.live.events import EventRing
from skytrace.model import Event, EventKind


def _events(n: int, kind: EventKind = EventKind.TAKEOFF, t0: float = 0.0) -> list[Event]:
    return [Event(t0 + i, 0x7277CF, kind, value=f"e{i}") for i in range(n)]


def test_sequence_numbers_start_at_zero_and_follow_each_other() -> None:
    ring = EventRing(capacity=100)
    ring.append(_events(3))
    ring.append(_events(2, EventKind.LANDING, t0=10))
    got, next_seq = ring.since(0)
    assert [s for s, _ in got] == [0, 1, 2, 3, 4] and next_seq == 5
    assert [e.kind for _, e in got][-2:] == [EventKind.LANDING, EventKind.LANDING]
    assert ring.since(3) == (got[3:], 5)
    assert ring.since(5) == ([], 5)  # nothing new yet
    assert ring.since(50) == ([], 5)  # a number from the future: the next one to come


def test_the_ring_is_bounded_and_counts_what_it_dropped() -> None:
    ring = EventRing(capacity=5)
    for _ in range(4):
        ring.append(_events(3))
    assert len(ring) == 5 and ring.dropped == 7 and ring.next_seq == 12
    got, next_seq = ring.since(0)  # fell behind: starts at the oldest kept
    assert [s for s, _ in got] == [7, 8, 9, 10, 11] and next_seq == 12


def test_limit_pages_through_the_events() -> None:
    ring = EventRing(capacity=50)
    ring.append(_events(10))
    first, seq = ring.since(0, limit=4)
    second, seq = ring.since(seq, limit=4)
    third, seq = ring.since(seq, limit=4)
    assert [len(first), len(second), len(third), seq] == [4, 4, 2, 10]
    assert [s for s, _ in first + second + third] == list(range(10))


def test_rejected_positions_stay_out_of_the_stream_and_appends_wake_readers() -> None:
    woken: list[int] = []
    ring = EventRing(capacity=10, on_append=lambda: woken.append(1))
    assert ring.append(_events(4, EventKind.POSITION_REJECTED)) == 0
    assert ring.append(_events(1, EventKind.EMERGENCY)) == 1
    assert [e.kind for _, e in ring.since(0)[0]] == [EventKind.EMERGENCY] and woken == [1]


def test_bad_arguments_are_refused() -> None:
    ring = EventRing()
    with pytest.raises(UsageError, match=">= 0"):
        ring.since(-1)
    with pytest.raises(UsageError, match="limit"):
        ring.since(0, limit=0)
    with pytest.raises(UsageError, match="capacity"):
        EventRing(capacity=0)
