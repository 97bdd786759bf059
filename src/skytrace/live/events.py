"""The live event stream: a bounded ring of events with sequence numbers.

The pipeline thread appends (``EventRing.write`` is a pipeline Sink); readers in any thread
ask for the events from a sequence number on (``since``). Sequence numbers start at 0 and
grow by one per item kept; when the ring is full the oldest item is dropped and counted,
so a reader that fell behind learns where its answer starts. One short lock guards the
ring; neither side waits for the other beyond it. ``SequencedRing`` is the ring itself, for
any item (the alerts' live stream keeps alert bodies in one).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Collection, Sequence
from typing import Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from skytrace.errors import UsageError
from skytrace.model import Event, EventKind, Flight

__all__ = ["DEFAULT_EXCLUDED", "EventRing", "SequencedRing"]

T = TypeVar("T")

DEFAULT_EXCLUDED: Final = frozenset({EventKind.POSITION_REJECTED})
"""Kinds left out of the live stream by default (diagnostics, thousands a minute)."""


class SequencedRing(Generic[T]):
    """Bounded, thread-safe ring of (sequence number, item)."""

    def __init__(self, capacity: int, on_append: Callable[[], object] | None = None) -> None:
        if capacity < 1:
            raise UsageError("a live ring needs a capacity of at least 1")
        self.capacity = capacity
        self._ring: deque[tuple[int, T]] = deque(maxlen=capacity)
        self._next = 0
        self._dropped = 0
        self._lock = threading.Lock()
        self._on_append = on_append

    @property
    def next_seq(self) -> int:
        """The sequence number the next item will get."""
        return self._next

    @property
    def dropped(self) -> int:
        """Items pushed out of the ring by newer ones."""
        return self._dropped

    def __len__(self) -> int:
        return len(self._ring)

    def append(self, items: Sequence[T]) -> int:
        """Keep ``items`` in order; returns how many were kept."""
        kept = list(items)
        if not kept:
            return 0
        with self._lock:
            overflow = len(self._ring) + len(kept) - self.capacity
            if overflow > 0:
                self._dropped += overflow
            for e in kept:
                self._ring.append((self._next, e))
                self._next += 1
        if self._on_append is not None:
            self._on_append()
        return len(kept)

    def since(self, seq: int, limit: int = 1000) -> tuple[list[tuple[int, T]], int]:
        """Items numbered ``seq`` or later (at most ``limit``), and the number to ask next.

        A ``seq`` older than the oldest item kept starts at the oldest kept; a ``seq`` past
        the newest returns nothing and the next number to come.
        """
        if seq < 0:
            raise UsageError(f"sequence number must be >= 0, not {seq}")
        if limit < 1:
            raise UsageError(f"limit must be >= 1, not {limit}")
        with self._lock:
            if not self._ring or seq >= self._next:
                return [], self._next
            first = self._ring[0][0]
            start = max(seq, first) - first
            out = list(itertools.islice(self._ring, start, start + limit))
        return out, out[-1][0] + 1


class EventRing(SequencedRing[Event]):
    """The pipeline's events, as a Sink; kinds in ``exclude`` are left out."""

    def __init__(
        self,
        capacity: int = 10_000,
        exclude: Collection[EventKind] = DEFAULT_EXCLUDED,
        on_append: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(capacity, on_append)
        self._exclude = frozenset(exclude)

    def append(self, items: Sequence[Event]) -> int:
        """Keep ``items`` (in order, excluded kinds left out); returns how many were kept."""
        return super().append([e for e in items if e.kind not in self._exclude])

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        """Pipeline Sink: keep the batch's events."""
        self.append(events)
