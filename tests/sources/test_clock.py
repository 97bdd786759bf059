"""Receiver clock fit: rate and offset from jittery arrival times, counter resets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skytrace.model import FrameBatch
from skytrace.sources.clock import NOMINAL_RATE_HZ, ReceiverClock, apply_clocks
from skytrace.sources.files import FileReader


def test_fit_recovers_rate_and_offset_despite_jitter() -> None:
    rng = np.random.default_rng(0)
    true_rate = NOMINAL_RATE_HZ * (1 + 40e-6)  # 40 ppm fast
    clock = ReceiverClock()
    t0 = 1.7e9
    for k in range(120):  # two minutes of 0.5 s chunks
        true_t = t0 + k * 0.5 + np.sort(rng.uniform(0, 0.5, 200))
        ticks = ((true_t - t0 + 100.0) * true_rate).astype(np.uint64)
        arrival = true_t + 0.005 + rng.exponential(0.03, true_t.size)  # delay >= 5 ms
        clock.update(ticks, arrival)
    assert clock.rate_hz == pytest.approx(true_rate, rel=5e-6)
    test_ticks = np.array([(200.0) * true_rate])
    mapped = clock.to_utc(test_ticks)[0]
    assert mapped - (t0 + 100.0) == pytest.approx(0.005, abs=0.004)


def test_counter_reset_restarts_the_fit() -> None:
    clock = ReceiverClock()
    for k in range(10):
        clock.update([int((1000 + k) * NOMINAL_RATE_HZ)], [1.7e9 + k])
    assert clock.fitted
    clock.update([int(5 * NOMINAL_RATE_HZ)], [1.7e9 + 11])
    assert clock.resets == 1
    assert clock.to_utc([int(5 * NOMINAL_RATE_HZ)])[0] == pytest.approx(1.7e9 + 11)


def test_apply_clocks_on_long_flight(shared_data: Path) -> None:
    batch = next(iter(FileReader(shared_data / "modes" / "long_flight.csv", batch_frames=40_000)))
    clocks: dict[int, ReceiverClock] = {}
    arrival = batch.time_s.copy()
    for part in range(0, len(batch), 1000):
        sub = batch[part : part + 1000]
        apply_clocks(sub, clocks, fill_time=True)
    clock = clocks[int(batch.receiver[0])]
    assert abs(clock.rate_hz / NOMINAL_RATE_HZ - 1) < 1e-3
    mapped = clock.to_utc(batch.receiver_ticks)
    # Mapped times follow the lower envelope of arrival times: never far above them.
    assert np.nanmax(mapped - arrival) < 0.5
    assert np.nanmedian(arrival - mapped) < 0.5


def test_apply_clocks_ignores_frames_without_counter() -> None:
    batch = FrameBatch.from_messages([bytes(7)] * 3, time_s=[1.0, 2.0, 3.0])
    clocks: dict[int, ReceiverClock] = {}
    apply_clocks(batch, clocks, fill_time=True)
    assert clocks == {}
    assert batch.time_s.tolist() == [1.0, 2.0, 3.0]


def test_counter_timeline_keeps_interleaved_receivers_apart() -> None:
    from skytrace.sources.clock import CounterTimeline

    tl = CounterTimeline(start_s=1000.0)
    # receiver 1 at counter 5e9, receiver 2 at 9e11 (1000 s apart in counter terms), interleaved
    rx = np.array([1, 2, 1, 2, 1], np.uint32)
    ticks = np.array([5e9, 9e11, 5e9 + 12e6, 9e11 + 6e6, 5e9 + 24e6], np.uint64)
    assert tl.times(rx, ticks).tolist() == pytest.approx([1000, 1000, 1001, 1000.5, 1002])
    # a later batch goes on from each receiver's own anchor; a counter reset re-anchors
    more = tl.times(np.array([2, 1], np.uint32), np.array([9e11 + 12e6, 1000], np.uint64))
    assert more.tolist() == pytest.approx([1001, 1002])
    # a receiver first seen later starts at the latest time given so far
    assert tl.times(np.array([3], np.uint32), np.array([77], np.uint64)).tolist() == [1002]
