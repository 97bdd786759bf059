"""Field codings shared by the Mode S message builders: CRC-24, altitude, squawk, callsign, CPR.

Owns the bit-level encodings that several downlink formats share, all vectorized over numpy
arrays (scalars broadcast) and pure (no state, thread-safe):

- CRC-24 parity (ICAO Annex 10 Vol IV §3.1.2.3.3, generator 0xFFF409) over the first
  ``n - 3`` bytes of each message, table-driven one byte column at a time.
- Altitude codes with Q = 1 (25 ft steps, -1,000 .. 50,175 ft): the 13-bit AC field of DF0/4/16/20
  (M bit 7 = 0, Q bit 9 = 1) and the 12-bit field of airborne-position squitters (Q bit 8 = 1).
- Mode A identity (squawk) as the 13-bit Gillham-interleaved field
  ``C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4`` of DF5/21 and of TC 28.
- Callsigns: 8 characters of 6 bits from the ICAO Annex 10 charset (A-Z = 1..26, space = 32,
  0-9 = 48..57); lower case is upper-cased, any other character becomes a space.
- CPR encoding (DO-260B §A.1.7.1, Nb = 17; surface positions use a 90° span, which is the
  standard's Nb = 19 truncated to 17 bits). NL comes from ``skytrace.decode.cpr.nl`` so that
  encoder and decoder agree on every zone edge.

Units: feet, degrees; squawks are given as the four octal digits written as a decimal number
(7700 means code 7700), as the decoder returns them.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.decode.cpr import nl
from skytrace.errors import UsageError

__all__ = [
    "ALTITUDE_MAX_FT",
    "ALTITUDE_MIN_FT",
    "CALLSIGN_CHARSET",
    "ac12_code",
    "ac13_code",
    "callsign_code",
    "cpr_encode",
    "crc24",
    "squawk_code",
]

# numpy's stubs type shifts of uint64 arrays as signed; any integer array is fine here.
U64 = npt.NDArray[np.integer[Any]]
F64 = npt.NDArray[np.float64]


def as_u64(values: npt.ArrayLike) -> U64:
    """Field values as a uint64 array, the type every bit field is assembled in."""
    return np.asarray(values, np.uint64)


def as_f64(values: npt.ArrayLike) -> F64:
    """Physical values (ft, kt, degrees) as a float64 array before quantization."""
    return np.asarray(values, np.float64)


ALTITUDE_MIN_FT: Final = -1000.0
ALTITUDE_MAX_FT: Final = -1000.0 + 25.0 * 2047  # 50,175 ft: the top of the 25 ft (Q = 1) coding

CALLSIGN_CHARSET: Final = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"

_GENERATOR: Final = 0xFFF409


def _crc_table() -> npt.NDArray[np.uint32]:
    table = np.zeros(256, np.uint32)
    for byte in range(256):
        crc = byte << 16
        for _ in range(8):
            crc = ((crc << 1) ^ _GENERATOR) if crc & 0x800000 else (crc << 1)
        table[byte] = crc & 0xFFFFFF
    return table


_CRC_TABLE: Final = _crc_table()


def crc24(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint32]:
    """CRC-24 remainder of each row of ``data`` (N, k): the bytes before the parity field."""
    rows = np.atleast_2d(np.asarray(data, np.uint8))
    crc = np.zeros(rows.shape[0], np.uint32)
    for col in range(rows.shape[1]):
        idx = ((crc >> 16) ^ rows[:, col]) & 0xFF
        crc = ((crc << 8) & 0xFFFFFF) ^ _CRC_TABLE[idx]
    return crc


def _altitude_n(altitude_ft: npt.ArrayLike) -> U64:
    alt = np.clip(np.asarray(altitude_ft, np.float64), ALTITUDE_MIN_FT, ALTITUDE_MAX_FT)
    return np.rint((alt - ALTITUDE_MIN_FT) / 25.0).astype(np.uint64)


def ac13_code(altitude_ft: npt.ArrayLike) -> U64:
    """13-bit AC field (DF0/4/16/20): 25 ft coding, M = 0, Q = 1; altitudes are clipped."""
    n = _altitude_n(altitude_ft)
    return ((n >> 5) << 7) | (((n >> 4) & 1) << 5) | np.uint64(0x10) | (n & 0xF)


def ac12_code(altitude_ft: npt.ArrayLike) -> U64:
    """12-bit altitude of an airborne-position squitter: 25 ft coding, Q = 1."""
    n = _altitude_n(altitude_ft)
    return ((n >> 4) << 5) | np.uint64(0x10) | (n & 0xF)


def squawk_code(squawk: npt.ArrayLike) -> U64:
    """13-bit Gillham-interleaved identity field from squawks written as decimals (7700).

    Raises ``UsageError`` when a digit is not octal (0-7) or the value is out of range.
    """
    sq = np.asarray(squawk, np.int64)
    digits = [(sq // 1000) % 10, (sq // 100) % 10, (sq // 10) % 10, sq % 10]
    if np.any((sq < 0) | (sq > 7777)) or any(np.any(d > 7) for d in digits):
        raise UsageError("squawk must be four octal digits (0000-7777)")
    a, b, c, d = (x.astype(np.uint64) for x in digits)

    def bit(value: U64, weight: int) -> U64:
        return (value >> (weight.bit_length() - 1)) & 1

    code = (
        (bit(c, 1) << 12)
        | (bit(a, 1) << 11)
        | (bit(c, 2) << 10)
        | (bit(a, 2) << 9)
        | (bit(c, 4) << 8)
        | (bit(a, 4) << 7)
        | (bit(b, 1) << 5)
        | (bit(d, 1) << 4)
        | (bit(b, 2) << 3)
        | (bit(d, 2) << 2)
        | (bit(b, 4) << 1)
        | bit(d, 4)
    )
    return np.asarray(code, np.uint64)


def _charset_lut() -> npt.NDArray[np.uint64]:
    lut = np.full(256, 32, np.uint64)  # anything unknown becomes a space
    for code, char in enumerate(CALLSIGN_CHARSET):
        if char != "#":
            lut[ord(char)] = code
            lut[ord(char.lower())] = code
    return lut


_CHARSET_LUT: Final = _charset_lut()


def callsign_code(callsign: npt.ArrayLike) -> U64:
    """48-bit field of 8 six-bit characters; shorter callsigns are padded with spaces."""
    raw = np.asarray(callsign)
    if raw.dtype.kind == "U":
        raw = np.char.encode(raw, "ascii", "replace")
    fixed = np.asarray(raw, "S8")
    padded = np.ascontiguousarray(fixed)
    # Unused bytes of an "S8" are NUL; the LUT turns them (like any unknown byte) into spaces.
    chars = np.frombuffer(padded.tobytes(), np.uint8)
    codes = _CHARSET_LUT[chars.reshape(-1, 8)]
    out: U64 = np.zeros(codes.shape[0], np.uint64)
    for k in range(8):
        out = (out << 6) | codes[:, k]
    return out.reshape(fixed.shape)


def cpr_encode(
    lat_deg: npt.ArrayLike,
    lon_deg: npt.ArrayLike,
    odd: npt.ArrayLike,
    *,
    surface: bool = False,
) -> tuple[U64, U64]:
    """17-bit CPR latitude and longitude fields (YZ, XZ) of each position, even or odd format."""
    lat = np.asarray(lat_deg, np.float64)
    lon = np.asarray(lon_deg, np.float64)
    odd_i = np.asarray(odd, np.bool_).astype(np.float64)
    span = 90.0 if surface else 360.0
    scale = float(1 << 17)
    dlat = span / (60.0 - odd_i)
    yz = np.floor(scale * np.mod(lat, dlat) / dlat + 0.5)
    rlat = dlat * (yz / scale + np.floor(lat / dlat))
    # NL of the latitude the receiver will reconstruct, so both sides use the same zone count.
    n_lon = np.maximum(nl(rlat) - odd_i, 1.0)
    dlon = span / n_lon
    xz = np.floor(scale * np.mod(lon, dlon) / dlon + 0.5)
    mask = (1 << 17) - 1
    return (yz.astype(np.uint64) & mask), (xz.astype(np.uint64) & mask)
