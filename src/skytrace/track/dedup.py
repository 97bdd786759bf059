"""De-duplication of one reply heard by several receivers, vectorized over a batch.

Algorithm: every row gets a 128-bit key from its message bytes (payload viewed as two
uint64 words, length folded in). Rows are ordered by (key, arrival time); a row is a copy of
the previous row when it has the same key, arrived within ``window_s`` of it and came from a
*different* receiver (one receiver hearing the same bytes twice is a real repeat: DF11
squitters and unchanged velocity messages repeat verbatim). Copies are folded into the first
(earliest) row of their run, which keeps the earliest time, the strongest signal and the count
of receivers that heard it.

When a row carries a 12 MHz receiver timestamp and its copy comes from the same receiver with
a different timestamp, the two are distinct transmissions even inside the window.

Pure functions on arrays; no state (copies split across two batches are rare with batches
longer than the window and are kept as two messages). Thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch

__all__ = ["DedupResult", "deduplicate"]


@dataclass(slots=True)
class DedupResult:
    """Which rows survive and what the copies add to them (arrays aligned with ``keep``)."""

    keep: npt.NDArray[np.intp]  # row indices of kept messages, in input order
    n_receivers: npt.NDArray[np.uint16]  # receivers that heard each kept message
    signal_dbfs: npt.NDArray[np.float32]  # strongest signal of each kept message
    duplicates: int  # rows folded into another


def _keys(payload: npt.NDArray[np.uint8], length: npt.NDArray[np.uint8]) -> npt.NDArray[np.void]:
    padded = np.zeros((payload.shape[0], 16), np.uint8)
    padded[:, :14] = payload
    padded[:, 15] = length
    return padded.view(np.dtype((np.void, 16))).ravel()


def deduplicate(frames: FrameBatch, rows: npt.NDArray[np.intp], window_s: float) -> DedupResult:
    """Fold copies of the same reply from different receivers among ``rows`` into one row."""
    n = int(rows.size)
    receivers = frames.receiver[rows]
    if n == 0 or (receivers == receivers[0]).all():
        # one receiver: nothing can be a copy (fast path for a single feed)
        return DedupResult(
            keep=rows,
            n_receivers=np.ones(n, np.uint16),
            signal_dbfs=frames.signal_dbfs[rows],
            duplicates=0,
        )
    time_s = frames.time_s[rows]
    words = _keys(frames.payload[rows], frames.length[rows]).view(np.uint64).reshape(n, 2)
    # order by key then time: lexsort keys are given last-primary
    order = np.lexsort((time_s, words[:, 1], words[:, 0]))
    w0 = words[order, 0]
    w1 = words[order, 1]
    t = time_s[order]
    r = receivers[order]
    ticks = frames.receiver_ticks[rows][order]
    same = np.zeros(n, bool)
    same[1:] = (
        (w0[1:] == w0[:-1])
        & (w1[1:] == w1[:-1])
        & (t[1:] - t[:-1] <= window_s)
        & ((r[1:] != r[:-1]) | ((ticks[1:] == ticks[:-1]) & (ticks[1:] != 0)))
    )
    starts = np.flatnonzero(~same)
    n_recv = np.diff(np.append(starts, n)).astype(np.uint16)
    sig = frames.signal_dbfs[rows][order]
    # strongest signal per run; NaN (unknown) loses to any known level
    sig_filled = np.where(np.isnan(sig), -np.inf, sig)
    best = np.maximum.reduceat(sig_filled, starts).astype(np.float32)
    best[np.isneginf(best)] = np.nan
    kept = order[starts]
    # back to input order so later stages see time order
    back = np.argsort(kept, kind="stable")
    return DedupResult(
        keep=rows[kept[back]],
        n_receivers=n_recv[back],
        signal_dbfs=best[back],
        duplicates=int(n - starts.size),
    )
