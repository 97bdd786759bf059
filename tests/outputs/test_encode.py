"""Beast / AVR encoding: what the parsers read back is what was encoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from skytrace.model import FrameBatch
from skytrace.outputs.encode import encode_avr, encode_beast, signal_dbfs_to_byte
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import BeastParser
from skytrace.sources.files import FileReader


def long_flight(shared_data: Path, n: int = 20_000) -> FrameBatch:
    reader = FileReader(shared_data / "modes" / "long_flight.csv", batch_frames=n)
    return next(iter(reader))


def test_beast_roundtrip_keeps_message_counter_and_signal(shared_data: Path) -> None:
    b = long_flight(shared_data)
    data = encode_beast(b)
    assert b"\x1a\x1a" in data  # counters and messages hold 0x1a bytes, escaped
    out = BeastParser().feed(data, 0.0)
    assert len(out) == len(b)
    assert (out.payload == b.payload).all() and (out.length == b.length).all()
    assert (out.receiver_ticks == b.receiver_ticks).all()
    assert (signal_dbfs_to_byte(out.signal_dbfs) == signal_dbfs_to_byte(b.signal_dbfs)).all()


def test_beast_selected_rows_and_mode_ac() -> None:
    b = FrameBatch.from_messages([b"\x12\x34", bytes(7), bytes.fromhex("8d" + "1a" * 13)])
    data = encode_beast(b, np.array([0, 2]))
    out = BeastParser().feed(data, 0.0)
    got = [out.message_bytes(i) for i in range(len(out))]
    assert got == [b.message_bytes(0), b.message_bytes(2)]
    assert np.isnan(out.signal_dbfs).all()  # unknown signal goes out as byte 0


def test_avr_roundtrip_plain_and_timestamped(shared_data: Path) -> None:
    b = long_flight(shared_data, 5000)
    plain = encode_avr(b)
    assert plain.startswith(b"*") and plain.count(b"\n") == len(b)
    out = AvrParser().feed(plain, 0.0)
    assert (out.payload == b.payload).all()
    stamped = AvrParser().feed(encode_avr(b, timestamps=True), 0.0)
    assert (stamped.receiver_ticks == b.receiver_ticks).all()
    assert (stamped.payload == b.payload).all()
