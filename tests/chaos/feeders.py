"""A hostile-feeder scenario on loopback, for the chaos suite (small) and bench/bench_chaos.py
(large): good keyed feeders beside partial key lines dribbled byte by byte, a flood of 0x1a
escape pairs, a flood of readsb receiver ids, oversized key lines, and Beast-out clients that
never read. The result says what each good feeder delivered, so a caller compares counts.

Hostile peers bind 127.0.0.2 and up (all of 127/8 is loopback on Linux), good ones 127.0.0.1.
Everything is bounded by counts; the scenario ends by itself.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from dataclasses import dataclass, field

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.outputs.feeds import Broadcaster, FeedOutputs
from skytrace.sources.beast import BeastParser
from skytrace.sources.server import (
    FeederConfig,
    IngestServer,
    ServerConfig,
    ServerCounters,
    ServerLimits,
)

__all__ = ["ChaosConfig", "ChaosResult", "run_chaos"]


@dataclass(slots=True)
class ChaosConfig:
    good_feeders: int = 2
    repeats: int = 3  # times each good feeder sends the sample
    dribblers: int = 24  # connections dribbling an unfinished key line
    escape_flood_bytes: int = 1 << 20
    receiver_ids: int = 2_000  # distinct readsb ids on one anonymous connection
    big_key_lines: int = 20  # 60 KB key lines
    stuck_clients: int = 8  # Beast-out clients that never read
    limits: ServerLimits = field(
        default_factory=lambda: ServerLimits(
            max_connections=40, reserved_keyed_connections=4, max_connections_per_address=32,
            handshake_timeout_s=0.5,
        )
    )  # fmt: skip


@dataclass(slots=True)
class ChaosResult:
    expected_per_feeder: int
    delivered: dict[str, list[bytes]]  # good feeder name -> messages, in order
    expected: list[bytes]
    counters: ServerCounters
    receivers: int
    refused_ids: int
    log_records: int
    longest_log_chars: int
    out_clients_dropped: int
    out_clients_refused: int
    out_max_clients: int
    out_reader_bytes: int
    elapsed_s: float
    peak_rss_mib: float


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.n, self.longest = 0, 0

    def emit(self, record: logging.LogRecord) -> None:
        self.n += 1
        self.longest = max(self.longest, len(record.getMessage()))


def _messages(batch: FrameBatch, name: str) -> list[bytes]:
    return [batch.message_bytes(i) for i in range(len(batch))
            if batch.receivers.get(int(batch.receiver[i])) == name]  # fmt: skip


async def _closed(reader: asyncio.StreamReader) -> None:
    try:
        while await reader.read(1 << 16):
            pass
    except ConnectionError:
        pass


def _escape(data: bytes) -> bytes:
    return data.replace(b"\x1a", b"\x1a\x1a")


def run_chaos(sample: bytes, cfg: ChaosConfig, timeout_s: float = 120.0) -> ChaosResult:
    """Run the scenario once (see the module docstring)."""
    return asyncio.run(asyncio.wait_for(_run(sample, cfg), timeout_s))


async def _run(sample: bytes, cfg: ChaosConfig) -> ChaosResult:
    parsed = BeastParser().feed(sample, 0.0)
    expected = [parsed.message_bytes(i) for i in range(len(parsed))] * cfg.repeats
    names = [f"good{k}" for k in range(cfg.good_feeders)]
    feeders = {f"key-{n}": FeederConfig(f"key-{n}", n) for n in names}
    delivered: dict[str, list[bytes]] = {n: [] for n in names}
    beast_out = Broadcaster("beast", max_clients=cfg.stuck_clients // 2 + 1,
                            max_total_buffer_bytes=1 << 20)  # fmt: skip
    outputs = FeedOutputs(beast_out)

    def process(batch: FrameBatch) -> None:
        for n in names:
            delivered[n] += _messages(batch, n)
        outputs.send_frames(batch, decode_batch(batch))

    counter = _Count()
    server_log = logging.getLogger("skytrace.sources.server")
    server_log.addHandler(counter)
    server = IngestServer(
        ServerConfig(beast_port=0, avr_port=None, feeders=feeders, batch_interval_s=0.05,
                     limits=cfg.limits),
        process,
    )  # fmt: skip
    t0 = time.perf_counter()
    try:
        port = (await server.start())["beast"]
        out_port = await beast_out.start("127.0.0.1", 0)
        reader_r, reader_w = await asyncio.open_connection("127.0.0.1", out_port)
        stuck = []
        for _ in range(cfg.stuck_clients):
            _, w = await asyncio.open_connection("127.0.0.1", out_port, limit=1024)
            w.transport.pause_reading()  # type: ignore[attr-defined]
            stuck.append(w)
        out_bytes = 0

        async def read_out() -> None:
            nonlocal out_bytes
            while data := await reader_r.read(1 << 20):
                out_bytes += len(data)

        out_task = asyncio.create_task(read_out())

        async def hostile(k: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
            host = f"127.0.{2 + k // 200}.{2 + k % 200}"
            try:
                return await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
            except OSError:
                return None

        async def dribble(k: int) -> None:
            conn = await hostile(k)
            if conn is None:
                return
            r, w = conn
            try:
                w.write(b"KEY ")
                while not r.at_eof():
                    w.write(b"x")
                    await w.drain()
                    await asyncio.sleep(0.02)
            except ConnectionError:
                pass

        async def escape_flood() -> None:
            conn = await hostile(1000)
            if conn is None:
                return
            r, w = conn
            try:
                for _ in range(0, cfg.escape_flood_bytes, 1 << 16):
                    w.write(b"\x1a" * (1 << 16))
                    await w.drain()
            except ConnectionError:
                return
            await _closed(r)

        async def id_flood() -> None:
            conn = await hostile(1001)
            if conn is None:
                return
            _, w = conn
            frame = sample[: sample.index(b"\x1a", 1)]  # the sample's first frame
            try:
                for k in range(cfg.receiver_ids):
                    w.write(b"\x1a\xe3" + _escape(k.to_bytes(8, "big")) + frame)
                    if k % 500 == 0:
                        await w.drain()
            except ConnectionError:
                return
            w.close()

        async def big_keys(k: int) -> None:
            conn = await hostile(1100 + k)
            if conn is None:
                return
            r, w = conn
            w.write(b"KEY " + b"A" * 60_000 + b"\n")
            await _closed(r)

        async def good(name: str) -> None:
            await asyncio.sleep(0.1)  # after the hostile ones hold their slots
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(f"KEY key-{name}\n".encode())
            for _ in range(cfg.repeats):
                for i in range(0, len(sample), 1000):
                    w.write(sample[i : i + 1000])
                    await w.drain()
            await asyncio.sleep(0.2)
            w.close()

        await asyncio.gather(
            *(dribble(k) for k in range(cfg.dribblers)),
            escape_flood(),
            id_flood(),
            *(big_keys(k) for k in range(cfg.big_key_lines)),
            *(good(n) for n in names),
        )
        end = time.monotonic() + 30
        while any(len(v) < len(expected) for v in delivered.values()) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - t0
        for w in stuck:
            w.close()
        reader_w.close()
        out_task.cancel()
        server.stop()
        await server.run()
        await beast_out.close()
    finally:
        server_log.removeHandler(counter)
    return ChaosResult(
        expected_per_feeder=len(expected),
        delivered=delivered,
        expected=expected,
        counters=server.counters,
        receivers=len(server.registry.counters),
        refused_ids=server.registry.refused_ids,
        log_records=counter.n,
        longest_log_chars=counter.longest,
        out_clients_dropped=beast_out.dropped_clients,
        out_clients_refused=beast_out.refused_clients,
        out_max_clients=beast_out.max_clients,
        out_reader_bytes=out_bytes,
        elapsed_s=elapsed,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
