"""Resources an anonymous feeder cannot exhaust (issue 18): handshake deadline, per-address and
reserved connections, readsb receiver-id budgets and expiry, escape floods, bounded logs, and
the connected / disconnected state of receivers (issue 12).

Loopback only; peers are told apart by binding clients to 127.0.0.2, 127.0.0.3 (all of
127/8 is loopback on Linux). Every test is bounded by counts and an overall timeout that only
stops a hung test.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from pathlib import Path

import pytest

from skytrace.sources.server import FeederConfig, IngestServer, ServerLimits
from tests.sources.test_server import Collector, config, run, sample_messages, wait_until

GOOD_KEY = "g00d-key"


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> bytes:
    return (shared_data / "modes" / "sample_dump1090.beast").read_bytes()


def escape(data: bytes) -> bytes:
    return data.replace(b"\x1a", b"\x1a\x1a")


def beast_frame(msg: bytes, ticks: int = 1) -> bytes:
    kind = b"\x33" if len(msg) == 14 else b"\x32"
    return b"\x1a" + kind + escape(ticks.to_bytes(6, "big") + b"\x80" + msg)


def receiver_id(value: int) -> bytes:
    return b"\x1a\xe3" + escape(value.to_bytes(8, "big"))


async def connect(port: int, host: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        return await reader.read() == b""
    except ConnectionError:
        return True


def keyed(**kw: object):  # type: ignore[no-untyped-def]
    return config(feeders={GOOD_KEY: FeederConfig(GOOD_KEY, "good")}, **kw)


def test_partial_key_lines_are_dropped_at_the_handshake_deadline(sample: bytes) -> None:
    """One byte at a time keeps a connection from the idle timeout, not from the deadline."""
    got = Collector()
    n_hostile = 12

    async def main() -> None:
        limits = ServerLimits(max_connections=n_hostile + 1, handshake_timeout_s=0.5)
        server = IngestServer(keyed(limits=limits), got)
        port = (await server.start())["beast"]
        hostile = [await connect(port, "127.0.0.2") for _ in range(n_hostile)]

        async def dribble(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
            w.write(b"KEY ")
            try:
                for _ in range(400):  # one byte every 20 ms: never idle, never finished
                    if r.at_eof():
                        break
                    w.write(b"x")
                    await w.drain()
                    await asyncio.sleep(0.02)
            except ConnectionError:
                return True
            return await closed_by_server(r)

        dropped = await asyncio.gather(*(dribble(r, w) for r, w in hostile))
        assert all(dropped)
        assert server.counters.dropped_handshake == n_hostile
        _, w = await connect(port)  # every slot was free again
        w.write(f"KEY {GOOD_KEY}\n".encode() + sample)
        await wait_until(lambda: len(got.messages("good")) >= len(sample_messages(sample)))
        w.close()
        server.stop()
        await server.run()

    run(main)
    assert got.messages("good") == sample_messages(sample)


def test_the_last_connections_are_kept_for_known_keys(sample: bytes) -> None:
    """Anonymous feeders that do send data fill the server; a keyed feeder still gets in."""
    got = Collector()

    async def main() -> None:
        limits = ServerLimits(max_connections=10, reserved_keyed_connections=3)
        server = IngestServer(keyed(limits=limits), got)
        port = (await server.start())["beast"]
        anonymous = []
        for k in range(7):
            r, w = await connect(port, f"127.0.0.{2 + k}")
            w.write(sample[:100])
            anonymous.append((r, w))
        await wait_until(lambda: all(f.parser is not None for f in server.feeders))
        r8, w8 = await connect(port, "127.0.0.20")  # into the reserve without a key
        w8.write(sample[:100])
        assert await closed_by_server(r8)
        _, w9 = await connect(port, "127.0.0.21")
        w9.write(f"KEY {GOOD_KEY}\n".encode() + sample)
        await wait_until(lambda: len(got.messages("good")) >= len(sample_messages(sample)))
        assert server.counters.refused == 1
        w9.close()
        for _, w in anonymous:
            w.close()
        server.stop()
        await server.run()

    run(main)
    assert got.messages("good") == sample_messages(sample)


def test_connections_without_a_key_are_limited_per_address(sample: bytes) -> None:
    got = Collector()

    async def main() -> None:
        limits = ServerLimits(max_connections_per_address=4)
        server = IngestServer(keyed(limits=limits), got)
        port = (await server.start())["beast"]
        crowd = [await connect(port, "127.0.0.2") for _ in range(6)]
        refused = [await closed_by_server(r) for r, _ in crowd[4:]]
        assert refused == [True, True]
        assert server.counters.refused_address == 2
        _, w_other = await connect(port, "127.0.0.3")  # another address is not affected
        w_other.write(sample)
        n = len(sample_messages(sample))
        await wait_until(lambda: len(got.messages()) >= n)
        # a connection that presents a known key no longer counts against its address
        crowd[0][1].write(f"KEY {GOOD_KEY}\n".encode() + sample)
        await wait_until(lambda: len(got.messages("good")) >= n)
        _, w_again = await connect(port, "127.0.0.2")
        w_again.write(sample)
        await wait_until(lambda: len(got.messages()) >= 3 * n)
        assert server.counters.refused_address == 2
        for _, w in [*crowd[:4], (None, w_other), (None, w_again)]:
            w.close()
        server.stop()
        await server.run()

    run(main)


def test_receiver_ids_are_bounded_per_connection_and_expire(sample: bytes) -> None:
    """150,000 ids grew the server by 800 MB; now an anonymous stream registers at most its
    budget, the rest of its frames stay its own, and silent receivers are forgotten."""
    msgs = sample_messages(sample)[:50]
    got = Collector()
    n_ids = 400

    async def main() -> None:
        limits = ServerLimits(max_receiver_ids_anonymous=5, max_receiver_ids_keyed=200,
                              receiver_expiry_s=600.0)  # fmt: skip
        server = IngestServer(keyed(limits=limits), got)
        port = (await server.start())["beast"]
        flood = b"".join(
            receiver_id(0xABC000 + k) + beast_frame(msgs[k % 50]) for k in range(n_ids)
        )
        _, w1 = await connect(port, "127.0.0.2")
        w1.write(flood)
        _, w2 = await connect(port)
        keyed_ids = b"".join(
            receiver_id(0xDEF000 + k) + beast_frame(msgs[k % 50]) for k in range(n_ids // 2)
        )
        w2.write(f"KEY {GOOD_KEY}\n".encode() + keyed_ids)
        await wait_until(lambda: len(got.messages()) >= n_ids + n_ids // 2)
        names = server.registry.names()
        assert len(names) == 2 + 5 + 200  # two connections, 5 + 200 readsb ids
        assert server.registry.refused_ids > 0
        # frames of ids over the budget stay with the connection that sent them
        anon = next(n for n in names.values() if n.startswith("127.0.0.2:"))
        assert len(got.messages(anon)) == n_ids - 5
        w1.close()
        w2.close()
        await wait_until(lambda: not any(c.connected for c in server.registry.counters.values()))
        server._expire_receivers(time.time() + 60)  # nothing is silent for long yet
        assert len(server.registry.counters) == 2 + 5 + 200
        server._expire_receivers(time.time() + 601)
        assert list(server.registry.names().values()) == ["good"]  # configured: kept
        server.stop()
        await server.run()

    run(main)
    assert len(got.messages()) == n_ids + n_ids // 2


def test_escape_pair_flood_is_garbage(sample: bytes) -> None:
    """0x1a 0x1a pairs are one escaped byte each: a stream of them is all garbage, not half."""
    got = Collector()

    async def main() -> None:
        server = IngestServer(config(), got)
        port = (await server.start())["beast"]
        r, w = await connect(port, "127.0.0.2")
        try:
            for _ in range(64):
                w.write(b"\x1a" * 8192)
                await w.drain()
        except ConnectionError:
            pass
        assert await closed_by_server(r)
        assert server.counters.dropped_garbage == 1
        _, wg = await connect(port)
        wg.write(sample)
        await wait_until(lambda: len(got.messages()) >= len(sample_messages(sample)))
        wg.close()
        server.stop()
        await server.run()

    run(main)
    assert got.messages() == sample_messages(sample)


def test_hostile_key_lines_make_short_and_few_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    n_conn = 60

    async def main() -> None:
        server = IngestServer(keyed(require_feeder_key=True), Collector())
        port = (await server.start())["beast"]
        conns = [await connect(port, "127.0.0.2") for _ in range(n_conn)]
        for k, (_, w) in enumerate(conns):
            line = b"KEY " + (b"A" * 60_000 if k % 2 else b"B" * 150) + b"\n"
            w.write(line)
        assert all([await closed_by_server(r) for r, _ in conns])
        assert server.counters.refused == n_conn
        server.stop()
        await server.run()

    with caplog.at_level(logging.WARNING, logger="skytrace.sources.server"):
        run(main)
    lines = [r.getMessage() for r in caplog.records]
    assert 0 < len(lines) <= 2 * 10 + 2  # two reasons, ten each, and the summaries
    assert max(len(m) for m in lines) < 200


def test_receivers_say_when_they_left(sample: bytes) -> None:
    got = Collector()
    msgs = sample_messages(sample)[:20]

    async def main() -> None:
        server = IngestServer(keyed(), got)
        port = (await server.start())["beast"]
        _, w = await connect(port)
        w.write(f"KEY {GOOD_KEY}\n".encode())
        w.write(b"".join(receiver_id(7) + beast_frame(m) for m in msgs))
        await wait_until(lambda: len(got.messages()) >= len(msgs))
        child = server.registry.counters[server.registry.index_for("0000000000000007")]
        assert child.connected
        w.close()
        good = server.registry.counters[server.registry.index_for("good")]
        await wait_until(lambda: not good.connected)
        assert not child.connected and not math.isnan(child.disconnected_s)
        stats = {s.name: s for s in server.registry.stats(now_s=good.disconnected_s + 60)}
        assert stats["good"].frames_per_s == 0.0 == stats["0000000000000007"].frames_per_s
        _, w2 = await connect(port, "127.0.0.2")
        w2.write(sample[:200])
        await wait_until(lambda: any(c.connected for c in server.registry.counters.values()))
        server.stop()
        await server.run()
        assert not any(c.connected for c in server.registry.counters.values())

    run(main)


def test_limits_are_read_from_the_feeder_config(tmp_path: Path) -> None:
    from skytrace.errors import UsageError
    from skytrace.sources.server import load_server_limits

    cfg = tmp_path / "feeders.toml"
    cfg.write_text("[limits]\nmax_connections_per_address = 8\nhandshake_timeout_s = 2\n")
    limits = load_server_limits(cfg, ServerLimits(idle_timeout_s=60.0))
    assert limits.max_connections_per_address == 8 and limits.handshake_timeout_s == 2.0
    assert limits.idle_timeout_s == 60.0 and limits.max_connections == 4096
    for bad in ("[limits]\nmax_sockets = 3\n", "[limits]\nmax_connections = -1\n", "limits = 3\n"):
        cfg.write_text(bad)
        with pytest.raises(UsageError):
            load_server_limits(cfg)
