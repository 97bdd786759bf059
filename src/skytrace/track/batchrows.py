"""Helpers over one batch's accepted rows, shared by the tracker's steps.

``BatchRows`` are the accepted rows of a batch sorted by (aircraft slot, time);
``latest``/``current``/``fresh`` find, for each position row, the value of a field current at
its time (the latest heard at or before it in the batch, else the aircraft's state) and
whether it is recent enough; ``CachedColumns`` looks each decoded column up once per batch.
Pure numpy; no state of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BatchRows",
    "CachedColumns",
    "current",
    "fresh",
    "last_of_runs",
    "latest",
    "squawk_text",
]


@dataclass(slots=True)
class BatchRows:
    """The accepted rows of a batch, sorted by (slot, time)."""

    di: npt.NDArray[np.intp]  # row in the frames / decoded batch
    slot: npt.NDArray[np.int32]
    time_s: npt.NDArray[np.float64]
    signal_dbfs: npt.NDArray[np.float32]
    n_receivers: npt.NDArray[np.uint16]
    receiver: npt.NDArray[np.uint32]
    source: npt.NDArray[np.uint8]
    es: npt.NDArray[np.bool_]
    msg: npt.NDArray[np.intp]  # index of the row's message in the DedupResult (its receivers)


class CachedColumns:
    """A decoded batch whose columns and masks are looked up once per ingest call.

    Column access on a DecodedBatch validates the name and may build an absent column; the
    tracker reads ~75 columns per batch, which for small live batches costs as much as the
    work itself."""

    __slots__ = ("_cols", "_decoded", "_masks", "ok")

    def __init__(self, decoded: Any) -> None:
        self._decoded = decoded
        self._cols: dict[str, npt.NDArray[Any]] = {}
        self._masks: dict[str, npt.NDArray[np.bool_]] = {}
        self.ok: npt.NDArray[np.bool_] = decoded.ok

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = self._decoded[name]
        return col

    def mask(self, name: str) -> npt.NDArray[np.bool_]:
        m = self._masks.get(name)
        if m is None:
            m = self._masks[name] = self._decoded.mask(name)
        return m

    def __contains__(self, name: object) -> bool:
        return name in self._decoded

    def __len__(self) -> int:
        return len(self._decoded)

    @property
    def filled_names(self) -> tuple[str, ...] | None:
        return getattr(self._decoded, "filled_names", None)


def last_of_runs(slot: npt.NDArray[np.int32]) -> npt.NDArray[np.intp]:
    """Index of the last row of each run of equal values (input sorted by slot)."""
    n = slot.size
    if n == 0:
        return np.empty(0, np.intp)
    end = np.ones(n, bool)
    end[:-1] = slot[1:] != slot[:-1]
    return np.flatnonzero(end)


def squawk_text(squawk: npt.NDArray[np.int32]) -> npt.NDArray[np.bytes_]:
    """4-digit squawk codes (octal digits read as decimal) as b"7700"; b"" when < 0."""
    digits = (squawk[:, None] // np.array([1000, 100, 10, 1])) % 10 + ord("0")
    text = np.ascontiguousarray(digits.astype(np.uint8)).view("S4").ravel()
    return np.where(squawk >= 0, text, b"")


def current(
    b: BatchRows,
    at: npt.NDArray[np.intp],
    here: npt.NDArray[np.floating[Any]],
    state_value: npt.NDArray[np.floating[Any]],
    state_time_s: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """For each row in ``at``: the latest value at or before it of the same aircraft
    (``here``: a column gathered at ``b``'s rows, NaN = absent), else the aircraft's state
    value; and when it was heard (NaN: never)."""
    j = latest(b, ~np.isnan(here), at)
    k = np.maximum(j, 0)
    got = j >= 0
    value = np.where(got, here[k], state_value).astype(np.float64)
    when = np.where(got, b.time_s[k], state_time_s)
    return value, when


def fresh(
    when_s: npt.NDArray[np.float64], time_s: npt.NDArray[np.float64], max_age_s: float
) -> npt.NDArray[np.bool_]:
    """Heard at most ``max_age_s`` before ``time_s`` (False for never)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(time_s - when_s <= max_age_s, np.bool_)


def latest(
    b: BatchRows, valid: npt.NDArray[np.bool_], at: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """For each row in ``at``, the latest row at or before it of the same aircraft where
    ``valid`` (rows are sorted by slot then time); -1 where there is none in this batch."""
    rows = np.flatnonzero(valid)
    if rows.size == 0:
        return np.full(at.shape, -1, np.intp)
    k = np.searchsorted(rows, at, side="right") - 1
    j = rows[np.maximum(k, 0)]
    return np.where((k >= 0) & (b.slot[j] == b.slot[at]), j, -1)
