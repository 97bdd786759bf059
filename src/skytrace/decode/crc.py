"""CRC-24 parity of Mode S replies, vectorized, and the single-bit error syndrome tables.

Standard: ICAO Annex 10 Vol. IV §3.1.2.3.3 (generator polynomial
x^24 + x^23 + ... + x^10 + x^3 + 1, i.e. 0x1FFF409). The parity field is the last 24 bits of a
reply: for DF11/17/18 it is the plain parity (DF11 may overlay the interrogator code on its
low 7 bits), for the address/parity formats (DF0/4/5/16/20/21/24) it is parity XOR address.

The remainder is linear in the message bits, so the CRC of the data part is the XOR of one
table entry per data byte: ``table[pos, byte]`` is the remainder contributed by that byte at
that position. A 112-bit reply costs 11 table lookups, a 56-bit one 4, all vectorized over rows.

``syndrome = crc(data) XOR parity_field``: zero for a clean DF17/18, the address for the
address/parity formats. A single flipped bit gives a syndrome that depends only on the bit's
position; the sorted tables below find that position with one ``searchsorted``.

Pure, import-time tables only; thread-safe.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "GENERATOR",
    "crc_remainder",
    "locate_single_bit_error",
    "parity_field",
]

GENERATOR: Final = 0x1FFF409
"""The 25-bit generator polynomial of the Mode S CRC."""

_FIRST_FIXABLE_BIT: Final = 5
"""Bits 1-5 (0-based 0-4) are the DF: flipping them would change the format, never fix it."""


def _bit_syndromes(n_bits: int) -> npt.NDArray[np.uint32]:
    """Syndrome of a single flipped bit at each 0-based position of an ``n_bits`` reply."""
    n_data = n_bits - 24
    # x^k mod G for k = 24 .. n_data - 1 + 24: the remainder of a data bit k places from the end.
    powers = [0] * (n_data + 24)
    r = 1
    for k in range(n_data + 24):
        powers[k] = r
        r <<= 1
        if r & (1 << 24):
            r ^= GENERATOR
    out = np.empty(n_bits, np.uint32)
    for i in range(n_data):
        out[i] = powers[n_data - 1 - i + 24]
    for j in range(24):
        out[n_data + j] = 1 << (23 - j)
    return out


def _byte_table(n_bits: int) -> npt.NDArray[np.uint32]:
    """``table[pos * 256 + byte]``: remainder contributed by ``byte`` at data byte ``pos``."""
    syn = _bit_syndromes(n_bits)
    n_data_bytes = (n_bits - 24) // 8
    values = np.arange(256, dtype=np.uint32)
    table = np.zeros((n_data_bytes, 256), np.uint32)
    for pos in range(n_data_bytes):
        for bit in range(8):
            set_rows = (values >> (7 - bit)) & 1 == 1
            table[pos, set_rows] ^= syn[pos * 8 + bit]
    return table.reshape(-1)


_LONG_SYNDROMES: Final = _bit_syndromes(112)
_SHORT_SYNDROMES: Final = _bit_syndromes(56)
_LONG_TABLE: Final = _byte_table(112)
_SHORT_TABLE: Final = _byte_table(56)


def _sorted_lookup(
    syn: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int16]]:
    positions = np.arange(_FIRST_FIXABLE_BIT, syn.shape[0], dtype=np.int16)
    values = syn[_FIRST_FIXABLE_BIT:]
    order = np.argsort(values, kind="stable")
    return values[order], positions[order]


_LONG_LOOKUP: Final = _sorted_lookup(_LONG_SYNDROMES)
_SHORT_LOOKUP: Final = _sorted_lookup(_SHORT_SYNDROMES)


def crc_remainder(payload: npt.NDArray[np.uint8], n_bytes: int) -> npt.NDArray[np.uint32]:
    """CRC-24 of the data part (all but the last 3 bytes) of each row, for replies of ``n_bytes``.

    ``payload`` is (N, >= n_bytes) uint8; only the first ``n_bytes - 3`` columns are read.
    """
    table = _LONG_TABLE if n_bytes == 14 else _SHORT_TABLE
    crc = np.zeros(payload.shape[0], np.uint32)
    for pos in range(n_bytes - 3):
        # Index arithmetic in intp keeps numpy from a uint8 overflow.
        crc ^= table[payload[:, pos].astype(np.intp) + pos * 256]
    return crc


def parity_field(payload: npt.NDArray[np.uint8], n_bytes: int) -> npt.NDArray[np.uint32]:
    """The last 24 bits (parity / address-parity field) of each ``n_bytes`` reply."""
    p = payload[:, n_bytes - 3 : n_bytes].astype(np.uint32)
    field = (p[:, 0] << np.uint32(16)) | (p[:, 1] << np.uint32(8)) | p[:, 2]
    return field.astype(np.uint32, copy=False)


def locate_single_bit_error(
    syndrome: npt.NDArray[np.uint32], n_bytes: int
) -> npt.NDArray[np.int16]:
    """0-based bit position whose flip explains each syndrome, or -1 when none does.

    Only positions after the DF field are considered (a flipped DF bit changes the format).
    """
    values, positions = _LONG_LOOKUP if n_bytes == 14 else _SHORT_LOOKUP
    k = np.searchsorted(values, syndrome)
    k_clipped = np.minimum(k, values.shape[0] - 1)
    hit = values[k_clipped] == syndrome
    return np.where(hit, positions[k_clipped], np.int16(-1)).astype(np.int16)
