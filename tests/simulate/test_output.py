"""Simulator output: Beast with receiver ids and AVR read back by skytrace's own parsers."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.errors import UsageError
from skytrace.model import FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.output import beast_bytes, encode_frames, parse_host_port, receiver_id
from skytrace.simulate.scenario import parse_scenario
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import BeastParser
from skytrace.sources.receivers import ReceiverRegistry

from .test_generator import TWO_RX


@pytest.fixture(scope="module")
def frames() -> FrameBatch:
    sim = Simulation.from_scenario(parse_scenario(TWO_RX), seed=11, duration_s=120.0)
    return FrameBatch.concat(list(sim.batches()))


def test_receiver_ids_are_stable_and_never_need_escaping() -> None:
    assert receiver_id("rx-a") == receiver_id("rx-a") != receiver_id("rx-b")
    for name in (f"rx{i}" for i in range(500)):
        assert 0x1A not in receiver_id(name).to_bytes(8, "big")


def test_beast_round_trip_keeps_every_frame_and_its_receiver(frames: FrameBatch) -> None:
    ids = {1: receiver_id("rx-a"), 2: receiver_id("rx-b")}
    data = beast_bytes(frames, receiver_ids=ids)
    registry = ReceiverRegistry()
    parser = BeastParser(registry=registry)
    # Cut the stream in uneven chunks, as a socket would.
    cuts = np.sort(np.random.default_rng(0).integers(0, len(data), 50))
    parts = [parser.feed(c) for c in np.split(np.frombuffer(data, np.uint8), cuts)]
    got = FrameBatch.concat([p for p in parts if len(p)])
    assert len(got) == len(frames)
    assert parser.counters.bad_frames == 0 and parser.counters.garbage_bytes == 0
    name_of = {f"{v:016x}": k for k, v in ids.items()}
    got_rx = np.array([name_of[registry.name_of(int(r))] for r in got.receiver])
    order = np.argsort(frames.receiver, kind="stable")
    assert np.array_equal(got_rx, frames.receiver[order])
    assert np.array_equal(got.payload, frames.payload[order])
    assert np.array_equal(got.receiver_ticks, frames.receiver_ticks[order])
    assert np.all(np.abs(got.signal_dbfs - frames.signal_dbfs[order]) < 0.5)


def test_avr_round_trip(frames: FrameBatch) -> None:
    data = encode_frames(frames, "avr")
    got = AvrParser().feed(data)
    assert len(got) == len(frames)
    assert np.array_equal(got.payload, frames.payload)


def test_unknown_format_and_bad_addresses() -> None:
    with pytest.raises(UsageError, match="unknown format"):
        encode_frames(FrameBatch.empty(0), "sbs")
    assert parse_host_port("127.0.0.1:30004") == ("127.0.0.1", 30004)
    assert parse_host_port("localhost") == ("localhost", 30004)
    for bad in ("127.0.0.1:x", ":30004", "host:70000"):
        with pytest.raises(UsageError):
            parse_host_port(bad)


def test_pacer_rejects_a_negative_speed_and_never_waits_at_speed_zero() -> None:
    from skytrace.simulate.output import Pacer

    with pytest.raises(UsageError, match="--speed"):
        Pacer(-1.0, 0.0)
    pacer = Pacer(0.0, 0.0)
    pacer.wait_until(1e9)  # as fast as possible: returns at once however far ahead
    assert pacer.speed == 0.0
