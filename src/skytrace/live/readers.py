"""Fresh history readers for request handlers: a small pool of StoreReaders kept up to date.

A StoreReader sees flights, events and position hours published after it was opened only
after ``refresh()``, and it is not thread-safe (one DuckDB connection). ``ReaderPool`` hands
each request a reader of its own for the duration of a ``with`` block, and refreshes a reader
when it is lent out if its last refresh is older than ``max_age_s`` (default 2 s), so answers
are at most ``max_age_s`` plus the writer's own publish delay behind the store — never by
reopening per request. At most ``max_readers`` readers are opened (lazily); a request that
finds them all lent waits for one (requests wait for each other, never for the pipeline).

    pool = ReaderPool(data_dir)
    with pool.reader() as reader:        # any thread
        flights = reader.flights(FlightQuery(...))
    pool.close()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skytrace.errors import UsageError

__all__ = ["ReaderPool"]


class ReaderPool:
    """Thread-safe pool of refreshed StoreReaders over one data directory."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        max_age_s: float = 2.0,
        max_readers: int = 4,
        opener: Callable[[Path], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not max_age_s >= 0:
            raise UsageError("ReaderPool max_age_s must be >= 0")
        if max_readers < 1:
            raise UsageError("ReaderPool needs max_readers >= 1")
        if opener is None:
            from skytrace.store import open_reader

            opener = open_reader
        self.data_dir = Path(data_dir)
        self.max_age_s = max_age_s
        self.max_readers = max_readers
        self._open = opener
        self._clock = clock
        self._cond = threading.Condition()
        self._idle: list[tuple[Any, float]] = []  # (reader, monotonic time of last refresh)
        self._opened = 0
        self._closed = False
        self.refreshes = 0

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """Lend a reader, fresh to within ``max_age_s``; StoreError when there is no store."""
        reader, refreshed = self._take()
        try:
            if self._clock() - refreshed > self.max_age_s:
                reader.refresh()
                self.refreshes += 1
                refreshed = self._clock()
            yield reader
        except BaseException:
            self._give_back(reader, refreshed)
            raise
        self._give_back(reader, refreshed)

    def _take(self) -> tuple[Any, float]:
        with self._cond:
            while True:
                if self._closed:
                    raise UsageError("the reader pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._opened < self.max_readers:
                    self._opened += 1
                    break
                self._cond.wait()
        try:
            return self._open(self.data_dir), self._clock()  # opening lists the files
        except BaseException:
            with self._cond:
                self._opened -= 1
                self._cond.notify()
            raise

    def _give_back(self, reader: Any, refreshed: float) -> None:
        with self._cond:
            if self._closed:
                reader.close()
                return
            self._idle.append((reader, refreshed))
            self._cond.notify()

    def close(self) -> None:
        """Close the idle readers now and the lent ones when they come back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for reader, _ in idle:
            reader.close()
