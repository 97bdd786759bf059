"""Nothing lost (issue 18) and nothing twice (issue 12): retention, damaged files, a full disk,
foreign directories, duplicate rows and what the writer reports as stored."""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import DamagedFileError, StoreError
from skytrace.model import empty_positions
from skytrace.store import Store, open_reader
from skytrace.store import positions as pos
from tests.store.sample import sample_history, utc_s

NOW_2026 = utc_s("2026-11-30 12:00")


def _count(data_dir: Path, table: str = "positions") -> int:
    with open_reader(data_dir) as reader:
        return int(reader.sql(f"SELECT count(*) FROM {table}")[1][0][0])


def _rows_at(times: list[float], icao24: int = 0xABCDEF) -> np.ndarray:
    rows = empty_positions(len(times))
    rows["icao24"] = icao24
    rows["time_s"] = times
    rows["lat"] = 50.0 + np.arange(len(times)) * 1e-3
    rows["lon"] = 8.0
    return rows


# -- retention and time bounds ---------------------------------------------------------------


def test_one_row_dated_2099_is_refused_and_erases_nothing(tmp_path: Path) -> None:
    _, rows, _ = sample_history()
    with Store.open(tmp_path, retention_days=30, clock=lambda: NOW_2026) as store:
        store.write(rows)
        store.write(_rows_at([utc_s("2099-06-01 00:00")]))
    assert store.counts().positions_rejected == 1
    assert store.counts().positions_stored == len(rows)
    with Store.open(tmp_path, retention_days=30, clock=lambda: NOW_2026):
        pass  # the next writer open: retention must not erase the 2023 recording just written
    assert _count(tmp_path) == len(rows)


def test_a_2023_recording_lives_beside_2026_live_data(tmp_path: Path) -> None:
    _, old, _ = sample_history()
    live = _rows_at([NOW_2026 - 600.0 + k for k in range(10)])
    with Store.open(tmp_path, clock=lambda: NOW_2026) as store:
        store.write(live)
    with Store.open(tmp_path, clock=lambda: NOW_2026) as store:
        store.write(old)
    assert store.counts().positions_stored == len(old)
    with Store.open(tmp_path, clock=lambda: NOW_2026):
        pass
    assert _count(tmp_path) == len(old) + len(live)


def test_times_before_1990_or_ahead_of_the_clock_are_counted_not_stored(tmp_path: Path) -> None:
    times = [utc_s("1989-12-31 23:59"), NOW_2026 + 3600.0, NOW_2026 + 60.0, NOW_2026 - 60.0]
    with Store.open(tmp_path, clock=lambda: NOW_2026) as store:
        store.write(_rows_at(times))
    counts = store.counts()
    assert (counts.positions_rejected, counts.positions_stored) == (2, 2)
    assert _count(tmp_path) == 2


# -- damaged files ---------------------------------------------------------------------------


def _hour_dirs(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "store" / "positions").glob("*/*"))


def test_a_junk_newer_file_is_quarantined_and_the_good_hour_file_kept(tmp_path: Path) -> None:
    _, rows, _ = sample_history()
    with Store.open(tmp_path) as store:
        store.write(rows)
    hour = _hour_dirs(tmp_path)[0]
    (good,) = hour.glob("sorted-*.parquet")
    in_hour = len(pos.read_file(good))
    junk = hour / "sorted-009999.parquet"
    junk.write_bytes(b"PAR1" + bytes(500) + b"PAR1")
    with Store.open(tmp_path) as store:
        assert len(store.status().quarantined) == 1
    assert good.exists() and not junk.exists()
    assert next(p.name for p in (tmp_path / "store" / "quarantine").iterdir()).startswith(
        f"{hour.parent.name}_{hour.name}_sorted-009999.parquet"
    )
    assert _count(tmp_path) == len(rows)
    assert in_hour > 0


def _zero_bytes(path: Path, start: int, n: int = 200) -> None:
    data = bytearray(path.read_bytes())
    data[start : start + n] = bytes(n)
    path.write_bytes(bytes(data))


def test_zeroed_bytes_are_found_by_checksums_and_the_file_skipped(tmp_path: Path) -> None:
    _, rows, _ = sample_history()
    with Store.open(tmp_path) as store:
        store.write(rows)
    victim = max((p for h in _hour_dirs(tmp_path) for p in h.glob("sorted-*.parquet")),
                 key=lambda p: p.stat().st_size)  # fmt: skip
    lost = len(pos.read_file(victim))
    _zero_bytes(victim, victim.stat().st_size // 3)
    with pytest.raises(DamagedFileError, match=victim.name):
        pos.verify_file(victim)
    with open_reader(tmp_path) as reader:
        assert reader.sql("SELECT count(*) FROM positions")[1] == [(len(rows) - lost,)]
        assert list(reader.damaged) == [victim]


def test_a_damaged_segment_is_an_error_naming_it(tmp_path: Path) -> None:
    path, _ = pos.write_segment(tmp_path, 0, _rows_at([1000.0, 1001.0, 1002.0]), 1)
    assert len(pos.read_file(path)) == 3
    _zero_bytes(path, path.stat().st_size - 40, 8)
    with pytest.raises(DamagedFileError, match=path.name):
        pos.read_file(path)


# -- a full disk -----------------------------------------------------------------------------


class _FullDisk:
    """Stands in for ``positions.write_segment``: fails with ENOSPC while ``full`` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = threading.Event()
        self.failures = 0
        self._real = pos.write_segment
        monkeypatch.setattr(pos, "write_segment", self)

    def __call__(self, *args: object, **kwargs: object) -> object:
        if self.full.is_set():
            self.failures += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._real(*args, **kwargs)  # type: ignore[arg-type]


def test_a_full_disk_is_reported_at_once_retried_and_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _FullDisk(monkeypatch)
    _, rows, _ = sample_history()
    with Store.open(tmp_path, flush_interval_s=0.05) as store:
        store.write(rows[:100])
        store.flush()
        disk.full.set()
        store.write(rows[100:300])
        with pytest.raises(StoreError, match="No space left"):
            store.flush()
        status = store.status()
        assert status.state == "failing" and "No space left" in status.message
        assert status.counts.positions_pending == 200
        disk.full.clear()  # space is back
        store.flush()
        assert store.status().state == "writing"
        store.write(rows[300:])
    assert disk.failures >= 1
    assert store.counts().positions_stored == len(rows)
    assert _count(tmp_path) == len(rows)


def test_a_full_disk_pushes_back_instead_of_dropping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _FullDisk(monkeypatch)
    disk.full.set()
    batches = [_rows_at([utc_s("2023-09-12 00:00") + 10 * b + k for k in range(10)])
               for b in range(6)]  # fmt: skip
    freed_when_done: list[bool] = []
    store = Store.open(tmp_path, flush_interval_s=0.05, max_pending_rows=10, queue_batches=1)

    store.write(batches[0])
    with pytest.raises(StoreError, match="No space left"):
        store.flush()  # the writer now knows it cannot write, and holds 10 = max_pending_rows

    def produce() -> None:
        for b in batches[1:]:
            store.write(b)
        freed_when_done.append(not disk.full.is_set())

    producer = threading.Thread(target=produce)
    producer.start()
    for _ in range(20):  # whenever asked, it holds no more than the bound (+ one batch)
        assert store.status().counts.positions_pending <= 20
        time.sleep(0.01)
    disk.full.clear()
    producer.join()
    store.close()
    assert freed_when_done == [True]
    assert _count(tmp_path) == 60


def test_close_on_a_disk_that_stays_full_says_what_was_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _FullDisk(monkeypatch)
    store = Store.open(tmp_path, close_timeout_s=0.3)
    disk.full.set()
    store.write(_rows_at([utc_s("2023-09-12 00:00") + k for k in range(7)]))
    with pytest.raises(StoreError, match="could not store 7 positions"):
        store.close()


# -- directories skytrace did not make -------------------------------------------------------


def test_a_foreign_store_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "store"
    (foreign / "positions").mkdir(parents=True)
    notes = foreign / "positions" / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(StoreError, match="not made by skytrace"):
        Store.open(tmp_path)
    assert notes.read_text() == "mine"
    assert sorted(p.name for p in foreign.iterdir()) == ["positions"]


def test_an_empty_store_directory_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    with Store.open(tmp_path) as store:
        store.write(_rows_at([utc_s("2023-09-12 00:00")]))
    assert (tmp_path / "store" / "VERSION").exists()


def test_a_data_dir_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        Store.open(path)
    with pytest.raises(StoreError, match="not a directory"):
        open_reader(path)


# -- duplicates and re-ingest ----------------------------------------------------------------


def test_exact_duplicates_in_one_batch_are_stored_once(tmp_path: Path) -> None:
    _, rows, _ = sample_history()
    doubled = np.concatenate([rows[:500], rows[:500], rows[:100]])  # frames of one read
    with Store.open(tmp_path) as store:
        store.write(doubled)
    assert store.counts().positions_stored == 500
    assert store.counts().positions_duplicate == 600
    assert _count(tmp_path) == 500
    with open_reader(tmp_path) as reader:
        assert reader.sql(
            "SELECT count(*) FROM (SELECT DISTINCT icao24, timestamp, latitude, longitude "
            "FROM positions)"
        )[1] == [(500,)]


def test_reingesting_the_same_data_twice_adds_nothing(tmp_path: Path) -> None:
    flights, rows, events = sample_history()
    for _ in range(2):
        with Store.open(tmp_path) as store:
            store.write(rows, flights, events)
    second = store.counts()
    assert (second.positions_stored, second.positions_duplicate) == (0, len(rows))
    assert (second.events_stored, second.events_duplicate) == (0, len(events))
    assert _count(tmp_path) == len(rows)
    assert _count(tmp_path, "events") == len(events)
    assert _count(tmp_path, "flights") == len(flights)


def test_the_open_hour_is_read_without_duplicates_before_compaction(tmp_path: Path) -> None:
    rows = _rows_at([utc_s("2023-09-12 00:00") + k for k in range(20)])
    with Store.open(tmp_path, flush_interval_s=0.05) as store:
        store.write(rows)
        store.flush()
        store.write(rows.copy())
        store.flush()
        hour = _hour_dirs(tmp_path)[0]
        assert len(list(hour.glob("seg-*.npy"))) == 2  # not compacted yet
        assert _count(tmp_path) == 20
        with open_reader(tmp_path) as reader:
            assert len(reader.positions(0xABCDEF, 0, 2e9)) == 20


def test_dedupe_keeps_the_first_of_non_adjacent_repeats() -> None:
    rows = _rows_at([100.0] * 5)
    rows["lat"] = [1.0, 2.0, 1.0, 3.0, 2.0]
    out = pos.dedupe_sorted(rows)
    assert out["lat"].tolist() == [1.0, 2.0, 3.0]
    other = _rows_at([100.0, 100.0], icao24=0x123456)
    assert len(pos.dedupe_sorted(np.concatenate([other, rows]))) == 2 + 3


def test_summary_counts_are_what_the_store_holds(tmp_path: Path) -> None:
    rows = _rows_at([utc_s("2023-09-12 00:00"), 1e12])  # a trace row at +1e12 s
    with Store.open(tmp_path) as store:
        store.write(rows)
    assert store.counts().positions_stored == _count(tmp_path) == 1
    assert store.counts().positions_rejected == 1
