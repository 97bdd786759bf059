"""Lookup tables for the coded fields of Mode S: altitude, identity (squawk), callsign, movement.

Every table is built once at import from the definitions in ICAO Annex 10 Vol. IV and
DO-260B, then decoding a column is one ``table[code]`` gather.

Bit layouts (MSB first):

* 13-bit altitude code AC (DF0/4/16/20 bits 20-32):
  ``C1 A1 C2 A2 C4 A4 M B1 Q B2 D2 B4 D4``. M = 1: metric altitude (not decoded, flagged).
  Q = 1: the 11 other bits are a binary count N, altitude = 25 N - 1000 ft.
  Q = 0: Gillham (Gray) code in 100 ft steps: D2 D4 A1 A2 A4 B1 B2 B4 is a reflected
  binary count of 500 ft, C1 C2 C4 a five-state code of 100 ft inside it; the C bits all
  zero, or C states 5 and 6, are invalid codes. All 13 bits zero: altitude unknown.
* 12-bit altitude of an airborne position (ME bits 9-20) is the same code without M.
* 13-bit identity ID (DF5/21 bits 20-32, TC28 ME 12-24):
  ``C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4``; the squawk is the digits ABCD with
  A = A4 A2 A1 etc. Kept as the decimal number whose digits are the octal digits (7700).
* Callsign: 8 characters of 6 bits each (the ICAO 6-bit subset of IA-5).
* Surface movement (ME 6-12): a piecewise linear ground speed scale.

Pure: read-only tables, thread-safe.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "ALTITUDE_AC12_FT",
    "ALTITUDE_AC13_FT",
    "CALLSIGN_CHARS",
    "MOVEMENT_KT",
    "SQUAWK_ID13",
    "ac12_to_ac13",
]


def _bit(code: int, pos_from_msb: int, width: int = 13) -> int:
    return (code >> (width - 1 - pos_from_msb)) & 1


# Positions (0-based from MSB) of the named bits in a 13-bit AC / ID code.
_C1, _A1, _C2, _A2, _C4, _A4, _M, _B1, _Q, _B2, _D2, _B4, _D4 = range(13)
_D1 = _Q  # identity code: D1 sits where the altitude code has Q
_X = _M  # identity code: X sits where the altitude code has M


def _gray_to_binary(g: int) -> int:
    b = 0
    while g:
        b ^= g
        g >>= 1
    return b


def _gillham_100ft(code: int) -> float:
    """Altitude in feet of a Gillham-coded AC13 (Q = 0, M = 0), NaN for an invalid code."""
    c = (_bit(code, _C1) << 2) | (_bit(code, _C2) << 1) | _bit(code, _C4)
    if c == 0:
        return float("nan")  # C bits all zero never occur in a valid altitude
    fives = (
        (_bit(code, _D2) << 7)
        | (_bit(code, _D4) << 6)
        | (_bit(code, _A1) << 5)
        | (_bit(code, _A2) << 4)
        | (_bit(code, _A4) << 3)
        | (_bit(code, _B1) << 2)
        | (_bit(code, _B2) << 1)
        | _bit(code, _B4)
    )
    n500 = _gray_to_binary(fives)
    # The five valid C states decode to 1, 2, 3, 4 and 7 (the fifth step); 5 and 6 never occur.
    hundreds = {1: 1, 2: 2, 3: 3, 4: 4, 7: 5}.get(_gray_to_binary(c), 0)
    if hundreds == 0:
        return float("nan")
    if n500 & 1:
        hundreds = 6 - hundreds  # the 100 ft code runs backwards in odd 500 ft bands
    return float((n500 * 5 + hundreds - 13) * 100)


def _ac13(code: int) -> float:
    if code == 0:
        return float("nan")
    if _bit(code, _M):
        return float("nan")  # metric: flagged by the caller, no agreed encoding
    if _bit(code, _Q):
        n = ((code & 0x1F80) >> 2) | ((code & 0x0020) >> 1) | (code & 0x000F)
        return float(n * 25 - 1000)
    return _gillham_100ft(code)


def _build_ac13() -> npt.NDArray[np.float32]:
    return np.array([_ac13(code) for code in range(1 << 13)], np.float32)


def _build_squawk() -> npt.NDArray[np.uint16]:
    code = np.arange(1 << 13, dtype=np.int64)  # every code at once (a start-up cost)

    def digit(b4: int, b2: int, b1: int) -> npt.NDArray[np.int64]:
        return (_bit(code, b4) << 2) | (_bit(code, b2) << 1) | _bit(code, b1)  # type: ignore[arg-type, return-value]

    a, b = digit(_A4, _A2, _A1), digit(_B4, _B2, _B1)
    c, d = digit(_C4, _C2, _C1), digit(_D4, _D2, _D1)
    return (a * 1000 + b * 100 + c * 10 + d).astype(np.uint16)


def ac12_to_ac13(ac12: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Insert M = 0 into a 12-bit airborne altitude code, giving the 13-bit AC index."""
    a = ac12.astype(np.intp)
    return ((a & 0xFC0) << 1) | (a & 0x3F)


ALTITUDE_AC13_FT: Final = _build_ac13()
"""float32[8192]: feet for every 13-bit AC code, NaN when unknown, metric or invalid."""

ALTITUDE_AC12_FT: Final = ALTITUDE_AC13_FT[ac12_to_ac13(np.arange(1 << 12, dtype=np.uint64))]
"""float32[4096]: feet for every 12-bit ES airborne altitude code."""

SQUAWK_ID13: Final = _build_squawk()
"""uint16[8192]: squawk as the decimal number of its four octal digits (7700 -> 7700)."""

CALLSIGN_CHARS: Final = np.frombuffer(
    b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######", np.uint8
).copy()
"""uint8[64]: ASCII of each 6-bit callsign code; '#' marks codes outside the character set."""


def _build_movement() -> npt.NDArray[np.float32]:
    # DO-260B Table 2-9: (first code, speed at that code in kt, step in kt)
    bands = [(2, 0.125, 0.125), (9, 1.0, 0.25), (13, 2.0, 0.5), (39, 15.0, 1.0)]
    bands += [(94, 70.0, 2.0), (109, 100.0, 5.0)]
    out = np.full(128, np.nan, np.float32)
    out[1] = 0.0  # stopped (< 0.125 kt)
    for (first, speed, step), (nxt, _s, _t) in zip(
        bands, [*bands[1:], (124, 0.0, 0.0)], strict=True
    ):
        for code in range(first, nxt):
            out[code] = speed + (code - first) * step
    out[124] = 175.0  # 175 kt or more
    return out


MOVEMENT_KT: Final = _build_movement()
"""float32[128]: ground speed in kt of each surface movement code, NaN for 0 and 125-127."""
