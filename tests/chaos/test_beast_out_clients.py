"""Beast-out clients that never read (issue 18: 250 of them held 1.2 GB): their number and the
bytes waiting for all of them together are capped; a client that reads gets everything.

Loopback, bounded by counts; nothing asserts on speed.
"""

from __future__ import annotations

import asyncio

from skytrace.outputs.feeds import Broadcaster

LIMIT_S = 60.0
CHUNK = b"x" * 65536


def test_never_reading_clients_are_capped_in_number_and_total_bytes() -> None:
    async def main() -> tuple[Broadcaster, int, int]:
        b = Broadcaster("beast", max_client_buffer_bytes=4 << 20, max_clients=6,
                        max_total_buffer_bytes=2 << 20)  # fmt: skip
        port = await b.start("127.0.0.1", 0)
        fast_r, fast_w = await asyncio.open_connection("127.0.0.1", port)
        stuck = []
        for _ in range(10):
            _r, w = await asyncio.open_connection("127.0.0.1", port, limit=1024)
            w.transport.pause_reading()  # never reads
            stuck.append(w)
        while b.connections + b.refused_clients < 11:
            await asyncio.sleep(0.01)
        most_waiting = 0
        received = 0
        for _ in range(300):
            b.send(CHUNK)
            most_waiting = max(most_waiting, sum(t.get_write_buffer_size() for t in b.clients))
            received += len(await fast_r.read(1 << 20))
            await asyncio.sleep(0)
        while received < 300 * len(CHUNK):
            got = await fast_r.read(1 << 20)
            if not got:
                break
            received += len(got)
        for w in stuck:
            w.close()
        fast_w.close()
        await b.close()
        return b, most_waiting, received

    b, most_waiting, received = asyncio.run(asyncio.wait_for(main(), LIMIT_S))
    assert b.refused_clients == 5  # 11 came, 6 fit
    assert b.dropped_clients == 5  # every stuck client that got in, none of the reader
    assert most_waiting <= (2 << 20) + len(CHUNK)
    assert received == 300 * len(CHUNK)
