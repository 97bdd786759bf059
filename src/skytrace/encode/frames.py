"""Assembling Mode S replies from their fields: header, data field, parity.

Owns the outer layout of every downlink format the encoder produces and the choice of parity:

    short (56 bits):  header 32 bits | parity 24 bits                     DF0/4/5/11/16
    long (112 bits):  header 32 bits | data 56 bits (ME or MB) | parity   DF17/18/20/21

The header is the first 32 bits (DF in the top 5). DF11/17/18 carry plain parity (PI: the
CRC-24 of the bits before it, XOR the interrogator code, 0 for squitters); the address/parity
formats DF0/4/5/16/20/21 carry AP = CRC-24 XOR the aircraft address, so a decoder recovers the
address from the remainder.

``Messages`` is what every builder returns: an (N, 14) uint8 payload, left-aligned and zero
padded like ``FrameBatch.payload``, and the length column (7 or 14). Pure and thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skytrace.encode.fields import U64, crc24
from skytrace.model import MAX_FRAME_BYTES

__all__ = ["Messages", "assemble_long", "assemble_short"]


@dataclass(frozen=True, slots=True)
class Messages:
    """Encoded replies as columns: ``payload`` (N, 14) uint8 and ``length`` (N,) uint8."""

    payload: npt.NDArray[np.uint8]
    length: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.length.shape[0])

    def hex(self) -> list[str]:
        """Each message as upper-case hex of its own length (28 or 14 digits)."""
        return [
            bytes(row[:n]).hex().upper() for row, n in zip(self.payload, self.length, strict=True)
        ]

    def to_bytes(self) -> list[bytes]:
        return [bytes(row[:n]) for row, n in zip(self.payload, self.length, strict=True)]

    @classmethod
    def concat(cls, parts: list[Messages]) -> Messages:
        if not parts:
            return cls(np.zeros((0, MAX_FRAME_BYTES), np.uint8), np.zeros(0, np.uint8))
        return cls(
            np.concatenate([p.payload for p in parts]),
            np.concatenate([p.length for p in parts]),
        )


def _big_endian_bytes(values: U64, n_bytes: int) -> npt.NDArray[np.uint8]:
    """The low ``n_bytes`` bytes of each uint64, most significant first, as (N, n_bytes)."""
    be = np.ascontiguousarray(values, dtype=">u8").reshape(-1)
    return be.view(np.uint8).reshape(-1, 8)[:, 8 - n_bytes :]


def _parity(data: npt.NDArray[np.uint8], xor: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    remainder = crc24(data) ^ np.asarray(xor, np.uint32)
    return _big_endian_bytes(remainder.astype(np.uint64), 3)


def _header(df: npt.ArrayLike, low27: npt.ArrayLike) -> U64:
    df64 = np.asarray(df, np.uint64)
    low = np.asarray(low27, np.uint64) & ((1 << 27) - 1)
    return (df64 << 27) | low


def assemble_short(df: npt.ArrayLike, low27: npt.ArrayLike, parity_xor: npt.ArrayLike) -> Messages:
    """56-bit replies: DF (5 bits), the next 27 bits, parity = CRC XOR ``parity_xor``."""
    header, xor = np.broadcast_arrays(
        np.atleast_1d(_header(df, low27)), np.atleast_1d(np.asarray(parity_xor, np.uint32))
    )
    n = header.shape[0]
    payload = np.zeros((n, MAX_FRAME_BYTES), np.uint8)
    payload[:, 0:4] = _big_endian_bytes(header, 4)
    payload[:, 4:7] = _parity(payload[:, 0:4], xor)
    return Messages(payload, np.full(n, 7, np.uint8))


def assemble_long(
    df: npt.ArrayLike, low27: npt.ArrayLike, data56: npt.ArrayLike, parity_xor: npt.ArrayLike
) -> Messages:
    """112-bit replies: DF, 27 header bits, 56 data bits (ME / MB), parity = CRC XOR ``xor``."""
    header, data, xor = np.broadcast_arrays(
        np.atleast_1d(_header(df, low27)),
        np.atleast_1d(np.asarray(data56, np.uint64)),
        np.atleast_1d(np.asarray(parity_xor, np.uint32)),
    )
    n = header.shape[0]
    payload = np.zeros((n, MAX_FRAME_BYTES), np.uint8)
    payload[:, 0:4] = _big_endian_bytes(header, 4)
    payload[:, 4:11] = _big_endian_bytes(data & ((1 << 56) - 1), 7)
    payload[:, 11:14] = _parity(payload[:, 0:11], xor)
    return Messages(payload, np.full(n, 14, np.uint8))
