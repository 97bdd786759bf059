"""Which receivers heard each aircraft: the distinct receivers of a flight, without keeping
a receiver list per position.

A position row says how many receivers heard its message (``n_receivers``), not which; the
tracker hands the lists beside the rows (``TrackOutput.receivers``). ``HeardBy`` folds them,
batch by batch, into one entry per (aircraft, receiver): when the receiver first and last
heard the aircraft. A flight [a, b] was heard by the receivers whose entry overlaps it.

Entries are trimmed where the detector cuts an aircraft's rows (``trim``): an entry last
heard before the cut is dropped, and one heard on both sides starts at the cut. So an entry
never reaches back over a completed flight, and a receiver that heard an aircraft's earlier
and later flights but not the one between is not counted for it. (The one case left: two
complete flights of one aircraft cut in the same batch, rare in batches of seconds.)

Every operation is vectorized over the batch's rows or aircraft; the table is sorted by one
64-bit key, ``icao24 << 32 | receiver``. Receiver 0 ("unknown") is never counted.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from skytrace.track.receivers import ReceiverLists

__all__ = ["HeardBy"]

_EMPTY_U64 = np.empty(0, np.uint64)
_EMPTY_F8 = np.empty(0, np.float64)


def _key_ranges(
    keys: npt.NDArray[np.uint64], icao24: npt.NDArray[np.integer]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """[lo, hi) of each aircraft's entries in ``keys``."""
    a = np.asarray(icao24, np.uint64) << np.uint64(32)
    lo = np.searchsorted(keys, a, side="left")
    hi = np.searchsorted(keys, a + np.uint64(1 << 32), side="left")
    return lo, hi


def _spans(lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The indices lo[0]..hi[0]-1, lo[1]..hi[1]-1, ... concatenated."""
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.intp)
    base = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.asarray(base + np.arange(total), np.intp)


class HeardBy:
    """(aircraft, receiver) -> first and last time heard, for the rows a detector holds."""

    def __init__(self) -> None:
        self.keys = _EMPTY_U64
        self.first_s = _EMPTY_F8
        self.last_s = _EMPTY_F8

    def __len__(self) -> int:
        return int(self.keys.size)

    def add(
        self,
        icao24: npt.NDArray[np.integer],
        time_s: npt.NDArray[np.floating],
        receivers: ReceiverLists,
    ) -> None:
        """Fold in the receivers of rows (``receivers`` aligned with ``icao24``/``time_s``)."""
        if len(receivers) != len(icao24):
            raise ValueError(f"{len(receivers)} receiver lists for {len(icao24)} rows")
        lengths = receivers.lengths()
        rx = receivers.ids[: int(receivers.offsets[-1])].astype(np.uint64)
        key = (np.repeat(np.asarray(icao24, np.uint64), lengths) << np.uint64(32)) | rx
        t = np.repeat(np.asarray(time_s, np.float64), lengths)
        known = rx != 0
        key, t = key[known], t[known]
        if key.size == 0:
            return
        order = np.lexsort((t, key))
        key, t = key[order], t[order]
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        ends = np.append(starts[1:], key.size) - 1
        ukey, t_first, t_last = key[starts], t[starts], t[ends]
        idx = np.searchsorted(self.keys, ukey)
        found = idx < self.keys.size
        found[found] = self.keys[idx[found]] == ukey[found]
        at = idx[found]
        self.first_s[at] = np.minimum(self.first_s[at], t_first[found])
        self.last_s[at] = np.maximum(self.last_s[at], t_last[found])
        new = ~found
        if new.any():
            where = idx[new]
            self.keys = np.insert(self.keys, where, ukey[new])
            self.first_s = np.insert(self.first_s, where, t_first[new])
            self.last_s = np.insert(self.last_s, where, t_last[new])

    def trim(self, icao24: npt.NDArray[np.integer], since_s: npt.NDArray[np.floating]) -> None:
        """The rows of each aircraft ``icao24[i]`` now start at ``since_s[i]`` (inf: none
        left): entries last heard before it go, the others start no earlier."""
        if len(icao24) == 0 or self.keys.size == 0:
            return
        lo, hi = _key_ranges(self.keys, icao24)
        at = _spans(lo, hi)
        if at.size == 0:
            return
        since = np.repeat(np.asarray(since_s, np.float64), hi - lo)
        self.first_s[at] = np.maximum(self.first_s[at], since)
        self._drop(at[self.last_s[at] < since])

    def forget(self, icao24: npt.NDArray[np.integer]) -> None:
        """Drop every entry of these aircraft."""
        if len(icao24) == 0 or self.keys.size == 0:
            return
        self._drop(_spans(*_key_ranges(self.keys, icao24)))

    def count(self, icao24: int, first_s: float, last_s: float) -> int:
        """Distinct receivers that heard ``icao24`` between ``first_s`` and ``last_s``."""
        lo, hi = _key_ranges(self.keys, np.array([icao24]))
        a, b = int(lo[0]), int(hi[0])
        return int(np.count_nonzero((self.first_s[a:b] <= last_s) & (self.last_s[a:b] >= first_s)))

    def _drop(self, at: npt.NDArray[np.intp]) -> None:
        if at.size:
            self.keys = np.delete(self.keys, at)
            self.first_s = np.delete(self.first_s, at)
            self.last_s = np.delete(self.last_s, at)
