"""Raw frames out as bytes: Beast binary (escaped) and AVR text, vectorized.

Beast: ``0x1a <type> <6-byte 12 MHz counter, big-endian> <signal byte> <message>`` with every
0x1a after the type doubled (see skytrace.sources.beast for the layout). Types '1' / '2' /
'3' by message length 2 / 7 / 14. The signal byte is round(255 * 10^(dBFS / 20)), 0 when the
level is unknown. Frames without a counter value get 0 (as dump1090 does).

Receivers and UTC (``encode_beast_receivers``): the frames grouped by receiver, each group
opened by readsb's receiver-id record ``0x1a 0xe3`` + the receiver's 8-byte id (big-endian,
escaped like any payload), optionally followed by a UTC stamp ``0x1a 0xe8`` + the reception time
of the group's first frame as 8 bytes little-endian int64 milliseconds, not escaped (the record
readsb's ``--dump-beast`` writes; skytrace.sources.beast reads both).

AVR: ``*HEX;\\n`` per frame, or with ``timestamps=True`` ``@TTTTTTTTTTTTHEX;\\n`` (upper-case
hex, as dump1090 writes it).

Pure functions on a FrameBatch; thread-safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch

__all__ = [
    "TYPE_RECEIVER_ID",
    "TYPE_UTC_STAMP",
    "encode_avr",
    "encode_beast",
    "encode_beast_receivers",
    "receiver_id",
    "signal_dbfs_to_byte",
]

TYPE_RECEIVER_ID: Final = 0xE3
TYPE_UTC_STAMP: Final = 0xE8

_TYPE_BY_LENGTH = np.zeros(15, np.uint8)
_TYPE_BY_LENGTH[2] = 0x31
_TYPE_BY_LENGTH[7] = 0x32
_TYPE_BY_LENGTH[14] = 0x33
_HEX_UPPER: Final = np.frombuffer(b"0123456789ABCDEF", np.uint8)
_RECORD: Final = 2 + 6 + 1 + 14


def signal_dbfs_to_byte(dbfs: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """dBFS -> Beast signal byte (NaN -> 0)."""
    d = np.asarray(dbfs, np.float64)
    with np.errstate(invalid="ignore"):
        b = np.rint(255.0 * np.power(10.0, d / 20.0))
    out: npt.NDArray[np.uint8] = np.nan_to_num(np.clip(b, 0, 255), nan=0.0).astype(np.uint8)
    return out


def encode_beast(frames: FrameBatch, rows: npt.NDArray[np.intp] | None = None) -> bytes:
    """The frames (all, or ``rows``) as one escaped Beast byte string."""
    idx = np.arange(len(frames)) if rows is None else np.asarray(rows)
    length = frames.length[idx].astype(np.intp)
    idx = idx[_TYPE_BY_LENGTH[np.minimum(length, 14)] != 0]
    n = int(idx.size)
    if n == 0:
        return b""
    length = frames.length[idx].astype(np.intp)
    rec = np.zeros((n, _RECORD), np.uint8)
    rec[:, 0] = 0x1A
    rec[:, 1] = _TYPE_BY_LENGTH[length]
    ticks = frames.receiver_ticks[idx].astype(">u8").view(np.uint8).reshape(n, 8)
    rec[:, 2:8] = ticks[:, 2:]
    rec[:, 8] = signal_dbfs_to_byte(frames.signal_dbfs[idx])
    rec[:, 9:] = frames.payload[idx]
    used = np.arange(_RECORD)[None, :] < (9 + length)[:, None]
    flat = rec[used]
    # Double every 0x1a except the frame-start byte of each record.
    starts = np.zeros(flat.size, np.bool_)
    starts[np.concatenate([[0], np.cumsum(9 + length)[:-1]])] = True
    repeat = np.where((flat == 0x1A) & ~starts, 2, 1)
    return np.repeat(flat, repeat).tobytes()


def receiver_id(name: str) -> int:
    """The 64-bit readsb receiver id of a receiver name.

    A name of 16 hex digits is a readsb id already (skytrace names such receivers that way)
    and is returned as it is, so ids survive a chain of servers; any other name is hashed
    (first 8 bytes of BLAKE2b, any 0x1a byte replaced by 0x1b so it never needs escaping),
    stable from run to run.
    """
    if len(name) == 16:
        try:
            return int(name, 16)
        except ValueError:
            pass
    raw = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(bytes(0x1B if b == 0x1A else b for b in raw), "big")


def _escaped_lengths(frames: FrameBatch, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Bytes each frame (type 1/2/3) takes in an escaped Beast stream."""
    length = frames.length[rows].astype(np.intp)
    ticks = frames.receiver_ticks[rows].astype(">u8").view(np.uint8).reshape(-1, 8)[:, 2:]
    signal = signal_dbfs_to_byte(frames.signal_dbfs[rows])
    payload = frames.payload[rows]
    used = np.arange(payload.shape[1])[None, :] < length[:, None]
    n_1a = (ticks == 0x1A).sum(axis=1) + (signal == 0x1A) + ((payload == 0x1A) & used).sum(axis=1)
    return np.asarray(2 + 6 + 1 + length + n_1a, np.intp)


def _group_header(rx_id: int, first_time_s: float, utc_stamps: bool) -> bytes:
    head = b"\x1a\xe3" + rx_id.to_bytes(8, "big").replace(b"\x1a", b"\x1a\x1a")
    if utc_stamps and np.isfinite(first_time_s):
        head += b"\x1a\xe8" + round(first_time_s * 1000.0).to_bytes(8, "little", signed=True)
    return head


def encode_beast_receivers(
    frames: FrameBatch,
    rows: npt.NDArray[np.intp] | None = None,
    *,
    receiver_ids: Mapping[int, int],
    utc_stamps: bool = False,
) -> bytes:
    """The frames (all, or ``rows``) as escaped Beast grouped by receiver: each group starts
    with a receiver-id record (``receiver_ids``: FrameBatch receiver index -> 64-bit id;
    missing -> 0) and, with ``utc_stamps``, a UTC stamp of its first frame (module docstring).
    Each receiver's frames keep their order; groups come in order of receiver index."""
    idx = np.arange(len(frames)) if rows is None else np.asarray(rows, np.intp)
    idx = idx[_TYPE_BY_LENGTH[np.minimum(frames.length[idx], 14)] != 0]
    if idx.size == 0:
        return b""
    idx = idx[np.argsort(frames.receiver[idx], kind="stable")]
    body = encode_beast(frames, idx)
    rx = frames.receiver[idx]
    starts = np.flatnonzero(np.concatenate([[True], rx[1:] != rx[:-1]]))
    offsets = np.concatenate([[0], np.cumsum(_escaped_lengths(frames, idx))])
    bounds = [*offsets[starts].tolist(), int(offsets[-1])]
    parts: list[bytes] = []
    for g, s in enumerate(starts.tolist()):
        rid = receiver_ids.get(int(rx[s]), 0)
        parts.append(_group_header(rid, float(frames.time_s[idx[s]]), utc_stamps))
        parts.append(body[bounds[g] : bounds[g + 1]])
    return b"".join(parts)


def encode_avr(
    frames: FrameBatch, rows: npt.NDArray[np.intp] | None = None, *, timestamps: bool = False
) -> bytes:
    """The frames (all, or ``rows``) as AVR text lines."""
    idx = np.arange(len(frames)) if rows is None else np.asarray(rows)
    n = int(idx.size)
    if n == 0:
        return b""
    length = frames.length[idx].astype(np.intp)
    pay = frames.payload[idx]
    hexed = np.empty((n, 28), np.uint8)
    hexed[:, 0::2] = _HEX_UPPER[pay >> 4]
    hexed[:, 1::2] = _HEX_UPPER[pay & 15]
    parts = [np.full((n, 1), ord("@" if timestamps else "*"), np.uint8)]
    widths = [np.ones(n, np.intp)]
    if timestamps:
        t = frames.receiver_ticks[idx].astype(">u8").view(np.uint8).reshape(n, 8)[:, 2:]
        th = np.empty((n, 12), np.uint8)
        th[:, 0::2] = _HEX_UPPER[t >> 4]
        th[:, 1::2] = _HEX_UPPER[t & 15]
        parts.append(th)
        widths.append(np.full(n, 12, np.intp))
    parts.append(hexed)
    widths.append(2 * length)
    parts.append(np.tile(np.frombuffer(b";\n", np.uint8), (n, 1)))
    widths.append(np.full(n, 2, np.intp))
    table = np.concatenate(parts, axis=1)
    mask = np.concatenate(
        [np.arange(p.shape[1])[None, :] < w[:, None] for p, w in zip(parts, widths, strict=True)],
        axis=1,
    )
    return bytes(table[mask].tobytes())
