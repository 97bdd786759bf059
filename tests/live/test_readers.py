"""ReaderPool: readers lent one per request, refreshed at most every max_age_s, bounded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from skytrace.app import open_runtime
from skytrace.errors import StoreError, UsageError
from skytrace.live.readers import ReaderPool
from skytrace.store import FlightQuery
from tests.live.frames import FakeWall, cruise_frames


class _Reader:
    def __init__(self) -> None:
        self.refreshed = 0
        self.closed = False

    def refresh(self) -> None:
        self.refreshed += 1

    def close(self) -> None:
        self.closed = True


def test_a_reader_is_refreshed_only_when_older_than_max_age() -> None:
    clock = FakeWall(0.0)
    opened: list[_Reader] = []

    def opener(path: Path) -> _Reader:
        opened.append(_Reader())
        return opened[-1]

    pool = ReaderPool("unused", max_age_s=2.0, opener=opener, clock=clock)
    with pool.reader() as r:
        pass
    clock.now_s = 1.5
    with pool.reader() as again:
        assert again is r
    assert r.refreshed == 0  # opened 1.5 s ago: fresh enough
    clock.now_s = 2.5
    with pool.reader():
        pass
    clock.now_s = 3.0
    with pool.reader():
        pass
    assert r.refreshed == 1 and len(opened) == 1
    pool.close()
    assert r.closed


def test_concurrent_requests_get_their_own_reader_up_to_the_bound() -> None:
    opened: list[_Reader] = []
    lock = threading.Lock()

    def opener(path: Path) -> _Reader:
        with lock:
            opened.append(_Reader())
            return opened[-1]

    pool = ReaderPool("unused", max_readers=2, opener=opener)
    inside = threading.Barrier(2)
    held: list[int] = []

    def request() -> None:
        with pool.reader() as r:
            held.append(id(r))
            inside.wait(30)  # two requests hold a reader at once

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(opened) == 2 and len(held) == 6 and len(set(held)) == 2
    pool.close()
    with pytest.raises(UsageError, match="closed"), pool.reader():
        pass


def test_no_store_is_a_store_error_and_the_slot_is_given_back(tmp_path: Path) -> None:
    pool = ReaderPool(tmp_path / "nothing", max_readers=1)
    for _ in range(2):  # the failed open does not use up the only slot
        with pytest.raises(StoreError), pool.reader():
            pass


def test_a_real_pool_sees_flights_written_after_it_opened(tmp_path: Path) -> None:
    frames = cruise_frames(0x7277CF, n=300)
    with open_runtime(tmp_path) as rt:
        rt.process(frames[:5])
    pool = ReaderPool(tmp_path, max_age_s=0.0)
    with pool.reader() as reader:
        assert reader.flights(FlightQuery()) == []
    with open_runtime(tmp_path) as rt:  # the writer adds a flight (closed at the end)
        rt.process(frames)
    with pool.reader() as reader:
        flights = reader.flights(FlightQuery())
    pool.close()
    assert [f.icao24 for f in flights] == [0x7277CF]
    assert flights[0].n_positions > 250  # the whole flight, not a trail
