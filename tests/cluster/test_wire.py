"""Frame batches on the wire: addresses found, partitions kept whole, bodies round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.cluster.config import partition_of
from skytrace.cluster.wire import (
    WireFormatError,
    address_of,
    decode_batch,
    encode_batch,
    partitions_of,
    split_by_partition,
)
from skytrace.encode.adsb import identification
from skytrace.encode.frames import Messages
from skytrace.encode.modes import surveillance_altitude
from skytrace.model import FrameBatch


def _batch() -> FrameBatch:
    addresses = [0x4840D6, 0x3C6586, 0xA1B2C3]
    long = identification(addresses, ["KLM1023", "DLH4AB", "UAL9"])
    short = surveillance_altitude(addresses, [36000, 12000, 500])
    messages = Messages.concat([long, short])
    batch = FrameBatch.empty(len(messages))
    batch.payload[:] = messages.payload
    batch.length[:] = messages.length
    batch.time_s[:] = 1_700_000_000.0 + np.arange(len(messages))
    batch.receiver[:] = [1, 2, 1, 2, 1, 2]
    batch.receiver_ticks[:] = np.arange(len(messages), dtype=np.uint64) * 12_000_000
    batch.signal_dbfs[:3] = -12.5
    batch.receivers = {1: "feeder-a", 2: "feeder-b"}
    return batch


def test_address_from_clear_field_and_from_parity() -> None:
    assert address_of(_batch()).tolist() == [0x4840D6, 0x3C6586, 0xA1B2C3] * 2


def test_split_keeps_each_aircraft_in_one_partition() -> None:
    batch = _batch()
    groups = split_by_partition(batch, 4)
    for partition, group in groups.items():
        for address in address_of(group).tolist():
            assert partition_of(address, 4) == partition
    assert sum(len(g) for g in groups.values()) == len(batch)
    addresses = address_of(batch)
    assert partitions_of(addresses, 64).tolist() == [
        partition_of(a, 64) for a in addresses.tolist()
    ]


def test_body_round_trips_with_receivers_by_name() -> None:
    batch = _batch()
    body = encode_batch(batch)
    # Header 10, two names 2 x (2 + 8), 24 column bytes a row, then the payloads as sent.
    assert len(body) == 10 + 20 + 6 * 24 + 3 * 14 + 3 * 7
    # This node already knows feeder-b as index 1: names, not indices, decide.
    known = {"feeder-b": 1}
    back = decode_batch(body, known)
    assert known == {"feeder-b": 1, "feeder-a": 2}
    assert [back.receivers[int(i)] for i in back.receiver] == [
        batch.receivers[int(i)] for i in batch.receiver
    ]
    np.testing.assert_array_equal(back.time_s, batch.time_s)
    np.testing.assert_array_equal(back.receiver_ticks, batch.receiver_ticks)
    np.testing.assert_array_equal(back.signal_dbfs, batch.signal_dbfs)
    np.testing.assert_array_equal(back.kind, batch.kind)
    np.testing.assert_array_equal(back.length, batch.length)
    np.testing.assert_array_equal(back.payload, batch.payload)


def test_damaged_bodies_are_errors() -> None:
    body = encode_batch(_batch())
    with pytest.raises(WireFormatError, match="bad magic"):
        decode_batch(b"XXXX" + body[4:], {})
    with pytest.raises(WireFormatError):
        decode_batch(body[:-5], {})
    with pytest.raises(WireFormatError):
        decode_batch(body[:30], {})
