"""LiveRuntime: the pipeline thread, live time, snapshots, open flights and whole tracks."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
import pytest

from skytrace.app import Runtime, RuntimeOptions, open_runtime
from skytrace.live.runtime import LiveClock, LiveOptions, LiveRuntime
from skytrace.live.view import LIVE_AIRCRAFT_DTYPE, LiveSnapshot, LiveView
from skytrace.model import Event, EventKind, Flight, Source
from tests.live.frames import T0, FakeWall, cruise_frames, wait_for

KORYO = 0x7277CF
FAST = LiveOptions(tick_s=0.02, publish_interval_s=0.02)


@contextmanager
def live_runtime(
    wall: FakeWall, options: LiveOptions = FAST, sinks: Sequence[object] = ()
) -> Iterator[tuple[Runtime, LiveRuntime]]:
    opts = RuntimeOptions(data_dir=None, refdata=False, sinks=list(sinks))  # type: ignore[arg-type]
    with open_runtime(None, opts) as rt, LiveRuntime(rt, options, wall_clock=wall) as live:
        yield rt, live


class _Gate:
    """A sink that holds the pipeline thread inside a batch until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def write(
        self, positions: npt.NDArray[np.void], flights: Sequence[Flight], events: Sequence[Event]
    ) -> None:
        if len(positions):
            self.entered.set()
            assert self.release.wait(60), "the test never released the pipeline"


def test_live_runtime_implements_the_live_view() -> None:
    with live_runtime(FakeWall(T0)) as (_, live):
        assert isinstance(live, LiveView)
        assert live.snapshot().aircraft.dtype == LIVE_AIRCRAFT_DTYPE


def test_a_batch_becomes_a_snapshot_with_compact_rows() -> None:
    wall = FakeWall(T0 + 30)
    with live_runtime(wall) as (_, live):
        live.submit(cruise_frames(KORYO, n=40))
        snap = live.publish_and_wait()
    (row,) = snap.aircraft
    assert row["icao24"] == KORYO and row["callsign"] == b"KOR151"
    assert row["category"] == b"A3" and row["source"] == Source.ADSB
    assert row["altitude_ft"] == 28_000 and row["onground"] == 0
    assert row["lat"] == pytest.approx(42.9 + 0.0005 * 39, abs=1e-4)
    assert row["last_position_s"] == pytest.approx(T0 + 0.5 * 39)
    assert row["squawk"] == 0 and row["emergency"] == 0
    assert [a["hex"] for a in snap.document["aircraft"]] == ["7277cf"]
    # the live clock: the last data time plus the wall time since it arrived (none yet)
    assert snap.now_s == pytest.approx(T0 + 0.5 * 39)


def test_the_loop_is_answered_while_the_pipeline_thread_is_busy() -> None:
    """A TCP round trip on the asyncio loop completes while a batch is stuck in a sink."""
    gate = _Gate()

    async def scenario(live: LiveRuntime) -> tuple[bytes, int]:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(await reader.readline())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        live.submit(cruise_frames(KORYO, n=400))
        assert await asyncio.to_thread(gate.entered.wait, 60)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"ping\n")
        answer = await reader.readline()
        writer.close()
        version = live.snapshot().version  # readers never wait for the batch either
        server.close()
        return answer, version

    with live_runtime(FakeWall(T0), sinks=[gate]) as (_, live):
        answer, version_during = asyncio.run(scenario(live))
        assert live.stats()["frames"] == 0  # the batch was still in the pipeline
        gate.release.set()
        assert wait_for(lambda: live.stats()["frames"] == 401)
        assert live.publish_and_wait().version > version_during
    assert answer == b"ping\n"


def test_without_frames_aircraft_age_by_the_wall_clock_and_disappear() -> None:
    wall = FakeWall(T0 + 20)
    with live_runtime(wall) as (_, live):
        live.submit(cruise_frames(KORYO, n=40))
        assert live.publish_and_wait().document["aircraft"][0]["seen"] == 0.0
        wall.now_s += 100  # the feed stopped 100 s ago
        assert wait_for(lambda: live.snapshot().now_s >= T0 + 19.5 + 100)
        snap = live.snapshot()
        (doc,) = snap.document["aircraft"]
        assert doc["seen"] >= 100 and "lat" not in doc  # position older than 60 s
        assert np.isnan(snap.aircraft["lat"][0])
        wall.now_s += 300  # beyond the tracker's 300 s expiry
        assert wait_for(lambda: len(live.snapshot().aircraft) == 0)
        assert live.snapshot().document["aircraft"] == []
        assert live.aircraft(KORYO) is None
        kinds = [e.kind for _, e in live.events_since(0)[0]]
        assert kinds[-1] is EventKind.LOST


def test_without_frames_the_open_flight_closes_after_the_gap_timeout() -> None:
    closed: list[Flight] = []

    class Keep:
        def write(self, positions: object, flights: Sequence[Flight], events: object) -> None:
            closed.extend(f for f in flights if f.status == "closed")

    wall = FakeWall(T0 + 150)
    with live_runtime(wall, sinks=[Keep()]) as (rt, live):
        live.submit(cruise_frames(KORYO, n=300))
        assert [f.icao24 for f in live.publish_and_wait().open_flights] == [KORYO]
        wall.now_s += 3600  # an hour of silence: still open (4 h cruise gap timeout)
        assert wait_for(lambda: live.snapshot().now_s > T0 + 3600)
        assert live.publish_and_wait().open_flights and not closed
        wall.now_s += rt.flights.config.segmentation.max_cruise_gap_s
        assert wait_for(lambda: not live.snapshot().open_flights)
    assert [f.icao24 for f in closed] == [KORYO]


def test_data_clock_does_not_move_without_frames() -> None:
    wall = FakeWall(T0 + 20)
    with live_runtime(wall, dataclasses.replace(FAST, clock=LiveClock.DATA)) as (_, live):
        live.submit(cruise_frames(KORYO, n=40))
        first = live.publish_and_wait()
        wall.now_s += 1000
        later = live.publish_and_wait()
        assert later.now_s == first.now_s and len(later.aircraft) == 1
        assert live.stats()["ticks"] == 0


def test_whole_current_flight_track_is_longer_than_the_trail() -> None:
    wall = FakeWall(T0 + 150)
    with live_runtime(wall) as (rt, live):
        live.submit(cruise_frames(KORYO, n=300))
        live.publish_and_wait()
        detail = live.aircraft(KORYO)
        trail = rt.tracker.trail(KORYO)  # safe here: the pipeline thread is idle
    assert detail is not None and detail.flight is not None
    assert len(trail) == 64
    assert len(detail.track) > 250 and detail.track["time_s"][0] < trail["time_s"][0]
    assert np.all(np.diff(detail.track["time_s"]) > 0)
    assert detail.track["time_s"][-1] == pytest.approx(T0 + 0.5 * 299)
    assert detail.flight.flight_id.startswith("7277cf-")
    assert detail.state.callsign == "KOR151" and detail.receiver_ids == [1]


def test_snapshots_are_immutable_and_outlive_new_batches() -> None:
    wall = FakeWall(T0 + 20)
    with live_runtime(wall) as (_, live):
        live.submit(cruise_frames(KORYO, n=40))
        old = live.publish_and_wait()
        kept = old.aircraft.copy()
        with pytest.raises(ValueError):
            old.aircraft["lat"][0] = 0.0
        with pytest.raises(dataclasses.FrozenInstanceError):
            old.version = 99  # type: ignore[misc]
        live.submit(cruise_frames(0x4840D6, T0 + 20, n=40, callsign="KLM1302"))
        new = live.publish_and_wait()
        detail = live.aircraft(KORYO)
        assert detail is not None
        with pytest.raises(ValueError):
            detail.track["lat"][0] = 0.0
    assert new.version > old.version and len(new.aircraft) == 2
    assert old.aircraft.tobytes() == kept.tobytes()


def test_wait_returns_when_a_newer_snapshot_is_published() -> None:
    async def scenario(live: LiveRuntime, version: int) -> int:
        waiting = asyncio.create_task(live.wait(version, timeout_s=60))
        await asyncio.sleep(0)
        live.request_snapshot()
        return await waiting

    slow = LiveOptions(tick_s=3600, publish_interval_s=3600)
    with live_runtime(FakeWall(T0), slow) as (_, live):
        version = live.publish_and_wait().version
        assert asyncio.run(scenario(live, version)) > version
        # nothing new: the timeout ends the wait with the same version
        assert asyncio.run(live.wait(live.snapshot().version, timeout_s=0.01)) == version + 1


def test_a_failing_sink_is_reported_and_does_not_stop_the_live_state() -> None:
    class Broken:
        def write(self, *args: object) -> None:
            raise OSError("disk full")

    wall = FakeWall(T0 + 20)
    with open_runtime(None, RuntimeOptions(refdata=False)) as rt:
        broken = Broken()
        rt.store = broken
        rt.attach(broken)
        with LiveRuntime(rt, FAST, wall_clock=wall) as live:
            assert live.stats()["store"] == "writing"
            live.submit(cruise_frames(KORYO, n=40))
            snap = live.publish_and_wait()
            stats = live.stats()
    assert len(snap.aircraft) == 1 and live.events_since(0)[0]
    assert stats["store"] == "failing: OSError: disk full" and stats["errors"] == 0


def test_stats_count_frames_batches_and_the_queue() -> None:
    gate = _Gate()
    with live_runtime(FakeWall(T0), LiveOptions(queue_batches=2), sinks=[gate]) as (_, live):
        live.submit(cruise_frames(KORYO, n=10))
        assert gate.entered.wait(60)
        assert live.ready()
        live.submit(cruise_frames(KORYO, T0 + 10, n=10))
        live.submit(cruise_frames(KORYO, T0 + 20, n=10))
        assert not live.ready() and live.stats()["queue_full"] == 1
        assert live.stats()["queue_depth"] == 2
        gate.release.set()
        assert wait_for(lambda: live.stats()["batches"] == 3)
        assert live.ready()
    stats = live.stats()
    assert stats["frames"] == stats["submitted_frames"] == 33 and stats["queue_depth"] == 0
    assert stats["running"] is False


def test_bad_options_are_refused() -> None:
    from skytrace.errors import UsageError

    with pytest.raises(UsageError, match="queue"):
        LiveOptions(queue_batches=0)
    with pytest.raises(UsageError, match="tick_s"):
        LiveOptions(tick_s=0)


def test_snapshot_before_any_data_is_empty() -> None:
    with live_runtime(FakeWall(T0)) as (_, live):
        snap: LiveSnapshot = live.publish_and_wait()
    assert len(snap.aircraft) == 0 and snap.document["aircraft"] == []
    assert snap.open_flights == [] and snap.version >= 1


def test_a_document_given_as_a_builder_is_built_once_on_first_read() -> None:
    from skytrace.live.view import empty_live_aircraft, frozen_array

    calls: list[int] = []
    barrier = threading.Barrier(4)

    def build() -> dict[str, object]:
        calls.append(1)
        return {"now": 1.0, "messages": 0, "aircraft": []}

    snap = LiveSnapshot(1.0, 2.0, 3, frozen_array(empty_live_aircraft(0)), build)  # type: ignore[arg-type]
    assert calls == []  # nothing built at publish
    seen: list[object] = []

    def read() -> None:
        barrier.wait(30)
        seen.append(snap.document)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert calls == [1] and len(seen) == 4 and all(d is seen[0] for d in seen)
    with pytest.raises(AttributeError, match="no_such"):
        snap.no_such  # type: ignore[attr-defined]  # noqa: B018


def test_before_the_first_publish_the_clock_is_the_wall_clock() -> None:
    import json

    with open_runtime(None, RuntimeOptions(refdata=False)) as rt:
        live = LiveRuntime(rt, FAST, wall_clock=FakeWall(T0))  # not started
        snap = live.snapshot()
        assert snap.version == 0 and snap.now_s == T0 and snap.document["now"] == T0
        json.dumps(live.stats(), allow_nan=False)  # a status page can send it as it is
