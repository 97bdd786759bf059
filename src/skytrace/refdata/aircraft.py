"""The aircraft table: 24-bit address -> registration, type, description, flags, operator.

This module owns the in-memory and on-disk shape of the aircraft database. Columns, one row
per address, sorted by address so that a batch look-up is one ``numpy.searchsorted``:

    icao24          uint32      24-bit address (unique)
    registration    <U          e.g. "P-671"
    typecode        int32 -> typecodes[]       ICAO type designator, e.g. "A148"
    description     int32 -> descriptions[]    e.g. "ANTONOV An-148"
    flags           uint8       bit 0 military, 1 interesting, 2 PIA, 3 LADD
    operator_icao   int32 -> operator_icaos[]  "" when the source has none
    operator_name   int32 -> operator_names[]

Repeated strings (types, descriptions, operators) are dictionary-encoded, so the 619,472 rows
of the tar1090-db file take about 30 MB. On disk it is one uncompressed ``.npz`` (no pickles)
that loads in well under a second. Read-only after construction; safe to share between threads.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import RefdataError

__all__ = [
    "FLAG_INTERESTING",
    "FLAG_LADD",
    "FLAG_MILITARY",
    "FLAG_PIA",
    "AircraftRow",
    "AircraftTable",
    "encode_strings",
]

FLAG_MILITARY: Final = 1
FLAG_INTERESTING: Final = 2
FLAG_PIA: Final = 4
FLAG_LADD: Final = 8

_STRING_COLUMNS = ("typecode", "description", "operator_icao", "operator_name")


@dataclass(frozen=True, slots=True)
class AircraftRow:
    icao24: int
    registration: str
    typecode: str
    description: str
    flags: int
    operator_icao: str
    operator_name: str

    @property
    def military(self) -> bool:
        return bool(self.flags & FLAG_MILITARY)


def encode_strings(values: Any) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """Dictionary-encode strings (a list or a pyarrow string array): (codes, distinct values
    in order of first appearance)."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.string())
    encoded = values.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    uniques = np.array(encoded.dictionary.to_pylist() or [""], dtype=str)
    return codes, uniques


class AircraftTable:
    """Columnar aircraft database (see the module docstring for the columns)."""

    def __init__(
        self,
        icao24: npt.NDArray[np.uint32],
        registration: npt.NDArray[np.str_],
        flags: npt.NDArray[np.uint8],
        codes: dict[str, npt.NDArray[np.int32]],
        values: dict[str, npt.NDArray[np.str_]],
    ) -> None:
        n = len(icao24)
        if any(len(a) != n for a in (registration, flags, *codes.values())):
            raise RefdataError("aircraft table columns differ in length")
        self.icao24 = icao24
        self.registration = registration
        self.flags = flags
        self.codes = codes
        self.values = values

    def __len__(self) -> int:
        return len(self.icao24)

    @classmethod
    def from_lists(
        cls,
        icao24: Sequence[int] | npt.NDArray[Any],
        registration: Sequence[str] | npt.NDArray[Any],
        typecode: Any,
        description: Any,
        flags: Sequence[int] | npt.NDArray[Any],
        operator_icao: Any,
        operator_name: Any,
    ) -> tuple[AircraftTable, int]:
        """Build from row-aligned columns (lists; numpy arrays for addresses, registrations
        and flags; lists or pyarrow arrays for the other strings); a repeated address keeps
        its last row.

        Returns the table and the number of rows dropped as duplicates.
        """
        addr = np.asarray(icao24, dtype=np.uint32)
        # Last occurrence of each address: unique over the reversed array.
        _, first_in_reversed = np.unique(addr[::-1], return_index=True)
        keep = len(addr) - 1 - first_in_reversed  # ascending address order
        columns = {
            "typecode": typecode,
            "description": description,
            "operator_icao": operator_icao,
            "operator_name": operator_name,
        }
        codes: dict[str, npt.NDArray[np.int32]] = {}
        values: dict[str, npt.NDArray[np.str_]] = {}
        for name, col in columns.items():
            c, v = encode_strings(col)
            codes[name] = c[keep] if len(c) else c
            values[name] = v
        reg = np.asarray(registration, dtype=str) if len(registration) else np.array([], "U1")
        table = cls(
            addr[keep],
            reg[keep] if len(reg) else reg,
            np.asarray(flags, dtype=np.uint8)[keep] if len(flags) else np.array([], np.uint8),
            codes,
            values,
        )
        return table, len(addr) - len(keep)

    # ---- look-ups -------------------------------------------------------------------------

    def _rank_index(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        """A bitmap of the 2**24 addresses (2 MiB) and the rows before each 64-bit word."""
        cached = self.__dict__.get("_rank")
        if cached is None:
            bits = np.zeros(1 << 24, dtype=bool)
            bits[self.icao24] = True
            words = np.packbits(bits, bitorder="little").view(np.uint64)
            before = np.concatenate([[0], np.cumsum(np.bitwise_count(words), dtype=np.int64)])
            cached = (words, before[:-1])
            self.__dict__["_rank"] = cached
        return cached

    def rows_many(self, icao24: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Row index of each address, -1 when absent (or not a 24-bit address).

        Rows are sorted by address, so an address's row is its rank among the table's
        addresses: one bitmap word look-up and a popcount per address (a ``searchsorted``
        of a million random addresses is several times slower: it misses the cache on each
        step of its binary search).
        """
        addr = np.asarray(icao24, dtype=np.int64)
        if len(self.icao24) == 0:
            return np.full(addr.shape, -1, np.int64)
        valid = (addr >= 0) & (addr < (1 << 24))
        query = np.where(valid, addr, 0).astype(np.uint64)
        words, before = self._rank_index()
        word_i = (query >> np.uint64(6)).astype(np.int64)
        bit = query & np.uint64(63)
        word = words[word_i]
        present = ((word >> bit) & np.uint64(1)).astype(bool) & valid
        lower = word & ((np.uint64(1) << bit) - np.uint64(1))
        rank = before[word_i] + np.bitwise_count(lower).astype(np.int64)
        return np.where(present, rank, -1)

    def column_many(self, name: str, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
        """A string column for row indexes (""/absent for -1)."""
        if name == "registration":
            out = self.registration[np.maximum(rows, 0)] if len(self) else None
            if out is None:
                return np.full(rows.shape, "", dtype="U1")
            return np.where(rows >= 0, out, "")
        vals = self.values[name]
        if len(self) == 0:
            return np.full(rows.shape, "", dtype="U1")
        return np.where(rows >= 0, vals[self.codes[name][np.maximum(rows, 0)]], "")

    def get(self, icao24: int) -> AircraftRow | None:
        """The row of one address, None when absent."""
        if not 0 <= icao24 < (1 << 24) or len(self.icao24) == 0:
            return None
        key = self.icao24.dtype.type(icao24)
        row = int(np.searchsorted(self.icao24, key))
        if row >= len(self.icao24) or self.icao24[row] != key:
            return None
        return AircraftRow(
            icao24=int(self.icao24[row]),
            registration=str(self.registration[row]),
            typecode=str(self.values["typecode"][self.codes["typecode"][row]]),
            description=str(self.values["description"][self.codes["description"][row]]),
            flags=int(self.flags[row]),
            operator_icao=str(self.values["operator_icao"][self.codes["operator_icao"][row]]),
            operator_name=str(self.values["operator_name"][self.codes["operator_name"][row]]),
        )

    def find_registration(self, registration: str) -> AircraftRow | None:
        """The row with this registration (case and dash insensitive), None when absent."""
        want = registration.upper().replace("-", "")
        norm = np.char.replace(np.char.upper(self.registration), "-", "")
        hits = np.flatnonzero(norm == want)
        return self.get(int(self.icao24[hits[0]])) if len(hits) else None

    # ---- storage --------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "icao24": self.icao24,
            "registration": self.registration,
            "flags": self.flags,
        }
        for name in _STRING_COLUMNS:
            arrays[f"{name}_code"] = self.codes[name]
            arrays[f"{name}_values"] = self.values[name]
        with path.open("wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> AircraftTable:
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(
                    z["icao24"],
                    z["registration"],
                    z["flags"],
                    {n: z[f"{n}_code"] for n in _STRING_COLUMNS},
                    {n: z[f"{n}_values"] for n in _STRING_COLUMNS},
                )
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise RefdataError(
                f"aircraft table {path} is unreadable ({exc}); import it again"
            ) from exc
