"""Beast / AVR / SBS out on loopback: a client receives what was fed; slow clients are cut."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import numpy as np

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.outputs.feeds import Broadcaster, FeedOutputs
from skytrace.simulate.build import Simulation
from skytrace.simulate.output import Pacer, beast_bytes, receiver_id
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import BeastParser
from skytrace.sources.files import FileReader
from skytrace.sources.receivers import ReceiverRegistry
from skytrace.sources.server import IngestServer, PullTarget, ServerConfig

LIMIT_S = 30.0


async def read_until(reader: asyncio.StreamReader, n_bytes: int) -> bytes:
    buf = b""
    while len(buf) < n_bytes:
        chunk = await reader.read(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def test_clients_receive_beast_avr_and_sbs(shared_data: Path) -> None:
    frames = next(iter(FileReader(shared_data / "modes" / "long_flight.csv", batch_frames=3000)))
    decoded = decode_batch(frames)

    async def main() -> tuple[FrameBatch, FrameBatch, bytes, FeedOutputs]:
        beast, avr, sbs = Broadcaster("beast"), Broadcaster("avr"), Broadcaster("sbs")
        ports = [await b.start("127.0.0.1", 0) for b in (beast, avr, sbs)]
        out = FeedOutputs(beast, avr, sbs)
        conns = [await asyncio.open_connection("127.0.0.1", p) for p in ports]
        while not (beast.clients and avr.clients and sbs.clients):
            await asyncio.sleep(0.01)
        out.send_frames(frames, decoded)
        rows = out._forward_rows(frames, decoded)
        from skytrace.outputs.encode import encode_avr

        n_beast = len(out._beast(frames, rows))  # with its receiver-id record
        n_avr = len(encode_avr(frames, rows))
        got_beast = await read_until(conns[0][0], n_beast)
        got_avr = await read_until(conns[1][0], n_avr)
        await asyncio.sleep(0.05)
        got_sbs = await asyncio.wait_for(conns[2][0].read(1 << 20), 5)
        for _, w in conns:
            w.close()
        for b in (beast, avr, sbs):
            await b.close()
        return (
            BeastParser().feed(got_beast, 0.0),
            AvrParser().feed(got_avr, 0.0),
            got_sbs,
            out,
        )

    b_out, a_out, sbs_text, out = asyncio.run(asyncio.wait_for(main(), LIMIT_S))
    rows = out._forward_rows(frames, decoded)
    assert 0 < len(rows) <= len(frames)
    assert (b_out.payload == frames.payload[rows]).all()
    assert (b_out.receiver_ticks == frames.receiver_ticks[rows]).all()
    assert (a_out.payload == frames.payload[rows]).all()
    assert sbs_text.startswith(b"MSG,") and b"\r\n" in sbs_text


def test_dedup_forwards_a_message_once_per_window() -> None:
    msg = bytes.fromhex("8D4840D6202CC371C32CE0576098")
    frames = FrameBatch.from_messages([msg, msg, msg], time_s=[0.0, 0.5, 3.0])
    out = FeedOutputs(dedup_window_s=1.0)
    assert out._forward_rows(frames, decode_batch(frames)).tolist() == [0, 2]


def test_slow_client_is_dropped_and_others_keep_receiving() -> None:
    async def main() -> tuple[int, int]:
        b = Broadcaster("beast", max_client_buffer_bytes=1 << 16)
        port = await b.start("127.0.0.1", 0)
        _slow_r, slow_w = await asyncio.open_connection("127.0.0.1", port, limit=1024)
        slow_w.transport.pause_reading()  # never reads
        fast_r, fast_w = await asyncio.open_connection("127.0.0.1", port)
        while len(b.clients) < 2:
            await asyncio.sleep(0.01)
        chunk = b"x" * 65536
        received = 0
        for _ in range(200):
            b.send(chunk)
            received += len(await fast_r.read(1 << 20))
            await asyncio.sleep(0)
        while received < 200 * len(chunk):
            got = await fast_r.read(1 << 20)
            if not got:
                break
            received += len(got)
        dropped = b.dropped_clients
        slow_w.close()
        fast_w.close()
        await b.close()
        return dropped, received

    dropped, received = asyncio.run(asyncio.wait_for(main(), LIMIT_S))
    assert dropped == 1
    assert received == 200 * 65536


class _Recording:
    """A server's runtime (tracker only) that keeps the frames and positions it saw."""

    def __init__(self, feeds: FeedOutputs | None = None) -> None:
        self.frames: list[FrameBatch] = []
        self.positions: list[np.ndarray] = []
        opts = RuntimeOptions(
            refdata=False, flights=False, sinks=[self], frame_sinks=[feeds] if feeds else []
        )
        self._ctx = open_runtime(None, opts)
        self.rt = self._ctx.__enter__()

    def process(self, batch: FrameBatch) -> None:
        self.frames.append(batch)
        self.rt.process(batch)

    def write(self, positions: np.ndarray, flights: object, events: object) -> None:
        if len(positions):
            self.positions.append(positions.copy())

    def close(self) -> None:
        self._ctx.__exit__(None, None, None)

    def n_positions(self) -> int:
        return sum(len(p) for p in self.positions)


def test_a_server_pulling_another_servers_beast_out_agrees_with_it() -> None:
    """Issue 12: a server pulling another's Beast out stored 1,425 positions where the first
    stored 538 from the same frames: every copy of a message heard by several receivers came
    as one receiver's. Beast out now names each frame's receiver (readsb 0xe3) and keeps its
    counter and signal, so the puller sees the same receivers and makes the same positions."""
    sim = Simulation.from_scenario(
        load_scenario(builtin_scenario_path()), duration_s=14.0, tick_s=0.25
    )
    ids = {i: receiver_id(n) for i, n in sim.generator.receiver_names.items()}
    feed = [(float(b.time_s[-1]), beast_bytes(b, receiver_ids=ids)) for b in sim.batches() if len(b)]
    beast_out = Broadcaster("beast")
    first = _Recording(FeedOutputs(beast=beast_out))
    second = _Recording()

    async def main() -> None:
        out_port = await beast_out.start("127.0.0.1", 0)
        cfg_a = ServerConfig(beast_port=0, avr_port=None, batch_interval_s=0.05)
        server_a = IngestServer(cfg_a, first.process)
        ports = await server_a.start()
        cfg_b = ServerConfig(
            beast_port=None, avr_port=None, batch_interval_s=0.05,
            pull=[PullTarget("127.0.0.1", out_port)],
        )  # fmt: skip
        server_b = IngestServer(cfg_b, second.process)
        await server_b.start()
        while not beast_out.clients:
            await asyncio.sleep(0.01)
        loop = asyncio.get_running_loop()
        sock = socket.create_connection(("127.0.0.1", ports["beast"]), timeout=10)
        sock.setblocking(False)
        pacer = Pacer(1.0, sim.start_s)  # real time: both servers time frames by arrival
        for due_s, data in feed:
            await asyncio.sleep(max(0.0, pacer.wall_start_s + due_s - sim.start_s - loop.time()))
            await loop.sock_sendall(sock, data)
        sock.close()
        seen = -1
        while seen != (seen := sum(len(b) for b in second.frames)) or seen == 0:
            await asyncio.sleep(1.0)  # until the puller has had nothing new for a second
        for server in (server_b, server_a):
            server.stop()
            await server.run()
        await beast_out.close()

    asyncio.run(asyncio.wait_for(main(), 60.0))
    first.close()
    second.close()
    a, b = FrameBatch.concat(first.frames), FrameBatch.concat(second.frames)
    a = a.take(FeedOutputs()._forward_rows(a, decode_batch(a)))  # what Beast out forwards
    assert len(b) == len(a) > 1000
    # the same receivers, each frame with its own counter and signal
    names_a = {a.receivers[int(r)] for r in np.unique(a.receiver)}
    names_b = {b.receivers[int(r)] for r in np.unique(b.receiver)}
    assert len(names_a) > 3 and names_b == names_a
    key_a = sorted(zip(a.receiver_ticks.tolist(), a.signal_dbfs.round(2).tolist(), strict=True))
    key_b = sorted(zip(b.receiver_ticks.tolist(), b.signal_dbfs.round(2).tolist(), strict=True))
    assert key_a == key_b
    # and the puller makes the positions the first server made (arrival times differ by ms)
    n_a, n_b = first.n_positions(), second.n_positions()
    assert n_a > 100
    assert abs(n_b - n_a) <= 0.05 * n_a, (n_a, n_b)
