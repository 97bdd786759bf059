"""Writer and reader of the history store on the sample history, with expected answers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import StoreError, StoreLockedError, UsageError
from skytrace.model import AircraftIdentity, EventKind, ReceiverStats, empty_positions
from skytrace.store import FlightQuery, Store, open_reader
from tests.store.sample import sample_flights, sample_history, utc_s


def test_flight_roundtrip_keeps_every_field(filled_dir: Path) -> None:
    flights, _, _ = sample_history()
    with open_reader(filled_dir) as reader:
        for f in flights:
            assert reader.flight(f.flight_id) == f


def test_flight_ids_are_upserted_not_duplicated(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader:
        _cols, rows = reader.sql("SELECT flight_id, count(*) FROM flights GROUP BY 1")
        assert all(n == 1 for _, n in rows)
        assert len(rows) == 4
        assert reader.flight("7277cf-20230912-0214").status == "closed"


def test_unknown_flight_is_a_clear_error(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader, pytest.raises(StoreError, match="unknown flight"):
        reader.flight("000000-20230912-0000")


def test_flight_positions_come_back_in_time_order(filled_dir: Path) -> None:
    first = sample_flights()[0]
    with open_reader(filled_dir) as reader:
        got = reader.flight_positions(first.flight.flight_id)
    want = first.positions
    assert len(got) == len(want)
    assert np.array_equal(got["time_s"], want["time_s"])
    assert np.allclose(got["lat"], want["lat"], atol=1e-5)
    assert np.allclose(got["lon"], want["lon"], atol=2e-5)
    assert np.array_equal(got["altitude_ft"], want["altitude_ft"])
    # NaN (unknown) survives as NaN, known values as themselves.
    assert np.array_equal(np.isnan(got["geo_altitude_ft"]), np.isnan(want["geo_altitude_ft"]))
    assert set(got["callsign"].tolist()) == {b"KOR151"}
    assert (got["squawk"] == b"1234").all() and (got["n_receivers"] == 3).all()


def test_positions_window_is_inclusive_and_per_aircraft(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader:
        got = reader.positions(0x7277CF, utc_s("2023-09-12 02:59:50"), utc_s("2023-09-12 03:00:10"))
    assert got["time_s"].tolist() == [utc_s(f"2023-09-12 0{t}") for t in
                                      ("2:59:50", "3:00:00", "3:00:10")]  # fmt: skip
    assert set(got["icao24"].tolist()) == {0x7277CF}


def test_every_position_is_stored_once(filled_dir: Path) -> None:
    _, rows, _ = sample_history()
    with open_reader(filled_dir) as reader:
        _, [(n, distinct)] = reader.sql(
            "SELECT count(*), count(DISTINCT (icao24, timestamp)) FROM positions"
        )
    assert n == distinct == len(rows)


def test_closed_hours_are_compacted_into_one_sorted_file(filled_dir: Path) -> None:
    hour = filled_dir / "store" / "positions" / "2023-09-12" / "02"
    names = sorted(p.name for p in hour.iterdir())
    assert len(names) == 1 and names[0].startswith("sorted-")
    import pyarrow.parquet as pq

    table = pq.read_table(hour / names[0])
    keys = list(
        zip(table.column("icao24").to_pylist(), table.column("timestamp").to_pylist(), strict=False)
    )
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (FlightQuery(), ["7277cf-20230912-0214", "3946e0-20230912-0230",
                         "7277cf-20230912-0600", "3946e0-20230913-0900"]),
        (FlightQuery(origin="ZKPY", destination="UHWW"), ["7277cf-20230912-0214"]),
        (FlightQuery(origin="FNJ", destination="vvo"), ["7277cf-20230912-0214"]),
        (FlightQuery(operator="KOR"), ["7277cf-20230912-0214", "7277cf-20230912-0600"]),
        (FlightQuery(operator_name="air france"), ["3946e0-20230912-0230", "3946e0-20230913-0900"]),
        (FlightQuery(typecode="a320", start_s=utc_s("2023-09-13 00:00")),
         ["3946e0-20230913-0900"]),
        (FlightQuery(registration="p671"), ["7277cf-20230912-0214", "7277cf-20230912-0600"]),
        (FlightQuery(icao24=0x3946E0, end_s=utc_s("2023-09-13 00:00")),
         ["3946e0-20230912-0230"]),
        (FlightQuery(callsign="kor152"), ["7277cf-20230912-0600"]),
        (FlightQuery(limit=1), ["7277cf-20230912-0214"]),
        (FlightQuery(origin="EGLL", destination="ZKPY"), []),
    ],
)  # fmt: skip
def test_flight_filters(filled_dir: Path, query: FlightQuery, expected: list[str]) -> None:
    with open_reader(filled_dir) as reader:
        assert [f.flight_id for f in reader.flights(query)] == expected


def test_unknown_iata_code_is_a_usage_error(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader, pytest.raises(UsageError, match="QQ9"):
        reader.flights(FlightQuery(origin="QQ9"))


def test_board_splits_departures_and_arrivals(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader:
        deps, arrs = reader.board("ZKPY", utc_s("2023-09-12 00:00"), utc_s("2023-09-13 00:00"))
    assert [f.flight_id for f in deps] == ["7277cf-20230912-0214"]
    assert [f.flight_id for f in arrs] == ["7277cf-20230912-0600"]


def test_history_by_hex_and_registration(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader:
        by_hex = [f.flight_id for f in reader.history(0x3946E0)]
        by_reg = [f.flight_id for f in reader.history("F-GKXA")]
    assert by_hex == by_reg == ["3946e0-20230912-0230", "3946e0-20230913-0900"]


def test_events_by_flight_and_time(filled_dir: Path) -> None:
    with open_reader(filled_dir) as reader:
        evs = reader.events(flight_id="7277cf-20230912-0214")
        assert [e.kind for e in evs] == [EventKind.TAKEOFF, EventKind.LANDING]
        assert evs[0].value == "ZKPY" and evs[1].value == "UHWW"
        later = reader.events(icao24=0x3946E0, start_s=utc_s("2023-09-13 00:00"))
        assert [e.flight_id for e in later] == ["3946e0-20230913-0900"] * 2


def test_area_bbox_finds_the_aircraft_inside_only(filled_dir: Path) -> None:
    start, end = utc_s("2023-09-12 02:00"), utc_s("2023-09-12 04:00")
    with open_reader(filled_dir) as reader:
        aircraft, flights = reader.area((38.0, 124.0, 44.0, 133.0), start, end)
    assert [a.hex for a in aircraft] == ["7277cf"]
    assert aircraft[0].first_s == utc_s("2023-09-12 02:14") and aircraft[0].callsign == "KOR151"
    assert aircraft[0].n_positions == len(sample_flights()[0].positions)
    assert [f.flight_id for f in flights] == ["7277cf-20230912-0214"]


def test_area_polygon_cuts_inside_its_bbox(filled_dir: Path) -> None:
    start, end = utc_s("2023-09-12 02:00"), utc_s("2023-09-12 04:00")
    # A triangle over the first half of the ZKPY -> UHWW line only.
    triangle = [(38.5, 124.5), (42.0, 124.5), (38.5, 129.0)]
    with open_reader(filled_dir) as reader:
        aircraft, _ = reader.area(triangle, start, end)
        whole, _ = reader.area((38.5, 124.5, 42.0, 129.0), start, end)
    assert [a.hex for a in aircraft] == ["7277cf"]
    assert 0 < aircraft[0].n_positions < whole[0].n_positions
    assert aircraft[0].last_s < utc_s("2023-09-12 03:00")


@pytest.mark.parametrize(
    "shape", [(44.0, 124.0, 38.0, 133.0), (0.0, 0.0, 95.0, 1.0), [(1.0, 1.0), (2.0, 2.0)]]
)
def test_bad_area_is_a_usage_error(filled_dir: Path, shape: object) -> None:
    with open_reader(filled_dir) as reader, pytest.raises(UsageError):
        reader.area(shape, 0.0, 1.0)


def test_second_writer_is_refused_naming_the_pid(tmp_path: Path) -> None:
    import os

    with Store.open(tmp_path), pytest.raises(StoreLockedError, match=str(os.getpid())):
        Store.open(tmp_path)
    Store.open(tmp_path).close()  # released on close


def test_reader_works_beside_a_live_writer(tmp_path: Path) -> None:
    flights, rows, events = sample_history()
    with Store.open(tmp_path, flush_interval_s=60) as store:
        store.write(rows[:100], flights[:1], events[:1])
        store.flush()
        with open_reader(tmp_path) as reader:
            assert reader.sql("SELECT count(*) FROM positions")[1] == [(100,)]
            assert [f.flight_id for f in reader.flights(FlightQuery())] == [flights[0].flight_id]
            assert len(reader.events()) == 1


def test_receivers_and_aircraft_tables(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.upsert_receivers([ReceiverStats(1, "roof", frames=10, lat=1.0, lon=2.0)])
        store.upsert_receivers([ReceiverStats(1, "roof", frames=25, lat=1.0, lon=2.0)])
        store.upsert_aircraft([AircraftIdentity(0x7277CF, "P-671", "A148")])
    with open_reader(tmp_path) as reader:
        assert reader.sql("SELECT name, frames FROM receivers")[1] == [("roof", 25)]
        assert reader.sql("SELECT icao24, registration FROM aircraft")[1] == [("7277cf", "P-671")]


def test_future_schema_version_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    (tmp_path / "store" / "VERSION").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(StoreError, match="schema version 99, newer"):
        Store.open(tmp_path)
    with pytest.raises(StoreError, match="schema version 99, newer"):
        open_reader(tmp_path)


def test_reader_on_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no history store"):
        open_reader(tmp_path)


def test_open_repairs_torn_and_temporary_files(tmp_path: Path) -> None:
    _, rows, _ = sample_history()
    with Store.open(tmp_path) as store:
        store.write(rows[:300])
    hour = next((tmp_path / "store" / "positions").glob("*/*"))
    (hour / "seg-000900.parquet").write_bytes(b"PAR1 torn write")
    (hour / "seg-000901.parquet.tmp").write_bytes(b"half")
    with Store.open(tmp_path) as store:
        store.write(rows[300:400])
    assert not list(hour.glob("*.tmp")) and not (hour / "seg-000900.parquet").exists()
    quarantined = [p.name for p in (tmp_path / "store" / "quarantine").iterdir()]
    assert len(quarantined) == 1 and "seg-000900.parquet" in quarantined[0]
    with open_reader(tmp_path) as reader:
        assert reader.sql("SELECT count(*) FROM positions")[1] == [(400,)]


def test_retention_drops_hours_old_by_the_wall_clock_and_by_when_written(
    tmp_path: Path,
) -> None:
    rows = empty_positions(3)
    rows["icao24"] = 0xABCDEF
    rows["time_s"] = [utc_s("2023-01-01 00:10"), utc_s("2023-01-05 00:10"),
                      utc_s("2023-01-10 12:00")]  # fmt: skip
    now = utc_s("2023-01-12 00:00")
    with Store.open(tmp_path, retention_days=7, clock=lambda: now) as store:
        store.write(rows)
    positions = tmp_path / "store" / "positions"
    # Just written: kept, although its data is older than 7 days.
    assert sorted(p.name for p in positions.iterdir()) == ["2023-01-01", "2023-01-05", "2023-01-10"]
    # Written long ago (file times set back) and old by data time: dropped on the next open.
    for f in positions.rglob("*.parquet"):
        os.utime(f, (utc_s("2023-01-02 00:00"),) * 2)
    with Store.open(tmp_path, retention_days=7, clock=lambda: now):
        pass
    assert sorted(p.name for p in positions.iterdir()) == ["2023-01-05", "2023-01-10"]
    # Without retention_days (the default) nothing is ever dropped.
    with Store.open(tmp_path, clock=lambda: utc_s("2030-01-01 00:00")):
        pass
    assert sorted(p.name for p in positions.iterdir()) == ["2023-01-05", "2023-01-10"]


def test_write_after_close_is_an_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.write(empty_positions(1))


def test_bad_position_rows_are_counted_not_stored(tmp_path: Path) -> None:
    _, rows, _ = sample_history()
    bad = rows[:4].copy()
    bad["time_s"][0] = float("nan")
    bad["lat"][1] = 91.0
    bad["lon"][2] = float("inf")
    bad["time_s"][3] = 1e12
    with Store.open(tmp_path) as store:
        store.write(np.concatenate([bad, rows[4:10]]))
        store.flush()
        assert store.positions_rejected == 4
        assert store.positions_written == 6
    with open_reader(tmp_path) as reader:
        assert reader.sql("SELECT count(*) FROM positions")[1] == [(6,)]


def test_busy_open_hour_is_compacted_early_and_again_when_it_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skytrace.store import writer

    monkeypatch.setattr(writer, "MAX_SEGMENTS_PER_HOUR", 3)
    _, rows, _ = sample_history()
    in_hour = rows[
        (rows["time_s"] >= utc_s("2023-09-12 02:00")) & (rows["time_s"] < utc_s("2023-09-12 03:00"))
    ]
    later = rows[rows["time_s"] >= utc_s("2023-09-12 03:10")][:1]
    hour = tmp_path / "store" / "positions" / "2023-09-12" / "02"
    with Store.open(tmp_path, flush_interval_s=60) as store:
        for i in range(0, 100 * 10, 100):  # ten small flushes into the open hour
            store.write(in_hour[i : i + 100])
            store.flush()
        store.flush(wait_compaction=True)
        names = sorted(p.name for p in hour.iterdir())
        assert any(n.startswith("sorted-") for n in names) and len(names) < 10  # compacted early
        store.write(later)  # the hour closes: compacted once more, fully
        store.flush(wait_compaction=True)
        assert len(list(hour.iterdir())) == 1
    assert next(p.name for p in hour.iterdir()).startswith("sorted-")
    with open_reader(tmp_path) as reader:
        _, [(n,)] = reader.sql("SELECT count(*) FROM positions")
    assert n == min(1000, len(in_hour)) + 1


def test_sort_rows_orders_by_address_then_time_either_way() -> None:
    from skytrace.store.positions import sort_rows

    rng = np.random.default_rng(5)
    for n_aircraft in (50, 70_000):  # the radix path and the 64-bit key fallback
        rows = empty_positions(100_000)
        rows["icao24"] = rng.integers(0, 0xFFFFFF, n_aircraft)[rng.integers(0, n_aircraft, 100_000)]
        rows["time_s"] = 1.7e9 + np.sort(rng.uniform(0, 3600, 100_000))
        rows["time_s"][::7] += rng.uniform(-5, 5, len(rows[::7]))  # not quite in order
        rows["lat"] = np.arange(100_000)  # a payload to follow its row
        got = sort_rows(rows)
        want = rows[np.lexsort((np.round(rows["time_s"] * 1000), rows["icao24"]))]
        assert np.array_equal(got["icao24"], want["icao24"])
        assert np.array_equal(got["time_s"], want["time_s"])
        assert np.array_equal(got["lat"], want["lat"])
