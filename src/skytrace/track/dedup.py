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
run starts with a carried row was already handed on: it is dropped as a copy. Cross-batch
limit of the receiver lists: such a late copy's receiver cannot join the list of the message
already handed on (nor can a copy's from an earlier batch join a message kept now); its row is
reported in ``late_rows`` so that the aircraft's receiver table still learns of it.

Pure functions on arrays plus the carry value the caller keeps; thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch
from skytrace.track.receivers import ReceiverLists

__all__ = ["DedupCarry", "DedupResult", "deduplicate"]


@dataclass(slots=True)
class DedupCarry:
    """Keys of the rows of the previous batch(es) still inside the window."""

    w0: npt.NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))
    w1: npt.NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))
    time_s: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0, np.float64))
    receiver: npt.NDArray[np.uint32] = field(default_factory=lambda: np.empty(0, np.uint32))
    ticks: npt.NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))


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
    m = int(carry.time_s.size)
    receivers = frames.receiver[rows]
    time_s = frames.time_s[rows]
    single = n == 0 or (
        (receivers == receivers[0]).all() and (m == 0 or (carry.receiver == receivers[0]).all())
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
    w0 = np.concatenate([carry.w0, words[:, 0]])
    w1 = np.concatenate([carry.w1, words[:, 1]])
    t_all = np.concatenate([carry.time_s, time_s])
    r_all = np.concatenate([carry.receiver, receivers])
    k_all = np.concatenate([carry.ticks, frames.receiver_ticks[rows]])
    order = np.lexsort((t_all, w1, w0))  # last key is primary
    w0, w1, t, r, ticks = w0[order], w1[order], t_all[order], r_all[order], k_all[order]
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
    fresh_start = ~carried[starts]
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
        carry=_carry(frames, rows, time_s, window_s, carry, words),
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
    """Keys of the rows (this batch's and still-young carried ones) within the window."""
    if rows.size == 0:
        return old
    horizon = float(time_s.max()) - window_s
    young = np.flatnonzero(time_s > horizon)
    w = words[young] if words is not None else _words(frames, rows[young])
    keep_old = old.time_s > horizon
    return DedupCarry(
        w0=np.concatenate([old.w0[keep_old], w[:, 0]]),
        w1=np.concatenate([old.w1[keep_old], w[:, 1]]),
        time_s=np.concatenate([old.time_s[keep_old], time_s[young]]),
        receiver=np.concatenate([old.receiver[keep_old], frames.receiver[rows[young]]]),
        ticks=np.concatenate([old.ticks[keep_old], frames.receiver_ticks[rows[young]]]),
    )
