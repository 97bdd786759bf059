"""Raw frames out as bytes: Beast binary (escaped) and AVR text, vectorized.

Beast: ``0x1a <type> <6-byte 12 MHz counter, big-endian> <signal byte> <message>`` with every
0x1a after the type doubled (see skytrace.sources.beast for the layout). Types '1' / '2' /
'3' by message length 2 / 7 / 14. The signal byte is round(255 * 10^(dBFS / 20)), 0 when the
level is unknown. Frames without a counter value get 0 (as dump1090 does).

AVR: ``*HEX;\\n`` per frame, or with ``timestamps=True`` ``@TTTTTTTTTTTTHEX;\\n`` (upper-case
hex, as dump1090 writes it).

Pure functions on a FrameBatch; thread-safe.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch

__all__ = ["encode_avr", "encode_beast", "signal_dbfs_to_byte"]

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
