"""De-duplication of one reply heard by several receivers, vectorized over a batch.

Algorithm: every row gets a 128-bit key from its message bytes (payload viewed as two
uint64 words, length folded in). Rows are ordered by (key, arrival time); a row is a copy of
the previous row when it has the same key, arrived within ``window_s`` of it and came from a
*different* receiver (one receiver hearing the same bytes twice is a real repeat: DF11
squitters and unchanged velocity messages repeat verbatim). Copies are folded into the first
(earliest) row of their run, which keeps the earliest time, the strongest signal and the list
of receivers that heard it (``receivers``: CSR aligned with ``keep``, strongest signal first,
each receiver once; built from the same sorted runs with two more sorts of the multi-receiver
rows only). The same receiver with the same 12 MHz timestamp is the same frame delivered twice
(two connections of one feeder): a copy too.

Live batches (~100 ms) are shorter than the window, so the copies of one reply often arrive in
two batches: ``DedupCarry`` keeps the keys of the last ``window_s`` of rows, and a row whose
run holds a carried row was already handed on: it is dropped as a copy. Rows need not
come in time order (a recording that writes each receiver's frames a few seconds at a time,
feeders whose data arrive late): the carry also keeps as far back as the rows have been seen
to arrive late (``lag_s``: the most a row was older than the newest row before it, at most
``MAX_LAG_S``), so a late copy still finds its reply. Cross-batch
limit of the receiver lists: such a late copy's receiver cannot join the list of the message
already handed on (nor can a copy's from an earlier batch join a message kept now); its row is
reported in ``late_rows`` so that the aircraft's receiver table still learns of it.

The carry is kept sorted by (key, time) and merged, not re-sorted: a batch's rows are sorted
on their own and placed among the carried ones by one ``searchsorted`` on a 24-byte key
(both key words and the time's order-preserving bits, big-endian, compared as bytes), so a
batch costs O(n log n + m) for m carried rows instead of a sort of n + m rows. Batches from a
single receiver (nothing to fold) only append their young rows to ``pending`` chunks; chunks
and the sorted part are dropped whole once their newest row leaves the window, and pending
chunks are sorted into the carry the first time a batch from several receivers needs them.

Pure functions on arrays plus the carry value the caller keeps; thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch
from skytrace.track.receivers import ReceiverLists

__all__ = ["MAX_LAG_S", "DedupCarry", "DedupResult", "deduplicate"]

MAX_LAG_S = 10.0  # the most the carry reaches back for rows that arrive out of time order


@dataclass(slots=True)
class _Rows:
    """Carried rows: keys, times, receivers, counters (aligned)."""

    w0: npt.NDArray[np.uint64]
    w1: npt.NDArray[np.uint64]
    time_s: npt.NDArray[np.float64]
    receiver: npt.NDArray[np.uint32]
    ticks: npt.NDArray[np.uint64]

    @classmethod
    def empty(cls) -> _Rows:
        return cls(
            np.empty(0, np.uint64),
            np.empty(0, np.uint64),
            np.empty(0, np.float64),
            np.empty(0, np.uint32),
            np.empty(0, np.uint64),
        )

    def take(self, idx: npt.NDArray[Any]) -> _Rows:
        return _Rows(
            self.w0[idx], self.w1[idx], self.time_s[idx], self.receiver[idx], self.ticks[idx]
        )

    @staticmethod
    def concat(parts: list[_Rows]) -> _Rows:
        return _Rows(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Rows.__slots__))

    def __len__(self) -> int:
        return int(self.time_s.size)


def _sort_key(
    w0: npt.NDArray[np.uint64], w1: npt.NDArray[np.uint64], t: npt.NDArray[np.float64]
) -> Any:
    """(w0, w1, time) as 24 bytes whose byte order is their lexicographic order."""
    bits = t.view(np.uint64)
    tkey = np.where(bits >> np.uint64(63), ~bits, bits | np.uint64(1 << 63))
    k = np.empty((t.size, 3), ">u8")
    k[:, 0], k[:, 1], k[:, 2] = w0, w1, tkey
    return k.view("S24").ravel()


@dataclass(slots=True)
class DedupCarry:
    """Keys of the rows of the previous batch(es) still inside the window: ``rows`` sorted by
    (key, time) with their ``key`` bytes, plus unsorted ``pending`` chunks (see the module
    docstring)."""

    rows: _Rows = field(default_factory=_Rows.empty)
    key: npt.NDArray[Any] = field(default_factory=lambda: np.empty(0, "S24"))
    newest_s: float = -np.inf  # newest time in ``rows``
    receivers: frozenset[int] = frozenset()  # receivers in ``rows``
    pending: list[tuple[_Rows, float, int]] = field(default_factory=list)  # rows, newest, rx
    horizon_s: float = -np.inf  # rows at or before this time are out of the window
    lag_s: float = 0.0  # how late rows have been seen to arrive (kept on top of the window)
    seen_newest_s: float = -np.inf  # the newest row time seen so far

    def __len__(self) -> int:
        return len(self.rows) + sum(len(c[0]) for c in self.pending)

    @property
    def time_s(self) -> npt.NDArray[np.float64]:
        """Times of every carried row (sorted part first, then pending chunks)."""
        return np.concatenate([self.rows.time_s, *(c[0].time_s for c in self.pending)])

    def single_receiver(self, receiver: int) -> bool:
        """Every carried row came from ``receiver`` (or there are none)."""
        return self.receivers <= {receiver} and all(c[2] == receiver for c in self.pending)

    def merged(self) -> tuple[_Rows, npt.NDArray[Any]]:
        """The rows after ``horizon_s``, sorted: the sorted part with the pending chunks
        sorted into it."""
        young = np.flatnonzero(self.rows.time_s > self.horizon_s)
        rows, key = self.rows.take(young), self.key[young]
        if not self.pending:
            return rows, key
        extra = _Rows.concat([c[0] for c in self.pending])
        extra = extra.take(np.flatnonzero(extra.time_s > self.horizon_s))
        ekey = _sort_key(extra.w0, extra.w1, extra.time_s)
        order = np.argsort(ekey, kind="stable")
        return _merge(rows, key, extra.take(order), ekey[order])


def _merge(
    a: _Rows, akey: npt.NDArray[Any], b: _Rows, bkey: npt.NDArray[Any]
) -> tuple[_Rows, npt.NDArray[Any]]:
    """Two sorted runs -> one (``a`` first on equal keys)."""
    order = _merge_order(akey, bkey)
    both = _Rows.concat([a, b])
    return both.take(order), np.concatenate([akey, bkey])[order]


def _merge_order(akey: npt.NDArray[Any], bkey: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Indices into ``concat(a, b)`` in sorted order, for sorted ``akey`` and ``bkey``."""
    m, n = akey.size, bkey.size
    pos = np.searchsorted(akey, bkey, side="right") + np.arange(n)
    order = np.empty(m + n, np.intp)
    is_b = np.zeros(m + n, np.bool_)
    is_b[pos] = True
    order[pos] = m + np.arange(n)
    order[~is_b] = np.arange(m)
    return order


@dataclass(slots=True)
class DedupResult:
    """Which rows survive and what the copies add to them (arrays aligned with ``keep``)."""

    keep: npt.NDArray[np.intp]  # row indices of kept messages, in input order
    n_receivers: npt.NDArray[np.uint16]  # distinct receivers that heard each kept message
    signal_dbfs: npt.NDArray[np.float32]  # strongest signal of each kept message
    duplicates: int  # rows folded into another (or into one of an earlier batch)
    carry: DedupCarry  # hand to the next call
    # receivers of each kept message (CSR aligned with keep): the receiver indices of the
    # copies in this batch, strongest signal first (no signal last, ties by index), each
    # once. Copies in other batches are not in it (see the module docstring).
    receiver_offsets: npt.NDArray[np.int64]
    receiver_ids: npt.NDArray[np.uint32]
    # rows dropped as copies of a message handed on in an earlier batch
    late_rows: npt.NDArray[np.intp]

    @property
    def receivers(self) -> ReceiverLists:
        """``receiver_offsets`` / ``receiver_ids`` as one record."""
        return ReceiverLists(self.receiver_offsets, self.receiver_ids)


def _words(frames: FrameBatch, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
    padded = np.zeros((rows.size, 16), np.uint8)
    padded[:, :14] = frames.payload[rows]
    padded[:, 15] = frames.length[rows]
    return padded.view(np.uint64).reshape(rows.size, 2)


def deduplicate(
    frames: FrameBatch,
    rows: npt.NDArray[np.intp],
    window_s: float,
    carry: DedupCarry | None = None,
) -> DedupResult:
    """Fold copies of the same reply from different receivers among ``rows`` into one row."""
    carry = carry if carry is not None else DedupCarry()
    n = int(rows.size)
    receivers = frames.receiver[rows]
    time_s = frames.time_s[rows]
    if n:  # rows older than a row before them: keep that much more history from now on
        newest_before = np.fmax.accumulate(np.r_[carry.seen_newest_s, time_s])  # NaN: skip
        late = newest_before[:-1] - time_s
        late_s = float(np.max(late[np.isfinite(late)], initial=0.0))
        if late_s > carry.lag_s:
            carry.lag_s = min(late_s, MAX_LAG_S)
        carry.seen_newest_s = float(newest_before[-1])
    single = n == 0 or (
        (receivers == receivers[0]).all() and carry.single_receiver(int(receivers[0]))
    )
    if single:
        # one receiver: nothing can be a copy (fast path for a single feed)
        return DedupResult(
            keep=rows,
            n_receivers=np.ones(n, np.uint16),
            signal_dbfs=frames.signal_dbfs[rows],
            duplicates=0,
            carry=_carry(frames, rows, time_s, window_s, carry, None),
            receiver_offsets=np.arange(n + 1, dtype=np.int64),
            receiver_ids=receivers.astype(np.uint32),
            late_rows=np.empty(0, np.intp),
        )
    words = _words(frames, rows)
    old, okey = carry.merged()
    m = len(old)
    new = _Rows(words[:, 0], words[:, 1], time_s, receivers, frames.receiver_ticks[rows])
    nkey = _sort_key(new.w0, new.w1, new.time_s)
    by_key = np.argsort(nkey, kind="stable")
    order = _merge_order(okey, nkey[by_key])
    order[order >= m] = m + by_key[order[order >= m] - m]
    both = _Rows.concat([old, new])
    w0, w1, t, r, ticks = (getattr(both, f)[order] for f in _Rows.__slots__)
    all_key = np.concatenate([okey, nkey])[order]
    total = n + m
    same = np.zeros(total, bool)
    same[1:] = (
        (w0[1:] == w0[:-1])
        & (w1[1:] == w1[:-1])
        & (t[1:] - t[:-1] <= window_s)
        & ((r[1:] != r[:-1]) | ((ticks[1:] == ticks[:-1]) & (ticks[1:] != 0)))
    )
    starts = np.flatnonzero(~same)
    carried = order < m  # rows of earlier batches (already handed on)
    # a run with any carried row was handed on already, even when a copy of this batch
    # carries an earlier time (rows out of time order): its rows here are late copies
    fresh_start = np.maximum.reduceat(carried.view(np.uint8), starts) == 0
    # signal over the copies of this batch only
    sig = np.concatenate([np.full(m, np.nan, np.float32), frames.signal_dbfs[rows]])[order]
    sig_filled = np.where(np.isnan(sig), -np.inf, sig)
    best = np.maximum.reduceat(sig_filled, starts).astype(np.float32)
    best[np.isneginf(best)] = np.nan
    kept = order[starts[fresh_start]] - m
    back = np.argsort(kept, kind="stable")  # back to input (time) order
    keep = rows[kept[back]]
    # receiver lists: each sorted row's group -> output position of its kept message
    group = np.cumsum(~same) - 1
    out_of_group = np.full(starts.size, -1, np.int64)
    out_of_group[np.flatnonzero(fresh_start)[back]] = np.arange(keep.size)
    g_out = out_of_group[group]
    member = ~carried & (g_out >= 0)
    late = ~carried & (g_out < 0)
    offsets, ids = _receiver_lists(g_out[member], r[member], sig_filled[member], keep.size)
    return DedupResult(
        keep=keep,
        n_receivers=np.diff(offsets).astype(np.uint16),
        signal_dbfs=best[fresh_start][back],
        duplicates=int(n - keep.size),
        carry=_sorted_carry(
            _Rows(w0, w1, t, r, ticks),
            all_key,
            carry.seen_newest_s - window_s - carry.lag_s,
            carry,
        ),
        receiver_offsets=offsets,
        receiver_ids=ids,
        late_rows=np.sort(rows[order[late] - m]),
    )


def _receiver_lists(
    msg: npt.NDArray[np.int64],
    receiver: npt.NDArray[np.uint32],
    signal: npt.NDArray[np.float32],
    n_msgs: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
    """CSR of the distinct receivers of each message, strongest signal first.

    ``signal`` is -inf where unknown (sorted last); one receiver's copies keep the strongest.
    Sorted as (message, -signal, receiver) with stable integer sorts (a 3-key ``lexsort``
    costs twice as much on live-sized batches): -signal as an order-preserving uint32 key.
    """
    bits = (-signal).astype(np.float32).view(np.uint32).astype(np.int64)
    sig_key = np.where(bits >= 1 << 31, (1 << 32) - 1 - bits, bits | (1 << 31))
    by_recv = np.argsort(receiver, kind="stable")
    order = by_recv[np.argsort((msg[by_recv] << 32) | sig_key[by_recv], kind="stable")]
    msg, receiver = msg[order], receiver[order]
    # each receiver once: the first (strongest) of its copies of a message
    pair = (msg << 32) | receiver.astype(np.int64)
    by_pair = np.argsort(pair, kind="stable")
    sorted_pair = pair[by_pair]
    repeat = np.zeros(pair.size, bool)
    repeat[by_pair[1:]] = sorted_pair[1:] == sorted_pair[:-1]
    if repeat.any():
        msg, receiver = msg[~repeat], receiver[~repeat]
    offsets = np.zeros(n_msgs + 1, np.int64)
    np.cumsum(np.bincount(msg, minlength=n_msgs), out=offsets[1:])
    return offsets, receiver.astype(np.uint32)


def _carry(
    frames: FrameBatch,
    rows: npt.NDArray[np.intp],
    time_s: npt.NDArray[np.float64],
    window_s: float,
    old: DedupCarry,
    words: npt.NDArray[np.uint64] | None,
) -> DedupCarry:
    """The carry with this batch's rows within the window appended as a pending chunk; the
    sorted part and chunks wholly out of the window are dropped."""
    if rows.size == 0:
        return old
    newest = float(time_s.max())
    horizon = old.seen_newest_s - window_s - old.lag_s
    young = np.flatnonzero(time_s > horizon)
    w = words[young] if words is not None else _words(frames, rows[young])
    chunk = _Rows(
        w[:, 0].copy(),
        w[:, 1].copy(),
        time_s[young],
        frames.receiver[rows[young]],
        frames.receiver_ticks[rows[young]],
    )
    receiver = int(chunk.receiver[0]) if len(chunk) else 0
    pending = [c for c in old.pending if c[1] > horizon]
    pending.append((chunk, newest, receiver))
    lag = {"lag_s": old.lag_s, "seen_newest_s": old.seen_newest_s}
    if old.newest_s > horizon:
        return DedupCarry(old.rows, old.key, old.newest_s, old.receivers, pending, horizon, **lag)
    return DedupCarry(pending=pending, horizon_s=horizon, **lag)


def _sorted_carry(
    merged: _Rows, key: npt.NDArray[Any], horizon_s: float, old: DedupCarry
) -> DedupCarry:
    """The merged, sorted rows after ``horizon_s`` (they stay sorted)."""
    lag = {"lag_s": old.lag_s, "seen_newest_s": old.seen_newest_s}
    young = np.flatnonzero(merged.time_s > horizon_s)
    if young.size == 0:
        return DedupCarry(horizon_s=horizon_s, **lag)
    rows = merged.take(young)
    receivers = frozenset(np.unique(rows.receiver).tolist())
    return DedupCarry(rows, key[young], float(rows.time_s.max()), receivers, [], horizon_s, **lag)
