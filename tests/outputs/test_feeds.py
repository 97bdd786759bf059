"""Beast / AVR / SBS out on loopback: a client receives what was fed; slow clients are cut."""

from __future__ import annotations

import asyncio
from pathlib import Path

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.outputs.feeds import Broadcaster, FeedOutputs
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import BeastParser
from skytrace.sources.files import FileReader

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
        from skytrace.outputs.encode import encode_avr, encode_beast

        n_beast = len(encode_beast(frames, rows))
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
