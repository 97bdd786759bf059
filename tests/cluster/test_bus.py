"""Ingest -> real NATS JetStream -> two workers gives the single-machine flights."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from skytrace.app import RuntimeOptions, open_runtime
from skytrace.cluster.bus import WorkerLoop, ensure_stream, publish_frames
from skytrace.model import Flight, FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

PARTITIONS = 8
DURATION_S = 420.0
NATS_SERVER = Path(sys.executable).parent / "nats-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(NATS_SERVER), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp_path / "js")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                proc.poll()
                assert proc.returncode is None, "nats-server exited"
                asyncio.run(asyncio.sleep(0.05))
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def batches() -> list[FrameBatch]:
    sim = Simulation.from_scenario(load_scenario(builtin_scenario_path()), duration_s=DURATION_S)
    return [b for b in sim.batches() if len(b)]  # each carries the receivers' names


def _collect(out: dict[str, Flight], flights: object) -> None:
    for f in flights:  # type: ignore[attr-defined]
        out[f.flight_id] = f


def _single_machine(batches: list[FrameBatch]) -> dict[str, Flight]:
    out: dict[str, Flight] = {}
    with open_runtime(None, RuntimeOptions()) as rt:
        for b in batches:
            _collect(out, rt.process(b).flights)
        _collect(out, rt.finish().flights)
    return out


class _Crash(Exception):
    pass


async def _cluster(
    url: str, batches: list[FrameBatch], *, crash_second: bool = False
) -> dict[str, Flight]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js)
    for seq, b in enumerate(batches):
        await publish_frames(js, b, PARTITIONS, batch_id=f"ingest-1:{seq}")
    out: dict[str, Flight] = {}
    second = tuple(range(4, 8))
    if crash_second:
        # The second worker dies inside its first round, after the runtime saw frames but
        # before any ack: its partitions keep everything for the restarted worker.
        def crash(frames: FrameBatch) -> None:
            raise _Crash

        doomed = WorkerLoop(js, second, crash, ack_wait_s=1.0)
        await doomed.open()
        with pytest.raises(_Crash):
            await doomed.step()
    for owned in (tuple(range(0, 4)), second):
        with open_runtime(None, RuntimeOptions()) as rt:
            loop = WorkerLoop(
                js, owned, lambda f, rt=rt: _collect(out, rt.process(f).flights), ack_wait_s=1.0
            )
            await loop.open()
            # Drain until the server holds nothing unacked for these partitions (redelivery of
            # a crashed worker's messages comes after ack_wait, so an empty round is not enough).
            while await loop.step() or await loop.backlog():
                pass
            _collect(out, rt.finish().flights)
    await nc.close()
    return out


def test_two_workers_get_the_single_machine_flights(
    nats_url: str, batches: list[FrameBatch]
) -> None:
    expected = _single_machine(batches)
    got = asyncio.run(asyncio.wait_for(_cluster(nats_url, batches), timeout=40))
    assert expected
    assert sorted(got) == sorted(expected)
    assert any(f.departure or f.arrival for f in expected.values())
    for fid, flight in expected.items():
        assert _summary(got[fid]) == _summary(flight)


def _summary(f: Flight) -> str:
    """Airports and times; repr so NaN (no takeoff seen) compares equal to NaN."""
    return repr(
        (f.status, f.departure, f.arrival, f.first_seen_s, f.last_seen_s, f.takeoff_s, f.landing_s)
    )


def test_unacked_frames_of_a_crashed_worker_are_redelivered(
    nats_url: str, batches: list[FrameBatch]
) -> None:
    expected = _single_machine(batches)
    got = asyncio.run(asyncio.wait_for(_cluster(nats_url, batches, crash_second=True), timeout=40))
    assert sorted(got) == sorted(expected)
    for fid, flight in expected.items():
        assert _summary(got[fid]) == _summary(flight)
