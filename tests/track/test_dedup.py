"""De-duplication across receivers: properties over random receiver sets and delays."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.track import Tracker
from skytrace.track.dedup import deduplicate
from tests.track import helpers as h

ICAO = 0x3C6586
MSGS, TIMES, _ = h.straight_flight(ICAO, 50.0, 8.0, 135.0, 380, 24000, 0.0, 24)
SINGLE = Tracker().ingest(*h.batch(MSGS, TIMES), TIMES[-1]).positions


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sets(st.integers(1, 4), min_size=1),  # receivers that heard the message
            st.floats(0.0, 0.2),  # network/clock delay of the later copies
        ),
        min_size=len(MSGS),
        max_size=len(MSGS),
    )
)
def test_any_set_of_receivers_gives_the_single_receiver_positions(heard) -> None:
    parts = []
    for (receivers, delay), msg, t in zip(heard, MSGS, TIMES, strict=True):
        for k, r in enumerate(sorted(receivers)):
            frames = h.batch([msg], [t + (delay * k / 4)], r)[0]
            frames.signal_dbfs[:] = -30.0 + r
            parts.append(frames)
    frames = FrameBatch.concat(parts)
    frames = frames.take(np.argsort(frames.time_s, kind="stable"))
    tracker = Tracker()
    out = tracker.ingest(frames, decode_batch(frames), float(frames.time_s.max()))
    assert out.positions.size == SINGLE.size
    assert np.allclose(out.positions["lat"], SINGLE["lat"])
    assert np.allclose(out.positions["lon"], SINGLE["lon"])
    assert np.array_equal(out.positions["time_s"], SINGLE["time_s"])  # the earliest copy
    expected = [len(heard[i][0]) for i, m in enumerate(MSGS) if m[4] >> 3 == 11][1:]
    assert out.positions["n_receivers"].tolist() == expected
    assert tracker.stats.duplicates == len(frames) - len(MSGS)


def test_strongest_signal_and_count_are_kept() -> None:
    msg = h.identification(ICAO, "DLH1")
    frames = FrameBatch.concat([h.batch([msg], [1.0 + 0.01 * r], r)[0] for r in (3, 1, 2)])
    frames.signal_dbfs[:] = [-20.0, np.nan, -7.5]
    result = deduplicate(frames, np.arange(3), 0.5)
    assert result.keep.tolist() == [1]  # the earliest copy (receiver 1 at 1.01 s)
    assert result.n_receivers.tolist() == [3]
    assert result.signal_dbfs.tolist() == [-7.5]
    # outside the window: two messages
    frames.time_s[:] = [1.0, 1.6, 2.2]
    assert deduplicate(frames, np.arange(3), 0.5).keep.tolist() == [0, 1, 2]


def test_copies_split_across_live_batches_are_still_one_message() -> None:
    tracker = Tracker()
    outs = []
    # 100 ms micro-batches: receiver 2's copy (150 ms later) lands in the next batch
    frames = FrameBatch.concat(
        [h.batch(MSGS, TIMES, 1)[0], h.batch(MSGS, [t + 0.15 for t in TIMES], 2)[0]]
    )
    frames = frames.take(np.argsort(frames.time_s, kind="stable"))
    edges = np.arange(frames.time_s.min(), frames.time_s.max() + 0.2, 0.1)
    for lo, hi in itertools.pairwise(edges):
        part = frames.take(np.flatnonzero((frames.time_s >= lo) & (frames.time_s < hi)))
        if len(part):
            outs.append(tracker.ingest(part, decode_batch(part), hi).positions)
    assert tracker.stats.frames == 2 * len(MSGS)
    positions = np.concatenate(outs)
    assert np.array_equal(positions["time_s"], SINGLE["time_s"])
    assert tracker.stats.duplicates == len(MSGS)
    assert tracker.aircraft(ICAO).messages == len(MSGS)


def test_a_copy_with_an_earlier_time_in_a_later_batch_is_still_a_copy() -> None:
    """Rows out of time order (a recording that writes each receiver's frames a block at a
    time): receiver 1's copy, handed on in the first batch, is 50 us later than receiver
    2's, which comes in the next batch. One message, not two."""
    msg = h.identification(ICAO, "DLH1")
    first, _ = h.batch([msg], [1.00005], 1)
    second, _ = h.batch([msg], [1.0], 2)
    one = deduplicate(first, np.arange(1), 0.5)
    two = deduplicate(second, np.arange(1), 0.5, one.carry)
    assert (one.keep.size, two.keep.size, two.late_rows.tolist()) == (1, 0, [0])


def test_rows_seconds_out_of_order_are_folded_as_in_one_batch() -> None:
    """Each receiver's frames two seconds at a time, interleaved by block: in batches of any
    size the same messages are kept as in one batch once rows have been seen to come late
    (the carry then reaches back that far; the first late block may keep a few copies)."""
    blocks = []
    for start in np.arange(0.0, 20.0, 2.0):
        for r in (1, 2, 3):
            times = [start + k * 0.25 + 0.0001 * r for k in range(8)]
            msgs = [h.identification(ICAO, f"D{int(start * 4) + k:03d}") for k in range(8)]
            blocks.append(h.batch(msgs, times, r)[0])
    frames = FrameBatch.concat(blocks)
    whole = deduplicate(frames, np.arange(len(frames)), 0.5)
    assert whole.keep.size == 80

    def after_the_first_blocks(times: np.ndarray) -> list[float]:
        return sorted(t for t in times.tolist() if t >= 4.0)

    expected = after_the_first_blocks(frames.time_s[whole.keep])
    for size in (7, 24, 50):
        carry, kept = None, []
        for lo in range(0, len(frames), size):
            part = frames.take(np.arange(lo, min(lo + size, len(frames))))
            result = deduplicate(part, np.arange(len(part)), 0.5, carry)
            carry = result.carry
            kept += part.time_s[result.keep].tolist()
        assert after_the_first_blocks(np.asarray(kept)) == expected, size
        assert len(kept) <= 80 + 8, size  # at most the first late block twice
