"""Lists of receiver indices per row, stored as one CSR pair (offsets + ids), and the
per-aircraft table of receivers that heard it recently.

``ReceiverLists``: row ``i``'s receivers are ``ids[offsets[i]:offsets[i + 1]]``; ``offsets``
is int64 of length rows + 1 starting at 0, ``ids`` uint32 receiver indices (the index of
``skytrace.model.FrameBatch.receiver``). One pair of arrays for a whole batch instead of one
Python list per message: building, selecting and concatenating are array operations.

``merge_recent``: the aircraft's receiver table is a fixed number of (receiver, last heard
time) slots per aircraft (columns ``recv_id`` / ``recv_time_s`` of ``StateColumns``); a batch's
(aircraft, receiver, time) pairs are merged in with array operations. Time is epoch seconds.

Immutable records and pure functions (the table update writes only the arrays passed in);
thread-safe as far as the arrays handed in are not shared.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ReceiverLists", "merge_recent"]


@dataclass(frozen=True, slots=True)
class ReceiverLists:
    """Receiver indices of each row, CSR: row ``i`` -> ``ids[offsets[i]:offsets[i + 1]]``."""

    offsets: npt.NDArray[np.int64]  # len(rows) + 1, offsets[0] == 0, non-decreasing
    ids: npt.NDArray[np.uint32]

    @staticmethod
    def empty(n: int = 0) -> ReceiverLists:
        """``n`` rows with no receivers."""
        return ReceiverLists(np.zeros(n + 1, np.int64), np.empty(0, np.uint32))

    @staticmethod
    def single(ids: npt.NDArray[np.uint32]) -> ReceiverLists:
        """One receiver per row."""
        return ReceiverLists(np.arange(ids.size + 1, dtype=np.int64), ids.astype(np.uint32))

    @staticmethod
    def from_lists(lists: list[npt.NDArray[np.uint32]]) -> ReceiverLists:
        """Rows from separate arrays (a few rows; e.g. positions confirmed late)."""
        lengths = np.array([a.size for a in lists], np.int64)
        offsets = np.zeros(len(lists) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.concatenate(lists).astype(np.uint32) if lists else np.empty(0, np.uint32)
        return ReceiverLists(offsets, ids)

    @staticmethod
    def concat(parts: list[ReceiverLists]) -> ReceiverLists:
        """Rows of ``parts`` one after the other."""
        if not parts:
            return ReceiverLists.empty()
        offsets = [np.zeros(1, np.int64)]
        base = 0
        for p in parts:
            offsets.append(p.offsets[1:] + base)
            base += int(p.offsets[-1])
        return ReceiverLists(
            np.concatenate(offsets), np.concatenate([p.ids[: p.offsets[-1]] for p in parts])
        )

    def __len__(self) -> int:
        return int(self.offsets.size) - 1

    def lengths(self) -> npt.NDArray[np.int64]:
        """Number of receivers of each row."""
        return np.diff(self.offsets)

    def of(self, i: int) -> npt.NDArray[np.uint32]:
        """Receivers of row ``i``."""
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def take(self, index: npt.NDArray[np.intp]) -> ReceiverLists:
        """The lists of rows ``index`` (in that order; rows may repeat)."""
        index = np.asarray(index, np.intp)
        start = self.offsets[:-1][index]
        lengths = self.offsets[1:][index] - start
        offsets = np.zeros(index.size + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        if total == index.size and (lengths == 1).all():
            return ReceiverLists(offsets, self.ids[start])
        src = np.repeat(start - offsets[:-1], lengths) + np.arange(total, dtype=np.int64)
        return ReceiverLists(offsets, self.ids[src])

    def tolist(self) -> list[list[int]]:
        """Python lists (tests, small outputs)."""
        ids = self.ids.tolist()
        bounds = self.offsets.tolist()
        return [ids[a:b] for a, b in itertools.pairwise(bounds)]


def merge_recent(
    table_id: npt.NDArray[np.uint32],
    table_time_s: npt.NDArray[np.float64],
    slot: npt.NDArray[np.int32],
    receiver: npt.NDArray[np.uint32],
    time_s: npt.NDArray[np.float64],
    stale_before_s: float,
    presorted: bool = False,
) -> None:
    """Merge (slot, receiver, time) pairs into the per-slot receiver tables, in place.

    ``table_id`` / ``table_time_s`` have shape (capacity, k); an entry with NaN time is
    empty. Per slot touched: entries last heard before ``stale_before_s`` are emptied; a
    receiver already in the table gets the newer time; a new receiver takes an empty entry,
    else the entry heard longest ago, when it is newer than that entry (more than k new
    receivers of one aircraft in one batch: the k most recent win). ``presorted``: the pairs
    are already ordered by (slot, time) (the tracker's rows are), which saves a sort.
    """
    if slot.size == 0:
        return
    # one pair per (slot, receiver): the latest time
    if (receiver == receiver[0]).all():
        if presorted:
            s, r, t = slot, receiver, time_s
        else:
            order = np.lexsort((time_s, slot))
            s, r, t = slot[order], receiver[order], time_s[order]
        end = np.ones(s.size, bool)
        end[:-1] = s[1:] != s[:-1]
    else:
        order = np.lexsort((time_s, receiver, slot))
        s, r, t = slot[order], receiver[order], time_s[order]
        end = np.ones(s.size, bool)
        end[:-1] = (s[1:] != s[:-1]) | (r[1:] != r[:-1])
    s, r, t = s[end], r[end], t[end]
    new_slot = np.ones(s.size, bool)
    new_slot[1:] = s[1:] != s[:-1]
    touched = s[new_slot]  # s is sorted by slot
    k = table_id.shape[1]
    tt = table_time_s[touched]
    tt[~(tt >= stale_before_s)] = np.nan  # stale (and empty) entries drop out
    ti = table_id[touched]
    row = np.cumsum(new_slot) - 1  # table row of each pair
    match = (ti[row] == r[:, None]) & ~np.isnan(tt[row])
    hit = match.any(axis=1)
    if hit.any():
        hr = row[hit]
        hp = match[hit].argmax(axis=1)
        tt[hr, hp] = np.fmax(tt[hr, hp], t[hit])
    miss = np.flatnonzero(~hit)
    if miss.size:
        # new receivers of a slot, most recent first; each takes the next-oldest entry
        miss = miss[np.lexsort((-t[miss], row[miss]))]
        mrow = row[miss]
        first = np.ones(miss.size, bool)
        first[1:] = mrow[1:] != mrow[:-1]
        run_start = np.maximum.accumulate(np.where(first, np.arange(miss.size), 0))
        rank = np.arange(miss.size) - run_start
        fits = rank < k
        miss, mrow, rank = miss[fits], mrow[fits], rank[fits]
        oldest_first = np.argsort(np.where(np.isnan(tt), -np.inf, tt), axis=1, kind="stable")
        pos = oldest_first[mrow, rank]
        old_t = tt[mrow, pos]
        newer = np.isnan(old_t) | (t[miss] > old_t)
        ti[mrow[newer], pos[newer]] = r[miss[newer]]
        tt[mrow[newer], pos[newer]] = t[miss[newer]]
    table_id[touched] = ti
    table_time_s[touched] = tt
