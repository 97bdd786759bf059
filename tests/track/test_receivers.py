"""Receiver lists: of each de-duplicated message, of each position handed on, of each aircraft."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.track import Tracker, TrackerConfig
from skytrace.track.dedup import DedupCarry, deduplicate
from skytrace.track.receivers import ReceiverLists
from tests.track import helpers as h

ICAO = 0x3C6586
MSGS, TIMES, _ = h.straight_flight(ICAO, 50.0, 8.0, 135.0, 380, 24000, 0.0, 24)
IS_POSITION = [m[4] >> 3 == 11 for m in MSGS]


def _heard_by(
    receivers: list[list[int]], signal: dict[int, float], delay_s: float = 0.05
) -> FrameBatch:
    """MSGS, message i heard by receivers[i] (in that order, each ``delay_s`` later)."""
    parts = []
    for recv, msg, t in zip(receivers, MSGS, TIMES, strict=True):
        for k, r in enumerate(recv):
            frames = h.batch([msg], [t + delay_s * k], r)[0]
            frames.signal_dbfs[:] = signal.get(r, np.nan)
            parts.append(frames)
    frames = FrameBatch.concat(parts)
    return frames.take(np.argsort(frames.time_s, kind="stable"))


def _ingest(tracker: Tracker, frames: FrameBatch, now_s: float | None = None):
    now = float(frames.time_s.max()) if now_s is None else now_s
    return tracker.ingest(frames, decode_batch(frames), now)


def test_three_copies_are_one_message_listing_its_receivers_strongest_first() -> None:
    msg = h.identification(ICAO, "DLH1")
    frames = FrameBatch.concat(
        [h.batch([msg], [1.0 + 0.01 * k], r)[0] for k, r in enumerate((7, 2, 5))]
    )
    frames.signal_dbfs[:] = [-20.0, -9.0, -14.5]
    result = deduplicate(frames, np.arange(3), 0.5)
    assert result.keep.tolist() == [0]  # the earliest copy
    assert result.receiver_offsets.tolist() == [0, 3]
    assert result.receiver_ids.dtype == np.uint32
    assert result.receiver_ids.tolist() == [2, 5, 7]  # -9 > -14.5 > -20 dBFS
    assert result.n_receivers.tolist() == [3]
    assert result.receivers.of(0).tolist() == [2, 5, 7]


def test_each_receiver_once_and_unknown_signal_last() -> None:
    msg = h.identification(ICAO, "DLH1")
    # receiver 4 delivers the same frame twice (same 12 MHz timestamp); receiver 9 has no signal
    frames = FrameBatch.concat(
        [h.batch([msg], [1.0 + 0.01 * k], r)[0] for k, r in enumerate((4, 9, 4, 1))]
    )
    frames.signal_dbfs[:] = [-12.0, np.nan, -3.0, -12.0]
    frames.receiver_ticks[:] = [500, 0, 500, 0]
    result = deduplicate(frames, np.arange(4), 0.5)
    assert result.keep.tolist() == [0]
    # receiver 4's stronger copy counts; equal signals (1 and 4 at -12) would tie by index
    assert result.receivers.tolist() == [[4, 1, 9]]
    assert result.n_receivers.tolist() == [3]


def test_two_messages_keep_separate_lists_in_input_order() -> None:
    a = h.identification(ICAO, "DLH1")
    b = h.identification(ICAO + 1, "KLM2")
    frames = FrameBatch.concat(
        [
            h.batch([b], [1.0], 3)[0],
            h.batch([a], [1.05], 1)[0],
            h.batch([b], [1.1], 1)[0],
            h.batch([a], [1.2], 2)[0],
        ]
    )
    frames.signal_dbfs[:] = [-20.0, -20.0, -10.0, -5.0]
    result = deduplicate(frames, np.arange(4), 0.5)
    assert result.keep.tolist() == [0, 1]
    assert result.receivers.tolist() == [[1, 3], [2, 1]]
    # one receiver: one list entry per message, the receiver itself
    single = deduplicate(frames, np.array([1, 2]), 0.5)
    assert single.receivers.tolist() == [[1], [1]]


def test_copy_in_a_later_batch_is_a_late_row_not_a_list_entry() -> None:
    msg = h.identification(ICAO, "DLH1")
    first = FrameBatch.concat([h.batch([msg], [1.0], 1)[0], h.batch([msg], [1.05], 2)[0]])
    later = h.batch([msg], [1.2], 3)[0]
    r1 = deduplicate(first, np.arange(2), 0.5, DedupCarry())
    r2 = deduplicate(later, np.arange(1), 0.5, r1.carry)
    assert r1.receivers.tolist() == [[1, 2]] or r1.receivers.tolist() == [[2, 1]]
    assert r2.keep.size == 0 and r2.duplicates == 1
    assert r2.late_rows.tolist() == [0]
    assert len(r2.receivers) == 0


def test_receiver_lists_take_and_concat() -> None:
    lists = ReceiverLists(np.array([0, 2, 2, 5], np.int64), np.array([4, 1, 7, 8, 9], np.uint32))
    assert len(lists) == 3
    assert lists.of(1).tolist() == []
    assert lists.take(np.array([2, 0, 0])).tolist() == [[7, 8, 9], [4, 1], [4, 1]]
    both = ReceiverLists.concat([lists, ReceiverLists.single(np.array([3], np.uint32))])
    assert both.tolist() == [[4, 1], [], [7, 8, 9], [3]]
    assert ReceiverLists.from_lists([np.array([5], np.uint32)]).tolist() == [[5]]


def test_positions_carry_the_receivers_of_their_message() -> None:
    # every message heard by 1 and 2; every third one also by 3; stronger index = stronger signal
    heard = [[1, 2, 3] if i % 3 == 0 else [2, 1] for i in range(len(MSGS))]
    frames = _heard_by(heard, {1: -30.0, 2: -20.0, 3: -10.0})
    tracker = Tracker()
    out = _ingest(tracker, frames)
    assert out.positions.size > 10
    assert out.receivers is not None and len(out.receivers) == out.positions.size
    by_time = {t: sorted(r, reverse=True) for t, r in zip(TIMES, heard, strict=True)}
    got = out.receivers.tolist()
    assert got == [by_time[t] for t in out.positions["time_s"].tolist()]
    assert out.positions["n_receivers"].tolist() == [len(r) for r in got]
    assert tracker.stats.duplicates == len(frames) - len(MSGS)
    # the aircraft: every receiver that heard it recently, ascending
    assert tracker.aircraft(ICAO).receivers == (1, 2, 3)
    doc = tracker.snapshot(float(frames.time_s.max()))
    (ac,) = doc["aircraft"]
    assert ac["receiver_ids"] == [1, 2, 3]
    assert ac["receivers"] == len(heard[-1])  # the latest message's count, as before


def test_receiver_that_stops_hearing_drops_out_after_position_stale_s() -> None:
    cfg = TrackerConfig(position_stale_s=5.0)
    tracker = Tracker(cfg)
    half = len(MSGS) // 2
    heard = [[1, 4] if i < half else [1] for i in range(len(MSGS))]
    frames = _heard_by(heard, {1: -20.0, 4: -10.0})
    t_last4 = TIMES[half - 1] + 0.05
    early = frames.take(np.flatnonzero(frames.time_s <= t_last4))
    late = frames.take(np.flatnonzero(frames.time_s > t_last4))
    _ingest(tracker, early)
    assert tracker.aircraft(ICAO).receivers == (1, 4)
    out = _ingest(tracker, late)
    assert out.receivers is not None and set(np.unique(out.receivers.ids).tolist()) == {1}
    now = float(late.time_s.max()) + 1.0
    assert now - t_last4 > 5.0  # receiver 4 silent for longer than position_stale_s
    _ingest(tracker, h.batch([h.identification(ICAO, "DLH1")], [now], 1)[0])
    assert tracker.aircraft(ICAO).receivers == (1,)
    # nothing heard any more: expire empties the table once everything is stale
    tracker.expire(now + 5.5)
    assert tracker.aircraft(ICAO).receivers == ()
    assert tracker.snapshot(now + 5.5)["aircraft"][0]["receiver_ids"] == []


def test_more_receivers_than_slots_keeps_the_latest() -> None:
    msg = h.identification(ICAO, "DLH1")
    tracker = Tracker()
    for k, r in enumerate(range(1, 11)):  # receiver r hears it alone at 10 + k s
        _ingest(tracker, h.batch([msg], [10.0 + k], r)[0])
    assert tracker.aircraft(ICAO).receivers == tuple(range(3, 11))
    _ingest(tracker, h.batch([msg], [30.0], 1)[0])  # receiver 1 again: replaces the oldest (3)
    assert tracker.aircraft(ICAO).receivers == (1, *range(4, 11))


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.sets(st.integers(1, 5), min_size=1), min_size=len(MSGS), max_size=len(MSGS)),
    st.lists(st.floats(0.0, 12.0), max_size=6),
)
def test_batch_splitting_only_loses_copies_of_an_earlier_batch(heard_sets, cuts) -> None:
    heard = [sorted(s) for s in heard_sets]
    signal = {r: -30.0 + 3 * r for r in range(1, 6)}
    frames = _heard_by(heard, signal, delay_s=0.08)
    whole_tracker = Tracker()
    whole = _ingest(whole_tracker, frames)
    edges = [-1.0, *sorted(cuts), 1e9]
    split_tracker = Tracker()
    pos, lists = [], []
    for lo, hi in itertools.pairwise(edges):
        part = frames.take(np.flatnonzero((frames.time_s > lo) & (frames.time_s <= hi)))
        if len(part):
            out = _ingest(split_tracker, part)
            pos.append(out.positions)
            lists.extend(out.receivers.tolist())
    positions = np.concatenate(pos)
    assert np.array_equal(positions["time_s"], whole.positions["time_s"])
    full = dict(zip(whole.positions["time_s"].tolist(), whole.receivers.tolist(), strict=True))
    for t, got in zip(positions["time_s"].tolist(), lists, strict=True):
        i = TIMES.index(t)
        copy_times = [t + 0.08 * k for k in range(len(heard[i]))]
        same_batch = all(
            np.searchsorted(edges, ct) == np.searchsorted(edges, t) for ct in copy_times
        )
        if same_batch:
            assert got == full[t]
        else:  # only the copies in the first copy's batch; their order is kept
            assert got == [r for r in full[t] if r in got]
            in_first = [r for r, ct in zip(heard[i], copy_times, strict=True)
                        if np.searchsorted(edges, ct) == np.searchsorted(edges, t)]  # fmt: skip
            assert sorted(got) == sorted(in_first)
    # the aircraft learns of late copies too: its receiver table does not depend on batching
    assert split_tracker.aircraft(ICAO).receivers == whole_tracker.aircraft(ICAO).receivers
    assert whole_tracker.aircraft(ICAO).receivers == tuple(sorted(set().union(*heard_sets)))


def test_aircraft_learns_of_a_receiver_whose_copies_all_arrive_a_batch_late() -> None:
    frames = _heard_by([[1, 6]] * len(MSGS), {1: -20.0, 6: -10.0}, delay_s=0.2)
    tracker = Tracker()
    outs = []
    # a new batch whenever the receiver changes: receiver 6's copies always come a batch late
    cut = np.flatnonzero(np.diff(frames.receiver.astype(np.int64)) != 0) + 1
    for rows in np.split(np.arange(len(frames)), cut):
        outs.append(_ingest(tracker, frames.take(rows)))
    assert len(outs) > 10
    assert tracker.stats.duplicates == len(MSGS)
    assert all(r == [1] for o in outs for r in o.receivers.tolist())
    assert tracker.aircraft(ICAO).receivers == (1, 6)
