"""``DecodedBatch``: the decoder's output, numpy columns aligned 1:1 with the input frames.

Columns are those of ``skytrace.decode.fields.FIELDS``. A column that no row filled is
materialised on first access (all absent), so a batch of DF11 replies never allocates the
hundred ES columns. Float columns mark absence with NaN; every column also has a presence
mask (``batch.mask(name)``), stored for non-float columns and derived from NaN for floats.

Columns that a message group filled are kept as (rows, values) pieces and built into
full-length arrays on first read. Reading a batch therefore writes its private caches: share
a batch between threads only after ``materialize()``, which builds every filled column, after
which reads are safe from several threads. Callers never fill a batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.decode.fields import ERROR_LABELS, FIELD_BY_NAME, FIELDS, Field

__all__ = ["DecodedBatch"]

_ERROR_ARRAY = np.array(ERROR_LABELS, dtype=object)

_Piece = tuple[npt.NDArray[np.intp], Any, "npt.NDArray[np.bool_] | None"]


def _fill_value(field: Field) -> Any:
    kind = np.dtype(field.dtype).kind
    if kind == "f":
        return np.nan
    if field.name == "cpr_format" or field.name == "onground":
        return -1
    if kind in "SUO":
        return ""
    return 0


class DecodedBatch:
    """Decoded Mode S frames as numpy columns by field name (see docs/decoded-fields.md).

    ``batch["altitude_ft"]`` is a column, ``batch.mask("squawk")`` says where it holds a
    value, ``batch.error`` the per-row label ("" when the row decoded), ``len(batch)`` the
    number of input frames.
    """

    __slots__ = ("_cols", "_error_code", "_masks", "_n", "_pieces")

    def __init__(self, n: int) -> None:
        self._n = n
        self._cols: dict[str, npt.NDArray[Any]] = {}
        self._masks: dict[str, npt.NDArray[np.bool_]] = {}
        # Values set on a subset of rows, kept as (rows, values, present) until the column is
        # first read: the decoder works per message group, and most columns concern a few
        # groups, so the full-length column is built once, only when someone reads it.
        self._pieces: dict[str, list[_Piece]] = {}
        self._error_code: npt.NDArray[np.uint8] = np.zeros(n, np.uint8)

    # --- filling (decoder side) ---

    def _column(self, name: str) -> npt.NDArray[Any]:
        col = self._cols.get(name)
        if col is None:
            field = FIELD_BY_NAME[name]
            fill = _fill_value(field)
            if fill == 0 or fill == "":
                col = np.zeros(self._n, dtype=field.dtype)  # calloc: no pass over memory
                if col.dtype.kind == "O":
                    col[:] = ""
            else:
                col = np.full(self._n, fill, dtype=field.dtype)
            self._cols[name] = col
        pieces = self._pieces.pop(name, None)
        if pieces:
            self._apply(name, col, pieces)
        return col

    def _apply(self, name: str, col: npt.NDArray[Any], pieces: list[_Piece]) -> None:
        is_float = col.dtype.kind == "f"
        mask = None
        if not is_float:
            mask = self._masks.get(name)
            if mask is None:
                mask = np.zeros(self._n, np.bool_)
                self._masks[name] = mask
        for rows, values, present in pieces:
            col[rows] = values
            if present is None:
                if mask is not None:
                    mask[rows] = True
                continue
            absent_rows = rows[~present]
            col[absent_rows] = np.nan if is_float else _fill_value(FIELD_BY_NAME[name])
            if mask is not None:
                mask[rows] = present

    def _put(
        self,
        name: str,
        rows: npt.NDArray[np.intp],
        values: npt.ArrayLike,
        present: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        """Set ``name`` at ``rows``; ``present`` (default all) marks which rows hold a value."""
        piece = (rows, values, present)
        pieces = self._pieces.get(name)
        if pieces is None:
            self._pieces[name] = [piece]
        else:
            pieces.append(piece)

    def materialize(self) -> DecodedBatch:
        """Build every filled column and mask now (before sharing the batch across threads)."""
        for name in list(self._pieces):
            self._column(name)
        return self

    def _filled(self, name: str) -> bool:
        return name in self._cols or name in self._pieces

    def _set_error(self, rows: npt.NDArray[np.intp], code: int) -> None:
        self._error_code[rows] = code

    # --- reading ---

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        if name not in FIELD_BY_NAME:
            raise KeyError(f"no decoded field {name!r} (see skytrace.decode.FIELDS)")
        return self._column(name)

    def __contains__(self, name: object) -> bool:
        return name in FIELD_BY_NAME

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, in documentation order."""
        return tuple(f.name for f in FIELDS)

    @property
    def filled_names(self) -> tuple[str, ...]:
        """Names of the columns at least one row of this batch filled."""
        return tuple(f.name for f in FIELDS if self._filled(f.name))

    def mask(self, name: str) -> npt.NDArray[np.bool_]:
        """Boolean column: True where ``name`` holds a value."""
        col = self[name]
        if col.dtype.kind == "f":
            present: npt.NDArray[np.bool_] = ~np.isnan(col)
            return present
        mask = self._masks.get(name)
        if mask is None:
            return np.zeros(self._n, np.bool_)
        return mask

    @property
    def error_code(self) -> npt.NDArray[np.uint8]:
        """Per-row index into ``ERROR_LABELS`` (0 = decoded)."""
        return self._error_code

    @property
    def error(self) -> npt.NDArray[np.object_]:
        """Per-row reason a row was not decoded (str), "" for decoded rows."""
        labels: npt.NDArray[np.object_] = _ERROR_ARRAY[self._error_code]
        return labels

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Rows that decoded (no error label). Parity is a separate matter: see crc_ok."""
        decoded: npt.NDArray[np.bool_] = self._error_code == 0
        return decoded

    def take(self, index: npt.ArrayLike) -> DecodedBatch:
        """Rows selected by an integer index or a boolean mask, as a new batch."""
        idx = np.asarray(index)
        if idx.dtype == np.bool_:
            idx = np.flatnonzero(idx)
        out = DecodedBatch(int(idx.shape[0]))
        for name in self.filled_names:
            out._cols[name] = self._column(name)[idx]
        for name, mask in self._masks.items():
            out._masks[name] = mask[idx]
        out._error_code = self._error_code[idx]
        return out

    def to_pylist(self) -> list[dict[str, Any]]:
        """One dict per row with the present fields only (JSON-ready values)."""
        rows: list[dict[str, Any]] = [{} for _ in range(self._n)]
        for field in FIELDS:
            if not self._filled(field.name):
                continue
            mask = self.mask(field.name)
            where = np.flatnonzero(mask)
            if where.shape[0] == 0:
                continue
            values = _python_values(field, self._column(field.name)[where])
            name = field.name
            for i, v in zip(where.tolist(), values, strict=True):
                rows[i][name] = v
        for i in np.flatnonzero(self._error_code).tolist():
            rows[i]["error"] = ERROR_LABELS[int(self._error_code[i])]
        return rows

    def __repr__(self) -> str:
        bad = int(np.count_nonzero(self._error_code))
        filled = len(self.filled_names)
        return f"DecodedBatch({self._n} rows, {bad} labelled, {filled} filled columns)"


def _python_values(field: Field, values: npt.NDArray[Any]) -> list[Any]:
    if field.py == "hex24":
        return [f"{v:06x}" for v in values.tolist()]
    if field.py == "squawk":
        return [f"{v:04d}" for v in values.tolist()]
    if field.py == "text":
        if values.dtype.kind == "S":
            return [v.decode("ascii", "replace").rstrip() for v in values.tolist()]
        return [str(v) for v in values.tolist()]
    if values.dtype.kind == "f":
        # Shortest repr of the float32 (139.20129, not 139.2012939453125).
        return [float(str(v)) for v in values]
    return list(values.tolist())
