"""Turning what callers hand to ``decode_batch`` into one (N, 14) uint8 array and lengths.

Accepted: a ``skytrace.model.FrameBatch``; a ``(payload, lengths)`` tuple of numpy arrays;
a 2-D uint8 array (N, 7) or (N, 14); a sequence whose items are ``bytes`` (or anything with
a byte buffer: ``bytearray``, ``memoryview``, a uint8 array row) or hex ``str`` (whitespace
around it is ignored; AVR ``*...;`` framing is not: sources strip framing). An item that
cannot be read becomes a row with an error label, never an exception.

Pure; thread-safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch

__all__ = ["ERR_EMPTY", "ERR_NON_HEX", "ERR_ODD_HEX", "Frames", "to_frames"]

ERR_ODD_HEX: Final = 3
ERR_NON_HEX: Final = 4
ERR_EMPTY: Final = 6

Frames = tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]
"""(payload (N, 14) uint8, length (N,) uint8, input error code (N,) uint8)."""

_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")

MessageInput = (
    FrameBatch
    | tuple[npt.ArrayLike, npt.ArrayLike]
    | npt.NDArray[np.uint8]
    | Sequence[bytes | bytearray | memoryview | str]
)


def _from_arrays(payload_in: npt.ArrayLike, length_in: npt.ArrayLike | None) -> Frames:
    payload = np.asarray(payload_in)
    if payload.ndim != 2:
        raise TypeError("a payload array must be 2-D (N, 7) or (N, 14)")
    n, width = payload.shape
    if width > 14:
        raise TypeError(f"a payload array has at most 14 columns, not {width}")
    if width < 14 or payload.dtype != np.uint8 or not payload.flags.c_contiguous:
        padded = np.zeros((n, 14), np.uint8)
        padded[:, :width] = payload
        payload = padded
    if length_in is None:
        length = np.full(n, width, np.uint8)
    else:
        # Clip before narrowing so a length of 263 cannot wrap round to 7.
        length = np.clip(np.asarray(length_in), 0, 255).astype(np.uint8)
        if length.shape != (n,):
            raise TypeError(f"lengths must have shape ({n},), not {length.shape}")
    return payload, length, np.zeros(n, np.uint8)


def _from_sequence(messages: Sequence[bytes | bytearray | memoryview | str]) -> Frames:
    fast = _from_uniform_sequence(messages)
    if fast is not None:
        return fast
    return _from_items(messages)


def _buffer_bytes(item: object) -> bytes | None:
    """The bytes of anything with a byte buffer (bytes, bytearray, a uint8 array row)."""
    if isinstance(item, bytes):
        return item
    try:
        view = memoryview(item)  # type: ignore[arg-type]
    except TypeError:
        return None
    if view.itemsize != 1:
        return None  # e.g. an int64 array: its bytes are not the message
    return view.tobytes()


def _from_items(messages: Sequence[bytes | bytearray | memoryview | str]) -> Frames:
    """One item at a time: every kind of item, every kind of damage labelled."""
    n = len(messages)
    payload = np.zeros((n, 14), np.uint8)
    length = np.zeros(n, np.uint8)
    error = np.zeros(n, np.uint8)
    for i, msg in enumerate(messages):
        raw: bytes
        if isinstance(msg, str):
            text = msg.strip()
            if not text:
                error[i] = ERR_EMPTY
                continue
            if not _HEX_DIGITS.issuperset(text):
                error[i] = ERR_NON_HEX
                continue
            if len(text) % 2:
                error[i] = ERR_ODD_HEX
                continue
            raw = bytes.fromhex(text)
        else:
            raw_or_none = _buffer_bytes(msg)
            if raw_or_none is None:
                error[i] = ERR_NON_HEX  # neither text nor bytes
                continue
            raw = raw_or_none
            if not raw:
                error[i] = ERR_EMPTY
                continue
        size = len(raw)
        if size > 14:
            # Too long to hold: keep the length so the row is labelled wrong_length.
            length[i] = min(size, 255)
            continue
        payload[i, :size] = np.frombuffer(raw, np.uint8)
        length[i] = size
    return payload, length, error


def _from_uniform_sequence(
    messages: Sequence[bytes | bytearray | memoryview | str],
) -> Frames | None:
    """Fast path: all items bytes, or all hex str, of 7 or 14 bytes: joined, not looped over.

    Returns None when the input is mixed or has an item the per-item path must label.
    """
    n = len(messages)
    if n == 0:
        return None
    if all(type(m) is bytes for m in messages):
        as_bytes: Sequence[bytes] = messages  # type: ignore[assignment]
        scale = 1
    elif all(type(m) is str for m in messages):
        scale = 2
    else:
        return None
    sizes = np.fromiter(map(len, messages), np.intp, n)
    if not np.isin(sizes, (7 * scale, 14 * scale)).all():
        return None
    payload = np.zeros((n, 14), np.uint8)
    length = (sizes // scale).astype(np.uint8)
    for size in (7, 14):
        idx = np.flatnonzero(length == size)
        if idx.shape[0] == 0:
            continue
        if scale == 1:
            joined = b"".join([as_bytes[i] for i in idx.tolist()])
        else:
            try:
                joined = bytes.fromhex("".join([messages[i] for i in idx.tolist()]))  # type: ignore[misc]
            except ValueError:
                return None  # some item is not hex: let the per-item path label it
            if len(joined) != idx.shape[0] * size:
                return None  # whitespace inside an item shifted the bytes
        payload[idx, :size] = np.frombuffer(joined, np.uint8).reshape(-1, size)
    return payload, length, np.zeros(n, np.uint8)


def to_frames(messages: object) -> Frames:
    """Normalise any accepted input to (payload, length, input error); see module doc."""
    if isinstance(messages, FrameBatch):
        return _from_arrays(messages.payload, messages.length)
    if isinstance(messages, np.ndarray):
        return _from_arrays(messages, None)
    if (
        isinstance(messages, tuple)
        and len(messages) == 2
        and isinstance(messages[0], np.ndarray)
        and isinstance(messages[1], np.ndarray)
    ):
        return _from_arrays(messages[0], messages[1])
    if isinstance(messages, bytes | bytearray | str):
        # One message on its own is almost always a mistake for a batch call; decode it as one.
        return _from_sequence([messages])
    if isinstance(messages, Sequence):
        return _from_sequence(messages)
    if hasattr(messages, "__iter__"):
        return _from_sequence(list(messages))
    raise TypeError(
        "decode_batch takes a FrameBatch, (payload, lengths) arrays, or a sequence of bytes/hex"
    )
