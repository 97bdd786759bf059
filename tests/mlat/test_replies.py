"""Grouping the copies of one reply, and the frames that must never time a reply."""

from __future__ import annotations

import numpy as np

from skytrace import encode
from skytrace.decode import decode_batch
from skytrace.mlat.replies import MLAT_MAGIC_TICKS, group_replies
from skytrace.model import FrameBatch


def _batch(messages, receivers, ticks, times) -> FrameBatch:
    batch = FrameBatch.from_messages(messages, time_s=times)
    batch.receiver[:] = receivers
    batch.receiver_ticks[:] = np.array(ticks, np.uint64)
    return batch


def _msg(icao: int, altitude_ft: float) -> bytes:
    m = encode.surveillance_altitude(icao, altitude_ft)
    return bytes(m.payload[0, : int(m.length[0])])


def test_copies_of_one_reply_form_one_group_in_time_order() -> None:
    a, b = _msg(0x1500F3, 31000), _msg(0x1500F3, 31025)
    batch = _batch(
        [a, b, a, a, b],
        [3, 1, 1, 2, 2],
        [3_000_020, 5_000_000, 1_000_000, 2_000_010, 6_000_100],
        [100.0012, 100.5004, 100.0004, 100.0010, 100.5011],
    )
    g = group_replies(batch, decode_batch(batch))
    assert len(g) == 2
    first = int(np.flatnonzero(g.altitude_ft == 31000)[0])
    assert g.receiver[first].tolist() == [1, 2, 3]
    assert g.ticks_s[first].tolist() == [1_000_000 / 12e6, 2_000_010 / 12e6, 3_000_020 / 12e6]
    assert g.icao24[first] == 0x1500F3
    assert g.df[first] == 4


def test_the_same_bytes_a_second_later_are_another_reply() -> None:
    a = _msg(0x1500F3, 31000)
    batch = _batch(
        [a] * 4, [1, 2, 1, 2], [1, 2, 12_000_001, 12_000_002], [10.0, 10.001, 11.0, 11.001]
    )
    g = group_replies(batch, decode_batch(batch))
    assert len(g) == 2
    assert (g.valid.sum(axis=1) == 2).all()


def test_bad_timestamps_never_time_a_reply() -> None:
    a = _msg(0x1500F3, 31000)
    # receivers 1-2: no stamp; 3-4: the readsb MLAT magic; 5-6: one counter value repeated
    # on two different replies; 7: a good stamp alone
    b = _msg(0x1500F3, 30000)
    batch = _batch(
        [a, a, a, a, a, a, b, b, a],
        [1, 2, 3, 4, 5, 6, 5, 6, 7],
        [0, 0, MLAT_MAGIC_TICKS, MLAT_MAGIC_TICKS, 777, 888, 777, 888, 999],
        [10.0, 10.001, 10.0, 10.001, 10.0, 10.001, 12.0, 12.001, 10.002],
    )
    g = group_replies(batch, decode_batch(batch))
    assert len(g) == 0
    assert g.counts.no_timestamp == 2
    assert g.counts.mlat_magic == 2
    assert g.counts.repeated_timestamp == 4
    assert g.counts.lone == 1


def test_one_receiver_twice_in_a_group_drops_the_group() -> None:
    a = _msg(0x1500F3, 31000)
    batch = _batch([a, a, a], [1, 1, 2], [100, 200, 300], [10.0, 10.0005, 10.001])
    g = group_replies(batch, decode_batch(batch))
    assert len(g) == 0
    assert g.counts.merged_groups == 1


def test_unknown_receiver_and_failed_parity_are_not_used() -> None:
    m = encode.all_call(0x1500F3)
    good = bytes(m.payload[0, :7])
    broken = bytearray(good)
    broken[2] ^= 0x10
    batch = _batch([good, good, bytes(broken), good], [0, 1, 2, 3], [5, 6, 7, 8], [1.0] * 4)
    g = group_replies(batch, decode_batch(batch, correct_errors=False))
    assert g.counts.not_usable >= 2
    assert len(g) == 1
    assert sorted(g.receiver[0][g.valid[0]].tolist()) == [1, 3]


def test_receivers_beyond_the_limit_are_the_latest_copies() -> None:
    a = _msg(0x1500F3, 31000)
    n = 15
    batch = _batch([a] * n, np.arange(1, n + 1), np.arange(n) + 1, 5.0 + np.arange(n)[::-1] * 1e-4)
    g = group_replies(batch, decode_batch(batch), max_receivers=10)
    assert g.valid.sum() == 10
    assert set(g.receiver[0].tolist()) == set(range(6, 16))
