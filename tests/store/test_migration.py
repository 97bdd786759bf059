"""A store written by the previous skytrace (schema 1) is read as it is and upgraded in place
by the first writer that opens it; a store from a newer skytrace is refused, by name."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from skytrace.errors import StoreError
from skytrace.model import ReceiverStats
from skytrace.store import FlightQuery, Store, open_reader
from skytrace.store.layout import SCHEMA_VERSION, StoreLayout
from tests.store.sample import sample_history

COLUMNS_SINCE_1 = {  # added by schema 2, then 3
    "flights": (
        "origin_time_uncertainty_s",
        "destination_time_uncertainty_s",
        "source_counts",
        "receivers_heard",
    ),
    "receivers": ("garbage_bytes", "connected"),
}


def write_schema_1_store(data_dir: Path) -> None:
    """The sample history as skytrace 0.1 with schema 1 left it: its catalog without the
    columns schemas 2 and 3 added, snapshots written from that catalog, VERSION 1."""
    flights, rows, events = sample_history()
    with Store.open(data_dir, flush_interval_s=0.2) as store:
        store.write(rows, flights, events)
        store.upsert_receivers([ReceiverStats(receiver=1, name="roof", frames=10)])
    layout = StoreLayout(data_dir)
    con = duckdb.connect(str(layout.catalog))
    for table, columns in COLUMNS_SINCE_1.items():
        for column in columns:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for part in layout.flights_snapshot.rglob("*.parquet"):
        name = f"{part.parent.name}/{part.stem}"
        con.execute(
            f"COPY (SELECT * FROM flights WHERE part = '{name}') TO '{part}' (FORMAT parquet)"
        )
    con.execute(f"COPY receivers TO '{layout.snapshot / 'receivers.parquet'}' (FORMAT parquet)")
    con.close()
    layout.version_file.write_text(json.dumps({"schema_version": 1}) + "\n")


def test_a_schema_1_store_is_read_then_upgraded_in_place(tmp_path: Path) -> None:
    write_schema_1_store(tmp_path)
    flights, _, _ = sample_history()
    with open_reader(tmp_path) as reader:  # read as it is: the new values are unknown
        before = {f.flight_id: f for f in reader.flights(FlightQuery())}
        assert set(before) == {f.flight_id for f in flights}
        assert all(f.source_counts == () for f in before.values())
        assert all(f.receivers_heard == 0 for f in before.values())
        assert all(
            math.isnan(f.departure.time_uncertainty_s) for f in before.values() if f.departure
        )
        _, receivers = reader.sql("SELECT name, frames FROM receivers")
        assert receivers == [("roof", 10)]
    layout = StoreLayout(tmp_path)
    assert json.loads(layout.version_file.read_text())["schema_version"] == 1

    first = flights[0]
    assert first.departure is not None
    newer = replace(
        first,
        departure=replace(first.departure, method="inferred", time_uncertainty_s=79.0),
        source_counts=(("adsb_icao", 40), ("mlat", 2)),
        receivers_heard=5,
    )
    with Store.open(tmp_path, flush_interval_s=0.2) as store:  # the writer migrates
        assert json.loads(layout.version_file.read_text())["schema_version"] == SCHEMA_VERSION
        store.write(sample_history()[1][:0], [newer])
        store.upsert_receivers([ReceiverStats(receiver=1, name="roof", frames=20,
                                              garbage_bytes=7, connected=True)])  # fmt: skip
    with open_reader(tmp_path) as reader:
        after = {f.flight_id: f for f in reader.flights(FlightQuery())}
        assert after[first.flight_id] == newer
        assert {k: v for k, v in after.items() if k != first.flight_id} == {
            k: v for k, v in before.items() if k != first.flight_id
        }
        _, receivers = reader.sql("SELECT name, frames, garbage_bytes, connected FROM receivers")
        assert receivers == [("roof", 20, 7, True)]
    with Store.open(tmp_path):  # a second open finds nothing to migrate
        pass


def test_a_store_from_a_newer_skytrace_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path):
        pass
    StoreLayout(tmp_path).version_file.write_text(
        json.dumps({"schema_version": SCHEMA_VERSION + 1}) + "\n"
    )
    for opening in (lambda: Store.open(tmp_path), lambda: open_reader(tmp_path)):
        with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
            opening()
