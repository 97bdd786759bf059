"""Replies heard by several receivers: frames grouped by (message, approximate time).

One transmitted reply reaches every receiver in range within a few milliseconds; its copies
carry the same bytes. Frames are sorted once by (payload, time) and cut into groups where the
payload changes or consecutive copies are more than ``window_s`` apart. The same bytes sent
again (a DF11 every second, an unchanged DF4) fall in another group as long as the window is
shorter than the repeat interval.

Frames that cannot time a reply are labelled and counted, never used:
- no timestamp (ticks 0), the readsb MLAT-result magic value ``0xFF004D4C4154`` (a computed
  position, not a reception), a value beyond the 48-bit counter;
- repeated timestamps: two different frames of one receiver with the same counter value (a
  receiver that does not really time its frames);
- Mode A/C, undecoded frames, DF11/17/18 whose parity failed, unknown receiver (index 0);
- a group in which one receiver appears twice (two replies merged: unsafe to use).

Output is padded (G, M) columns, earliest copies first, at most ``max_receivers`` per group.
Pure numpy, thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch, FrameKind

__all__ = ["MLAT_MAGIC_TICKS", "TICKS_PER_S", "ReplyCounts", "ReplyGroups", "group_replies"]

MLAT_MAGIC_TICKS: Final = 0xFF004D4C4154
TICKS_PER_S: Final = 12_000_000.0
_TICK_LIMIT: Final = 1 << 48
_USED_DF: Final = np.zeros(32, np.bool_)
_USED_DF[[0, 4, 5, 11, 16, 17, 18, 20, 21]] = True
_PARITY_CHECKED: Final = np.zeros(32, np.bool_)
_PARITY_CHECKED[[11, 17, 18]] = True


@dataclass(slots=True)
class ReplyCounts:
    """Frames not used, by reason (cumulative when one object is passed along)."""

    no_timestamp: int = 0
    mlat_magic: int = 0
    repeated_timestamp: int = 0
    not_usable: int = 0  # Mode A/C, undecoded, failed parity, unknown receiver
    merged_groups: int = 0  # groups with one receiver twice (dropped)
    lone: int = 0  # replies heard by one receiver only

    def add(self, other: ReplyCounts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class ReplyGroups:
    """G replies, each heard by up to M receivers (padded; ``valid`` says which slots)."""

    icao24: npt.NDArray[np.uint32]
    df: npt.NDArray[np.uint8]
    typecode: npt.NDArray[np.uint8]
    altitude_ft: npt.NDArray[np.float64]  # from the reply itself (DF0/4/16/20, ES position)
    time_s: npt.NDArray[np.float64]  # earliest arrival (UTC epoch s, the sources' time)
    receiver: npt.NDArray[np.int64]  # (G, M), -1 padding
    ticks_s: npt.NDArray[np.float64]  # (G, M) receiver counter / 12 MHz
    valid: npt.NDArray[np.bool_]  # (G, M)
    frame_row: npt.NDArray[np.int64]  # (G, M) row in the input batch, -1 padding
    counts: ReplyCounts = field(default_factory=ReplyCounts)

    def __len__(self) -> int:
        return int(self.icao24.shape[0])

    def take(self, index: npt.ArrayLike) -> ReplyGroups:
        i = np.asarray(index)
        return ReplyGroups(
            self.icao24[i], self.df[i], self.typecode[i], self.altitude_ft[i], self.time_s[i],
            self.receiver[i], self.ticks_s[i], self.valid[i], self.frame_row[i], self.counts,
        )  # fmt: skip


def usable_frames(
    frames: FrameBatch,
    decoded: Any,
    counts: ReplyCounts,
    wanted: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.intp]:
    """Rows whose timestamp can time a reply (see the module docstring); counts the rest.
    Repeated stamps are looked for among the ``wanted`` rows only (all when None)."""
    ticks = frames.receiver_ticks
    zero = ticks == 0
    magic = (ticks == MLAT_MAGIC_TICKS) | (frames.kind == FrameKind.MLAT)
    too_big = ticks >= _TICK_LIMIT
    counts.no_timestamp += int(np.count_nonzero(zero | (too_big & ~magic)))
    counts.mlat_magic += int(np.count_nonzero(magic))
    timed = ~zero & ~magic & ~too_big
    df = decoded["df"].astype(np.int64)
    ok = decoded.ok & (frames.kind == FrameKind.MODE_S) & _USED_DF[df]
    parity = decoded["crc_ok"] & decoded.mask("crc_ok")
    ok &= ~_PARITY_CHECKED[df] | parity
    ok &= (frames.receiver != 0) & np.isfinite(frames.time_s)
    counts.not_usable += int(np.count_nonzero(timed & ~ok))
    rows = np.flatnonzero(timed & ok if wanted is None else timed & ok & wanted)
    # the same counter value on two frames of one receiver: its stamps are not times
    # (one 64-bit key, receiver above the 48-bit counter, sorts faster than two)
    key = (frames.receiver[rows].astype(np.uint64) << np.uint64(48)) | ticks[rows]
    order = np.argsort(key)
    k = key[order]
    same = k[1:] == k[:-1]
    repeated = np.zeros(rows.size, bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    counts.repeated_timestamp += int(np.count_nonzero(repeated))
    return np.sort(rows[order][~repeated])


def group_replies(
    frames: FrameBatch,
    decoded: Any,
    *,
    window_s: float = 0.2,
    max_receivers: int = 12,
    min_receivers: int = 2,
    wanted: npt.NDArray[np.bool_] | None = None,
) -> ReplyGroups:
    """Group the usable frames of a batch into replies heard by ``min_receivers`` or more
    (only the rows where ``wanted``, when given; bad frames are counted either way)."""
    counts = ReplyCounts()
    rows = usable_frames(frames, decoded, counts, wanted)
    payload = np.zeros((rows.size, 16), np.uint8)
    payload[:, :14] = frames.payload[rows]
    payload[:, 14] = frames.length[rows]
    words = payload.view(">u8")
    t = frames.time_s[rows]
    order = np.lexsort((t, words[:, 1], words[:, 0]))
    rows, words, t = rows[order], words[order], t[order]
    new = np.ones(rows.size, bool)
    new[1:] = (words[1:, 0] != words[:-1, 0]) | (words[1:, 1] != words[:-1, 1])
    new[1:] |= np.diff(t) > window_s
    gid = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    size = np.diff(np.r_[starts, rows.size])
    rank = np.arange(rows.size) - starts[gid]
    # one receiver twice in a group: two replies were merged, the group cannot be trusted
    rcv = frames.receiver[rows].astype(np.int64)
    o2 = np.lexsort((rcv, gid))
    dup = (gid[o2][1:] == gid[o2][:-1]) & (rcv[o2][1:] == rcv[o2][:-1])
    merged = np.zeros(starts.size, bool)
    merged[gid[o2][1:][dup]] = True
    counts.merged_groups += int(merged.sum())
    counts.lone += int(np.count_nonzero(size == 1))
    keep_group = ~merged & (size >= min_receivers)
    m = int(min(max_receivers, size[keep_group].max())) if keep_group.any() else 1
    take = keep_group[gid] & (rank < m)
    g_index = np.cumsum(keep_group) - 1
    n_groups = int(keep_group.sum())
    receiver = np.full((n_groups, m), -1, np.int64)
    ticks_s = np.zeros((n_groups, m), np.float64)
    frame_row = np.full((n_groups, m), -1, np.int64)
    gi, si, fr = g_index[gid[take]], rank[take], rows[take]
    receiver[gi, si] = rcv[take]
    ticks_s[gi, si] = frames.receiver_ticks[fr].astype(np.float64) / TICKS_PER_S
    frame_row[gi, si] = fr
    first = rows[starts[keep_group]]
    tc = decoded["typecode"][first] if "typecode" in decoded else np.zeros(first.size, np.uint8)
    return ReplyGroups(
        icao24=decoded["icao"][first].astype(np.uint32),
        df=decoded["df"][first].astype(np.uint8),
        typecode=np.asarray(tc, np.uint8),
        altitude_ft=decoded["altitude_ft"][first].astype(np.float64),
        time_s=t[starts[keep_group]],
        receiver=receiver,
        ticks_s=ticks_s,
        valid=receiver >= 0,
        frame_row=frame_row,
        counts=counts,
    )
