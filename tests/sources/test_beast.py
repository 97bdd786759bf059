"""Beast parser: real streams cut at every chunk boundary, garbage, escapes, readsb extras."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skytrace.model import FrameKind
from skytrace.sources.beast import MLAT_MAGIC_TICKS, BeastParser, signal_byte_to_dbfs
from skytrace.sources.receivers import ReceiverRegistry


def escape(payload: bytes) -> bytes:
    return payload.replace(b"\x1a", b"\x1a\x1a")


def beast_frame(msg: bytes, ticks: int = 0x0102030405, signal: int = 0x80) -> bytes:
    kind = {2: b"1", 7: b"2", 14: b"3"}[len(msg)]
    return b"\x1a" + kind + escape(ticks.to_bytes(6, "big") + bytes([signal]) + msg)


def split_sample(data: bytes) -> list[tuple[bytes, int, int]]:
    """Reference framing of an escaped stream, byte by byte (independent of the parser)."""
    out = []
    i = 0
    while i < len(data):
        assert data[i] == 0x1A, f"stream not framed at {i}"
        kind = data[i + 1]
        need = {0x31: 9, 0x32: 14, 0x33: 21}[kind]
        body = bytearray()
        j = i + 2
        while len(body) < need:
            body.append(data[j])
            j += 2 if data[j] == 0x1A else 1
        out.append((bytes(body[7:]), int.from_bytes(body[:6], "big"), body[6]))
        i = j
    return out


def collect(parser: BeastParser, chunks: list[bytes]) -> list[tuple[bytes, int]]:
    got = []
    for c in chunks:
        b = parser.feed(c, 1.0)
        got += [(b.message_bytes(i), int(b.receiver_ticks[i])) for i in range(len(b))]
    return got


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> bytes:
    return (shared_data / "modes" / "sample_dump1090.beast").read_bytes()


def test_sample_stream_whole(sample: bytes) -> None:
    ref = split_sample(sample)
    p = BeastParser()
    b = p.feed(sample, 5.0)
    assert len(b) == len(ref) == 239
    assert [b.message_bytes(i) for i in range(len(b))] == [m for m, _, _ in ref]
    assert b.receiver_ticks.tolist() == [t for _, t, _ in ref]
    assert np.allclose(b.signal_dbfs, signal_byte_to_dbfs([s for _, _, s in ref]))
    assert (b.time_s == 5.0).all()
    assert p.counters.bad_frames == 0 and p.counters.garbage_bytes == 0
    # The sample holds escaped 0x1a bytes, so the escape path is exercised.
    assert any(b"\x1a" in m or b"\x1a" in t.to_bytes(6, "big") for m, t, _ in ref)


def columns(parser: BeastParser, chunks: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(payload rows, counters) of everything the parser hands out for the chunks."""
    batches = [parser.feed(c, 0.0) for c in chunks]
    return (
        np.concatenate([b.payload for b in batches]),
        np.concatenate([b.receiver_ticks for b in batches]),
    )


def test_sample_stream_every_split_point(sample: bytes) -> None:
    ref = BeastParser().feed(sample, 0.0)
    assert [ref.message_bytes(i) for i in range(len(ref))] == [
        m for m, _, _ in split_sample(sample)
    ]
    for k in range(len(sample) + 1):
        p = BeastParser()
        payload, ticks = columns(p, [sample[:k], sample[k:]])
        assert np.array_equal(payload, ref.payload), f"split at {k}"
        assert np.array_equal(ticks, ref.receiver_ticks), f"split at {k}"
        assert p.counters.bad_frames == 0
        assert p.pending_bytes == 0


def test_sample_stream_byte_by_byte_and_three_way_splits(sample: bytes) -> None:
    ref = [(m, t) for m, t, _ in split_sample(sample)]
    p = BeastParser()
    assert collect(p, [sample[i : i + 1] for i in range(len(sample))]) == ref
    rng = random.Random(3)
    for _ in range(200):
        a, b = sorted(rng.sample(range(len(sample)), 2))
        assert collect(BeastParser(), [sample[:a], sample[a:b], sample[b:]]) == ref


def test_garbage_between_frames_is_counted_and_frames_kept(sample: bytes) -> None:
    frames = split_sample(sample)
    rng = random.Random(7)
    stream = bytearray()
    injected = 0
    for i, (msg, ticks, sig) in enumerate(frames):
        stream += beast_frame(msg, ticks, sig)
        if i % 5 == 0:
            junk = bytes(rng.choice([b for b in range(256) if b != 0x1A]) for _ in range(13))
            stream += junk
            injected += len(junk)
    data = bytes(stream)
    ref = [(m, t) for m, t, _ in frames]
    for k in range(0, len(data), 7):
        p = BeastParser()
        assert collect(p, [data[:k], data[k:]]) == ref
        assert p.counters.garbage_bytes == injected
        assert p.counters.frames == len(ref)


def test_bare_escape_unknown_type_and_torn_frame_resync() -> None:
    good = [bytes.fromhex("8d4840d6202cc371c32ce0576098"), bytes.fromhex("5d4840d6a1b2c3")]
    data = (
        beast_frame(good[0])
        + b"\x1a\x00\x01\x02"  # bare 0x1a followed by no known type
        + b"\x1aZjunk"  # unknown type
        + b"\x1a3\x00\x01\x02"  # a long frame torn after 3 bytes
        + beast_frame(good[1])
    )
    p = BeastParser()
    b = p.feed(data, 0.0)
    assert [b.message_bytes(i) for i in range(len(b))] == good
    assert p.counters.unknown_type == 2
    assert p.counters.torn == 1
    assert p.counters.garbage_bytes == 4 + 6 + 5


def test_oversized_junk_and_escape_flood_do_not_grow_the_buffer() -> None:
    p = BeastParser()
    rng = np.random.default_rng(1)
    junk = rng.integers(0, 256, 1 << 20, dtype=np.uint8)
    junk[junk == 0x1A] = 0
    p.feed(junk.tobytes(), 0.0)
    assert p.pending_bytes == 0
    assert p.counters.garbage_bytes == junk.size
    p.feed(b"\x1a" * 100_001, 0.0)
    assert p.pending_bytes <= 2
    msg = bytes.fromhex("8d4840d6202cc371c32ce0576098")
    b = p.feed(b"\x00" + beast_frame(msg), 0.0)
    assert [b.message_bytes(i) for i in range(len(b))] == [msg]


def test_random_bytes_never_raise() -> None:
    rng = np.random.default_rng(5)
    p = BeastParser()
    for _ in range(50):
        chunk = rng.integers(0, 256, int(rng.integers(1, 5000)), dtype=np.uint8).tobytes()
        b = p.feed(chunk, 0.0)
        assert (b.length[: len(b)] > 0).all()
    p.flush()
    assert p.pending_bytes == 0


def test_mode_ac_mlat_signal_and_kinds() -> None:
    data = (
        beast_frame(b"\x12\x34", ticks=100, signal=255)
        + beast_frame(bytes.fromhex("5d4840d6a1b2c3"), ticks=MLAT_MAGIC_TICKS, signal=0)
        + beast_frame(bytes.fromhex("8d4840d6202cc371c32ce0576098"), ticks=0x1A1A1A, signal=0x1A)
    )
    b = BeastParser().feed(data, 2.0)
    assert b.kind.tolist() == [FrameKind.MODE_AC, FrameKind.MLAT, FrameKind.MODE_S]
    assert b.length.tolist() == [2, 7, 14]
    assert b.receiver_ticks.tolist() == [100, MLAT_MAGIC_TICKS, 0x1A1A1A]
    assert b.signal_dbfs[0] == 0.0
    assert math.isnan(b.signal_dbfs[1])
    assert b.signal_dbfs[2] == pytest.approx(20 * math.log10(0x1A / 255), abs=1e-4)
    assert (b.payload[0, 2:] == 0).all() and (b.payload[1, 7:] == 0).all()


def test_readsb_receiver_id_uuid_status_and_position() -> None:
    reg = ReceiverRegistry()
    msg = bytes.fromhex("8d4840d6202cc371c32ce0576098")
    rid_a = 0x1122334455667788
    rid_b = 0x1A00000000000001  # contains a byte that must be escaped
    position = b"\x00" * 4 + struct.pack("<fff", 52.5, 13.25, 30.0) + b"\x00" * 5
    data = (
        beast_frame(msg)  # before any id: the parser's own receiver
        + b"\x1a\xe3" + escape(rid_a.to_bytes(8, "big"))
        + beast_frame(msg)
        + beast_frame(msg)
        + b"\x1a\xe4" + escape(b"0123456789abcdef")
        + b"\x1a4" + escape(bytes(21))
        + b"\x1a5" + escape(position)
        + b"\x1a\xe3" + escape(rid_b.to_bytes(8, "big"))
        + beast_frame(msg)
    )  # fmt: skip
    for k in range(0, len(data) + 1):
        p = BeastParser(registry=reg, receiver=0)
        b1 = p.feed(data[:k], 1.0)
        b2 = p.feed(data[k:], 1.0)
        names = {**b1.receivers, **b2.receivers}
        rcv = b1.receiver.tolist() + b2.receiver.tolist()
        assert len(rcv) == 4
        assert rcv[0] == 0
        assert names[rcv[1]] == f"{rid_a:016x}" and rcv[1] == rcv[2]
        assert names[rcv[3]] == f"{rid_b:016x}"
        assert p.uuid == b"0123456789abcdef"
        assert p.counters.status_frames == 1
        assert p.receiver_position == pytest.approx((52.5, 13.25, 30.0))
        assert p.counters.bad_frames == 0


def test_receiver_id_is_sticky_across_feeds() -> None:
    reg = ReceiverRegistry()
    msg = bytes.fromhex("5d4840d6a1b2c3")
    p = BeastParser(registry=reg)
    p.feed(b"\x1a\xe3" + (7).to_bytes(8, "big"), 0.0)
    b = p.feed(beast_frame(msg), 0.0)
    assert b.receivers[int(b.receiver[0])] == f"{7:016x}"


def stamp(ms: int) -> bytes:
    """readsb's UTC stamp record: 8 raw (unescaped) bytes, little-endian milliseconds."""
    return b"\x1a\xe8" + ms.to_bytes(8, "little")


def test_utc_stamps_time_each_receiver_by_its_own_counter_at_every_split() -> None:
    msg = bytes.fromhex("8d4840d6202cc371c32ce0576098")
    t0_ms = 1_694_484_000_000 + 0x1A  # its low byte is 0x1a, sent raw
    t1_ms = 1_694_484_000_000 + 0x1A1A00  # two raw 0x1a in a row
    a0, b0 = 5_000_000_000, 900_000_000_000  # two receivers' free-running counters
    data = (
        b"\x1a\xe3" + (1).to_bytes(8, "big") + stamp(t0_ms)
        + beast_frame(msg, a0) + beast_frame(msg, a0 + 12_000_000)  # +1 s on A's counter
        + b"\x1a\xe3" + (2).to_bytes(8, "big") + stamp(t0_ms + 500)
        + beast_frame(msg, b0) + beast_frame(msg, b0 + 6_000_000)  # +0.5 s on B's counter
        + b"\x1a\xe3" + (1).to_bytes(8, "big")
        + beast_frame(msg, a0 + 24_000_000)  # A again, no new stamp: its own counter, +2 s
        + stamp(t1_ms) + beast_frame(msg, a0 + 36_000_000)  # a new anchor for A
        + beast_frame(msg, a0 + 48_000_000)
    )  # fmt: skip
    t0 = t0_ms / 1000
    want = [t0, t0 + 1, t0 + 0.5, t0 + 1.0, t0 + 2, t1_ms / 1000, t1_ms / 1000 + 1]
    for k in range(0, len(data) + 1):
        reg = ReceiverRegistry()
        p = BeastParser(registry=reg, utc_stamps=True)
        b1 = p.feed(data[:k], 7.0)
        b2 = p.feed(data[k:], 7.0)
        times = b1.time_s.tolist() + b2.time_s.tolist()
        assert times == pytest.approx(want, abs=1e-6), k
        assert p.counters.bad_frames == 0 and p.counters.garbage_bytes == 0, k
        assert p.counters.utc_stamp_frames == 3
    live = BeastParser(registry=ReceiverRegistry())  # a live feed does not take the stamps
    assert live.feed(data, 7.0).time_s.tolist() == [7.0] * 7
    assert live.counters.utc_stamp_frames == 3 and live.counters.bad_frames == 0


def test_unescaped_long_flight_sample(shared_data: Path) -> None:
    lines = (shared_data / "modes" / "long_flight.csv").read_text().split()
    rng = random.Random(11)
    picked = sorted(rng.sample(range(len(lines)), 3000))
    frames = [bytes.fromhex(lines[i].split(",")[1]) for i in picked]
    assert any(b"\x1a" in f[2:] for f in frames)  # unescaped 0x1a inside frames
    data = b"".join(frames)
    ref = [f[9:] for f in frames]
    ref_payload = np.zeros((len(ref), 14), np.uint8)
    for i, msg in enumerate(ref):
        ref_payload[i, : len(msg)] = np.frombuffer(msg, np.uint8)
    for k in list(range(0, 100)) + rng.sample(range(len(data)), 150):
        p = BeastParser(escaped=False)
        payload, _ = columns(p, [data[:k], data[k:]])
        assert np.array_equal(payload, ref_payload), f"split at {k}"
        assert p.counters.garbage_bytes == 0


def test_long_flight_escaped_with_garbage_every_split_of_a_sample(shared_data: Path) -> None:
    lines = (shared_data / "modes" / "long_flight.csv").read_text().split()
    frames = [bytes.fromhex(line.split(",")[1]) for line in lines[:2000]]
    rng = random.Random(2)
    stream = bytearray()
    for f in frames:
        stream += f[:2] + escape(f[2:])
        if rng.random() < 0.1:
            stream += bytes(rng.randrange(0x1B, 256) for _ in range(rng.randrange(1, 40)))
    data = bytes(stream)
    ref = [f[9:] for f in frames]
    ref_payload = np.zeros((len(ref), 14), np.uint8)
    for i, msg in enumerate(ref):
        ref_payload[i, : len(msg)] = np.frombuffer(msg, np.uint8)
    for k in rng.sample(range(len(data)), 400):
        payload, _ = columns(BeastParser(), [data[:k], data[k:]])
        assert np.array_equal(payload, ref_payload), f"split at {k}"


def test_feed_many_equals_feeding_each_stream_alone(sample: bytes) -> None:
    rng = random.Random(21)
    reg_many, reg_alone = ReceiverRegistry(), ReceiverRegistry()
    msg = bytes.fromhex("8d4840d6202cc371c32ce0576098")
    streams = [
        sample,
        b"junk" + sample[:1000],
        b"\x1a\xe3" + escape((0x1A1A).to_bytes(8, "big")) + beast_frame(msg) * 3,
        bytes(rng.randrange(256) for _ in range(3000)),
        b"",
        sample[7:],
    ]
    many = [BeastParser(registry=reg_many, receiver_name=f"s{i}") for i in range(len(streams))]
    alone = [BeastParser(registry=reg_alone, receiver_name=f"s{i}") for i in range(len(streams))]
    cuts = [sorted(rng.sample(range(len(s) + 1), 3)) if len(s) > 3 else [0, 0, 0] for s in streams]
    pieces = [
        [s[: c[0]], s[c[0] : c[1]], s[c[1] : c[2]], s[c[2] :]]
        for s, c in zip(streams, cuts, strict=True)
    ]
    got: dict[str, list[bytes]] = {}
    want: dict[str, list[bytes]] = {}
    for step in range(4):
        b = BeastParser.feed_many(many, [p[step] for p in pieces], 1.0)
        for i in range(len(b)):
            got.setdefault(b.receivers[int(b.receiver[i])], []).append(b.message_bytes(i))
        for parser, p in zip(alone, pieces, strict=True):
            b = parser.feed(p[step], 1.0)
            for i in range(len(b)):
                want.setdefault(b.receivers[int(b.receiver[i])], []).append(b.message_bytes(i))
    assert got == want
    assert got[f"{0x1A1A:016x}"] == [msg] * 3
    assert [p.counters for p in many] == [p.counters for p in alone]
    assert [p.pending_bytes for p in many] == [p.pending_bytes for p in alone]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.binary(min_size=7, max_size=7).map(lambda m: beast_frame(m, 7, 9)),
                st.binary(min_size=14, max_size=14).map(lambda m: beast_frame(m)),
                st.binary(max_size=12),  # garbage, 0x1a bytes allowed
            ),
            max_size=12,
        ).map(b"".join),
        min_size=1,
        max_size=5,
    ),
    st.randoms(use_true_random=False),
)
def test_feed_many_matches_single_streams_on_arbitrary_input(
    streams: list[bytes], rnd: random.Random
) -> None:
    many = [BeastParser(receiver=i + 1) for i in range(len(streams))]
    alone = [BeastParser(receiver=i + 1) for i in range(len(streams))]
    cut = [rnd.randrange(len(s) + 1) for s in streams]
    got, want = [], []
    for part in (0, 1):
        chunks = [s[:c] if part == 0 else s[c:] for s, c in zip(streams, cut, strict=True)]
        b = BeastParser.feed_many(many, chunks, 0.0)
        got += [(int(b.receiver[i]), b.message_bytes(i)) for i in range(len(b))]
        for p, chunk in zip(alone, chunks, strict=True):
            b = p.feed(chunk, 0.0)
            want += [(int(b.receiver[i]), b.message_bytes(i)) for i in range(len(b))]
    assert sorted(got, key=lambda x: x[0]) == sorted(want, key=lambda x: x[0])
    assert [p.counters for p in many] == [p.counters for p in alone]
