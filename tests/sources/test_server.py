"""The feeder server on loopback: good and hostile feeders, feeder keys, pull with reconnect.

Every test is bounded: fixed numbers of frames and connections, and an overall timeout that
only stops a hung test (nothing asserts on speed).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import UsageError
from skytrace.model import FrameBatch
from skytrace.sources.server import (
    IngestServer,
    PullTarget,
    ServerConfig,
    ServerLimits,
    load_feeder_config,
    parse_pull_target,
)

LIMIT_S = 30.0


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coro_fn(), LIMIT_S))


class Collector:
    def __init__(self) -> None:
        self.batches: list[FrameBatch] = []

    def __call__(self, batch: FrameBatch) -> None:
        self.batches.append(batch)

    def messages(self, receiver_name: str | None = None) -> list[bytes]:
        out = []
        for b in self.batches:
            for i in range(len(b)):
                if receiver_name is None or b.receivers.get(int(b.receiver[i])) == receiver_name:
                    out.append(b.message_bytes(i))
        return out

    def receiver_names(self) -> set[str]:
        return {name for b in self.batches for name in b.receivers.values()}


async def wait_until(cond: Callable[[], bool], timeout_s: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while not cond():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def config(**kw: object) -> ServerConfig:
    cfg = ServerConfig(beast_port=0, avr_port=0, batch_interval_s=0.05)
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> bytes:
    return (shared_data / "modes" / "sample_dump1090.beast").read_bytes()


def sample_messages(sample: bytes) -> list[bytes]:
    from skytrace.sources.beast import BeastParser

    b = BeastParser().feed(sample, 0.0)
    return [b.message_bytes(i) for i in range(len(b))]


def test_good_feeder_arrives_whole_while_hostile_feeders_are_dropped(sample: bytes) -> None:
    expected = sample_messages(sample) * 20
    got = Collector()

    async def main() -> None:
        limits = ServerLimits(
            idle_timeout_s=1.0, garbage_check_bytes=4096, max_buffer_bytes=1 << 16
        )
        server = IngestServer(config(limits=limits), got)
        ports = await server.start()
        port = ports["beast"]
        rng = random.Random(1)

        async def good() -> None:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"KEY nobody-knows\n")  # unknown key without require: anonymous
            for _ in range(20):
                for k in range(0, len(sample), 300):  # torn across writes
                    w.write(sample[k : k + 300])
                    await w.drain()
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
            w.close()

        async def random_bytes() -> bool:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            try:
                for _ in range(200):
                    w.write(bytes(rng.randrange(256) for _ in range(512)))
                    await w.drain()
                    await asyncio.sleep(0)
                return await r.read() == b""
            except ConnectionError:
                return True

        async def silent() -> bool:
            r, _ = await asyncio.open_connection("127.0.0.1", port)
            try:
                return await r.read() == b""  # the server closes it after the idle timeout
            except ConnectionError:
                return True

        async def flood() -> bool:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            junk = os.urandom(1 << 16).replace(b"\x1a", b"\x00")
            try:
                for _ in range(400):
                    w.write(junk)
                    await w.drain()
            except ConnectionError:
                return True
            return await r.read() == b""

        async def trickle() -> None:  # slow but honest: 23 bytes every 5 ms
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"KEY slow\n")
            for k in range(0, len(sample), 23):
                w.write(sample[k : k + 23])
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.3)
            w.close()

        results = await asyncio.gather(good(), random_bytes(), silent(), flood(), trickle())
        assert results[1:4] == [True, True, True]
        total = len(expected) + len(sample_messages(sample))
        await wait_until(lambda: len(got.messages()) >= total)
        assert server.counters.dropped_garbage >= 2
        assert server.counters.dropped_idle >= 1
        stats = {s.name: s for s in server.registry.stats()}
        good_stats = [s for s in stats.values() if s.frames == len(expected)]
        assert len(good_stats) == 1 and good_stats[0].bad_frames == 0
        assert good_stats[0].garbage_bytes == 0
        assert sum(s.bad_frames for s in stats.values()) > 0
        assert sum(s.garbage_bytes for s in stats.values()) > 0  # the hostile ones' junk
        hostile = [s for s in stats.values() if s.garbage_bytes > 0]
        assert hostile and not any(s.connected for s in hostile)  # dropped, not just counted
        server.stop()
        await server.run()

    run(main)
    by_count = sorted(got.receiver_names(), key=lambda n: len(got.messages(n)))
    slow_name, good_name = by_count[-2:]
    assert got.messages(good_name) == expected
    assert got.messages(slow_name) == sample_messages(sample)


def test_many_concurrent_feeders_each_arrive_whole(sample: bytes) -> None:
    n_feeders = 200
    got = Collector()

    async def main() -> None:
        limits = ServerLimits(max_connections_per_address=n_feeders)  # all from 127.0.0.1
        server = IngestServer(config(limits=limits), got)
        port = (await server.start())["beast"]

        async def feeder(k: int) -> None:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(f"KEY k{k}\n".encode())
            for i in range(0, len(sample), 1000):
                w.write(sample[i : i + 1000])
                await w.drain()
            await asyncio.sleep(0.5)
            w.close()

        await asyncio.gather(*(feeder(k) for k in range(n_feeders)))
        await wait_until(lambda: sum(len(b) for b in got.batches) >= n_feeders * 239)
        assert server.counters.accepted == n_feeders
        server.stop()
        await server.run()

    run(main)
    expected = sample_messages(sample)
    by_name: dict[str, list[bytes]] = {}
    for b in got.batches:
        for i in range(len(b)):
            by_name.setdefault(b.receivers[int(b.receiver[i])], []).append(b.message_bytes(i))
    assert len(by_name) == n_feeders
    assert all(msgs == expected for msgs in by_name.values())


def test_a_feeder_with_too_much_waiting_is_paused_until_the_batch(sample: bytes) -> None:
    got = Collector()

    async def main() -> None:
        cfg = config(batch_interval_s=30.0, batch_frames=10**9)  # no batch unless asked
        cfg.limits.max_buffer_bytes = 2048
        server = IngestServer(cfg, got)
        port = (await server.start())["beast"]
        _, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(sample * 50)
        await wait_until(lambda: server.counters.paused == 1)
        (feeder,) = server.feeders
        assert feeder.paused and not feeder.transport.is_reading()
        waiting = feeder.inbox_bytes
        await asyncio.sleep(0.2)
        assert feeder.inbox_bytes == waiting  # nothing more is read while paused
        server.flush()
        assert feeder.transport.is_reading()

        def all_in() -> bool:
            server.flush()  # batches only come when asked here
            return len(got.messages()) >= 50 * 239

        await wait_until(all_in)
        w.close()
        server.stop()
        await server.run()

    run(main)
    assert got.messages() == sample_messages(sample) * 50


def test_require_feeder_key_refuses_unknown_and_names_known(sample: bytes, tmp_path: Path) -> None:
    cfg_file = tmp_path / "feeders.toml"
    cfg_file.write_text(
        "require_feeder_key = true\n"
        '[[feeder]]\nkey = "s3cret"\nname = "roof"\nlat = 52.1\nlon = 4.3\n'
    )
    feeders, require = load_feeder_config(cfg_file)
    got = Collector()

    async def main() -> None:
        server = IngestServer(config(feeders=feeders, require_feeder_key=require), got)
        port = (await server.start())["beast"]
        r1, w1 = await asyncio.open_connection("127.0.0.1", port)
        w1.write(sample)  # no key
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)
        w2.write(b"KEY wrong\n" + sample)
        _, w3 = await asyncio.open_connection("127.0.0.1", port)
        w3.write(b"KEY s3cret\n" + sample)
        assert await r1.read() == b"" and await r2.read() == b""
        await wait_until(lambda: len(got.messages()) >= 239)
        assert server.counters.refused == 2
        roof = next(s for s in server.registry.stats() if s.name == "roof")
        assert (roof.lat, roof.lon) == (52.1, 4.3) and roof.frames == 239
        w3.close()
        server.stop()
        await server.run()

    run(main)
    assert got.receiver_names() == {"roof"}
    assert got.messages("roof") == sample_messages(sample)


def test_avr_in_port() -> None:
    got = Collector()
    msg = "8D4840D6202CC371C32CE0576098"

    async def main() -> None:
        server = IngestServer(config(), got)
        port = (await server.start())["avr"]
        _, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(f"*{msg};\r\n@00000000ABCD{msg};\r\n".encode())
        await wait_until(lambda: len(got.messages()) == 2)
        w.close()
        server.stop()
        await server.run()

    run(main)
    assert got.messages() == [bytes.fromhex(msg)] * 2
    assert got.batches[-1].receiver_ticks[-1] == 0xABCD


def test_pull_reconnects_with_backoff(sample: bytes) -> None:
    got = Collector()

    async def main() -> None:
        connections = 0

        async def upstream(_: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            w.write(sample)
            await w.drain()
            w.close()  # goes away after each delivery

        src = await asyncio.start_server(upstream, "127.0.0.1", 0)
        port = src.sockets[0].getsockname()[1]
        cfg = config(beast_port=None, avr_port=None, pull=[PullTarget("127.0.0.1", port)])
        cfg.backoff_initial_s = 0.05
        server = IngestServer(cfg, got)
        await server.start()
        await wait_until(lambda: connections >= 3 and len(got.messages()) >= 3 * 239)
        src.close()
        await src.wait_closed()
        failures = server.counters.pull_failures
        await wait_until(lambda: server.counters.pull_failures > failures)  # retries go on
        server.stop()
        await server.run()

    run(main)
    assert len(got.receiver_names()) == 1 and next(iter(got.receiver_names())).startswith(
        "127.0.0.1:"
    )
    msgs = got.messages()
    assert len(msgs) >= 3 * 239 and len(msgs) % 239 == 0
    assert msgs[:239] == sample_messages(sample)


def test_pull_reconnects_after_a_silent_server(sample: bytes) -> None:
    got = Collector()

    async def main() -> None:
        connections = 0

        async def upstream(_: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            w.write(sample)
            await w.drain()
            await asyncio.sleep(LIMIT_S)  # then says nothing, but keeps the connection open

        src = await asyncio.start_server(upstream, "127.0.0.1", 0)
        port = src.sockets[0].getsockname()[1]
        cfg = config(beast_port=None, avr_port=None, pull=[PullTarget("127.0.0.1", port)])
        cfg.backoff_initial_s = 0.05
        cfg.limits.idle_timeout_s = 0.3
        server = IngestServer(cfg, got)
        await server.start()
        await wait_until(lambda: connections >= 2 and len(got.messages()) >= 2 * 239)
        server.stop()
        await server.run()
        src.close()

    run(main)
    assert got.messages()[:478] == sample_messages(sample) * 2


def test_pull_sbs_positions_go_to_write_positions() -> None:
    positions: list[np.ndarray] = []
    line = (
        "MSG,3,1,1,7277CF,1,2023/09/12,01:02:06.500,2023/09/12,01:02:06.500,"
        ",24000,,,39.5,125.75,,,0,0,0,0\r\n"
    )

    async def main() -> None:
        async def upstream(_: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(line.encode() * 3)
            await w.drain()
            await asyncio.sleep(5)

        src = await asyncio.start_server(upstream, "127.0.0.1", 0)
        port = src.sockets[0].getsockname()[1]
        cfg = config(
            beast_port=None, avr_port=None, pull=[parse_pull_target(f"127.0.0.1:{port}:sbs")]
        )
        server = IngestServer(cfg, Collector(), write_positions=positions.append)
        await server.start()
        await wait_until(lambda: sum(len(p) for p in positions) == 3)
        server.stop()
        await server.run()
        src.close()

    run(main)
    assert positions[0]["icao24"][0] == 0x7277CF


def test_parse_pull_target_and_bad_config(tmp_path: Path) -> None:
    assert parse_pull_target("host:30005") == PullTarget("host", 30005, "beast")
    assert parse_pull_target("host:30003").format == "sbs"
    assert parse_pull_target("10.0.0.1:1234:avr") == PullTarget("10.0.0.1", 1234, "avr")
    for bad in ("host", "host:x", ":30005", "host:0"):
        with pytest.raises(UsageError):
            parse_pull_target(bad)
    f = tmp_path / "bad.toml"
    f.write_text("[[feeder]]\nname = 'x'\n")
    with pytest.raises(UsageError, match="needs key"):
        load_feeder_config(f)
    f.write_text("not toml = = =")
    with pytest.raises(UsageError, match="TOML"):
        load_feeder_config(f)
