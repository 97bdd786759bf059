"""A store filled once per session with the sample history (tests must not modify it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from skytrace.store import Store
from tests.store.sample import sample_history


def fill_store(data_dir: Path, *, batch_rows: int = 500) -> None:
    flights, rows, events = sample_history()
    with Store.open(data_dir, flush_interval_s=0.2) as store:
        # Every flight is written open first, then closed: the store must keep the last.
        store.write(rows[:0], [replace(f, status="open", landing_s=float("nan")) for f in flights])
        for i in range(0, len(rows), batch_rows):
            store.write(rows[i : i + batch_rows])
        store.write(rows[:0], flights, events)


@pytest.fixture(scope="session")
def filled_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("filled")
    fill_store(path)
    return path
