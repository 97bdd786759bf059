"""Row ordering for history detection: ``_order`` equals a stable (icao24, time_s) lexsort."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.flights.columns import Cols
from skytrace.flights.detector import _order
from skytrace.model import POSITION_DTYPE


def _rows(rng: np.random.Generator, n: int, addresses: list[int], shape: str) -> np.ndarray:
    rows = np.zeros(n, POSITION_DTYPE)
    rows["icao24"] = rng.choice(addresses, n)
    rows["time_s"] = np.round(rng.random(n) * 50.0)  # many equal times: stability matters
    rows["lat"] = np.arange(n)  # tells rows apart after gathering
    if shape == "time":
        rows = rows[np.argsort(rows["time_s"], kind="stable")]
    elif shape == "nearly-time":  # time-ordered but for a few late rows, as the store returns
        rows = rows[np.argsort(rows["time_s"], kind="stable")]
        late = rng.choice(n - 1, 3, replace=False)
        rows["time_s"][late] = rows["time_s"][late + 1] + 0.5
    elif shape == "nan":
        rows["time_s"][rng.choice(n, 3, replace=False)] = np.nan
    elif shape == "sorted":
        rows = rows[np.lexsort((rows["time_s"], rows["icao24"]))]
    return rows


@pytest.mark.parametrize("shape", ["random", "time", "nearly-time", "nan", "sorted"])
@pytest.mark.parametrize(
    "addresses",
    [[0x7277CF], [5, 3, 0x7277CF], [0xFFFFFF, 0x000001, 0x1000000], [0xFFFFFFFF, 2, 0x10000]],
)
def test_order_is_the_stable_address_time_lexsort(shape: str, addresses: list[int]) -> None:
    rng = np.random.default_rng(len(addresses) * 7 + len(shape))
    rows = _rows(rng, 500, addresses, shape)
    expected = np.lexsort((rows["time_s"], rows["icao24"]))
    order = _order(rows)
    got = np.arange(len(rows)) if order is None else order
    assert np.array_equal(got, expected)


def test_order_is_none_for_rows_already_in_address_time_order() -> None:
    rows = _rows(np.random.default_rng(3), 200, [1, 2, 3], "sorted")
    assert _order(rows) is None


@pytest.mark.parametrize("contiguous", [True, False])
def test_gathered_columns_equal_fancy_indexing(contiguous: bool) -> None:
    rng = np.random.default_rng(4)
    rows = _rows(rng, 300, [9, 4, 0xABCDEF], "random")
    rows["callsign"] = [f"C{i:05d}".encode() for i in range(len(rows))]
    if not contiguous:
        rows = rows[::2]
    order = rng.permutation(len(rows))
    cols = Cols.from_rows(rows, order)
    for name in ("icao24", "time_s", "lat", "callsign"):
        assert np.array_equal(cols[name], rows[name][order])
