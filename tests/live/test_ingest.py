"""LiveIngestServer: frames reach the pipeline thread; a full queue pauses the sockets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.live.ingest import LiveIngestServer
from skytrace.live.runtime import LiveOptions, LiveRuntime
from skytrace.model import Event, Flight, FrameBatch
from skytrace.outputs.encode import encode_beast
from skytrace.sources.server import ServerConfig, ServerLimits
from tests.live.frames import T0, cruise_frames, wait_for


class _Gate:
    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def write(
        self, positions: npt.NDArray[np.void], flights: Sequence[Flight], events: Sequence[Event]
    ) -> None:
        if len(positions):
            self.entered.set()
            assert self.release.wait(60), "the test never released the pipeline"


def test_a_full_queue_pauses_the_feeder_and_nothing_is_dropped() -> None:
    first = cruise_frames(0x7277CF, n=40)
    later = FrameBatch.concat([cruise_frames(0x4840D6 + k, T0 + 20, n=99) for k in range(30)])
    gate = _Gate()
    config = ServerConfig(
        beast_port=0, avr_port=None, batch_interval_s=0.02,
        limits=ServerLimits(max_buffer_bytes=1024, idle_timeout_s=120),
    )  # fmt: skip

    async def scenario(live: LiveRuntime) -> tuple[int, int]:
        server = LiveIngestServer(config, live)
        ports = await server.start()
        _, writer = await asyncio.open_connection("127.0.0.1", ports["beast"])
        writer.write(encode_beast(first))
        await writer.drain()
        assert await asyncio.to_thread(gate.entered.wait, 60)  # the pipeline is held
        data = encode_beast(later)
        for i in range(0, len(data), 2000):
            writer.write(data[i : i + 2000])
            await asyncio.sleep(0.005)
        while server.counters.paused == 0 or live.stats()["queue_full"] == 0:
            await asyncio.sleep(0.02)  # the loop goes on; the feeder is paused
        paused = server.counters.paused
        gate.release.set()
        total = len(first) + len(later)
        while live.stats()["frames"] < total:
            await asyncio.sleep(0.02)
        writer.close()
        await server.close()
        return paused, server.counters.frames

    opts = RuntimeOptions(data_dir=None, refdata=False, sinks=[gate])
    with open_runtime(None, opts) as rt, LiveRuntime(rt, LiveOptions(queue_batches=1)) as live:
        paused, server_frames = asyncio.run(asyncio.wait_for(scenario(live), 120))
        assert wait_for(lambda: live.stats()["queue_depth"] == 0)
        stats = live.stats()
        snap = live.publish_and_wait()
    assert paused >= 1 and stats["queue_full"] >= 1
    assert stats["frames"] == server_frames == len(first) + len(later)  # none dropped
    assert len(snap.aircraft) == 31
