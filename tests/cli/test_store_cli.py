"""The store's query commands end to end on the sample history: flights, board, track,
history, area (history half), sql, export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from skytrace.cli.main import main
from tests.store.conftest import fill_store


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-store")
    fill_store(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_flights_answers_the_reporter_question(data_dir: Path, capsys) -> None:
    code, out, _ = run(
        capsys,
        "flights",
        "--operator",
        "KOR",
        "--from",
        "ZKPY",
        "--to",
        "UHWW",
        "--date",
        "2023-09-12",
        "--json",
        "--data-dir",
        str(data_dir),
    )
    assert code == 0
    [flight] = json.loads(out)
    assert flight["flight_id"] == "7277cf-20230912-0214" and flight["registration"] == "P-671"
    assert flight["takeoff"] == "2023-09-12T02:14:00.000Z"
    assert flight["landing"] == "2023-09-12T03:18:00.000Z"
    assert flight["duration_s"] == 64 * 60
    assert flight["departure"]["icao"] == "ZKPY" and flight["arrival"]["icao"] == "UHWW"


def test_flights_table_csv_and_route(data_dir: Path, capsys) -> None:
    code, out, _ = run(
        capsys, "flights", "--route", "FNJ-VVO", "--csv", "--data-dir", str(data_dir)
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["flight_id"] for r in rows] == ["7277cf-20230912-0214"]
    assert rows[0]["duration_s"] == "3840.0" and rows[0]["duration_kind"] == "flight"
    code, out, _ = run(capsys, "flights", "--hex", "3946E0", "--data-dir", str(data_dir))
    assert code == 0 and "3946e0-20230912-0230" in out and "3946e0-20230913-0900" in out
    assert "7277cf" not in out


def test_flights_environment_variable_sets_the_data_dir(
    data_dir: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("SKYTRACE_DATA_DIR", str(data_dir))
    code, out, _ = run(capsys, "flights", "--since", "2023-09-13", "--csv")
    assert code == 0 and [r["flight_id"] for r in csv.DictReader(io.StringIO(out))] == [
        "3946e0-20230913-0900"
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["flights", "--date", "2023-02-30"], "bad date"),
        (["flights", "--since", "yesterday"], "bad --since time"),
        (["flights", "--since", "2023-09-13", "--until", "2023-09-12"], "must be after --since"),
        (["flights", "--hex", "xyz"], "bad --hex"),
        (["flights", "--route", "ZKPY"], "bad --route"),
        (["flights", "--from", "Q1"], "unknown airport"),
        (["board", "XXXX"], "unknown airport"),
        (["track", "000000-20230101-0000"], "no stored flight matches"),
        (["track", "zzzzzz"], "no stored flight matches"),
        (["track", "7277cf", "--time", "2023-09-12T02:30", "--date", "2023-09-12"], "--time or"),
        (["history", "7277cf", "--json", "--csv"], None),
    ],
)
def test_bad_input_is_a_clear_error(data_dir: Path, capsys, argv: list[str], message) -> None:
    if message is None:  # argparse refuses conflicting output options itself
        with pytest.raises(SystemExit):
            main([*argv, "--data-dir", str(data_dir)])
        return
    code, _, err = run(capsys, *argv, "--data-dir", str(data_dir))
    assert code != 0 and message in err


def test_missing_store_is_reported(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "flights", "--data-dir", str(tmp_path))
    assert code == 6 and "no history store" in err


def test_board_lists_departures_and_arrivals(data_dir: Path, capsys) -> None:
    code, out, _ = run(
        capsys, "board", "ZKPY", "--date", "2023-09-12", "--json", "--data-dir", str(data_dir)
    )
    board = json.loads(out)
    assert code == 0
    assert [f["flight_id"] for f in board["departures"]] == ["7277cf-20230912-0214"]
    assert [f["flight_id"] for f in board["arrivals"]] == ["7277cf-20230912-0600"]
    code, out, _ = run(capsys, "board", "FNJ", "--date", "2023-09-12", "--data-dir", str(data_dir))
    assert code == 0 and "ZKPY departures" in out and "ZKPY arrivals" in out


def test_track_of_a_flight_and_of_a_hex_at_a_time(data_dir: Path, capsys) -> None:
    code, out, _ = run(
        capsys, "track", "7277cf-20230912-0214", "--csv", "--data-dir", str(data_dir)
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 385
    assert rows[0]["timestamp"] == "2023-09-12T02:14:00.000Z" and rows[0]["icao24"] == "7277cf"
    code, out, _ = run(
        capsys,
        "track",
        "7277CF",
        "--time",
        "2023-09-12T02:30:04",
        "--json",
        "--data-dir",
        str(data_dir),
    )
    [pos] = json.loads(out)
    assert pos["timestamp"] == "2023-09-12T02:30:00.000Z" and pos["callsign"] == "KOR151"
    code, out, _ = run(
        capsys,
        "track",
        "7277cf",
        "--since",
        "2023-09-12T03:00",
        "--until",
        "2023-09-12T03:01",
        "--json",
        "--data-dir",
        str(data_dir),
    )
    assert [p["timestamp"][11:19] for p in json.loads(out)] == [  # --until is exclusive
        f"03:00:{s:02d}" for s in range(0, 60, 10)
    ]


def test_history_by_registration(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "history", "F-GKXA", "--csv", "--data-dir", str(data_dir))
    ids = [r["flight_id"] for r in csv.DictReader(io.StringIO(out))]
    assert code == 0 and ids == ["3946e0-20230912-0230", "3946e0-20230913-0900"]


def test_area_history_by_bbox_and_polygon(data_dir: Path, capsys) -> None:
    window = ["--since", "2023-09-12T02:00", "--until", "2023-09-12T04:00"]
    code, out, _ = run(
        capsys, "area", "--bbox", "38,124,44,133", *window, "--json", "--data-dir", str(data_dir)
    )
    result = json.loads(out)
    assert code == 0 and [a["hex"] for a in result["aircraft"]] == ["7277cf"]
    assert [f["flight_id"] for f in result["flights"]] == ["7277cf-20230912-0214"]
    code, out, _ = run(
        capsys,
        "area",
        "--polygon",
        "48 -2, 53 -2, 53 4, 48 4",
        *window,
        "--csv",
        "--data-dir",
        str(data_dir),
    )
    assert code == 0 and [r["hex"] for r in csv.DictReader(io.StringIO(out))] == ["3946e0"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bbox", "38,124,44"], "want 4 numbers"),
        (["--bbox", "44,124,38,133"], "bad bbox"),
        (["--polygon", "1 2, 3"], "bad --polygon vertex"),
        (["--bbox", "38,124,44,133", "--polygon", "1 2, 3 4, 5 6"], "exactly one"),
    ],
)
def test_area_bad_shapes(data_dir: Path, capsys, extra: list[str], message: str) -> None:
    code, _, err = run(
        capsys,
        "area",
        *extra,
        "--since",
        "2023-09-12",
        "--until",
        "2023-09-13",
        "--data-dir",
        str(data_dir),
    )
    assert code == 2 and message in err


def test_sql_explain_of_a_select_is_allowed(data_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "sql", "EXPLAIN SELECT count(*) FROM flights", "--csv",
                       "--data-dir", str(data_dir))  # fmt: skip
    assert code == 0 and "explain_key" in out.splitlines()[0]


def test_sql_reads_every_table(data_dir: Path, capsys) -> None:
    for table, expected in (
        ("positions", "1618"),
        ("flights", "4"),
        ("events", "8"),
        ("aircraft", "0"),
        ("receivers", "0"),
    ):
        code, out, _ = run(
            capsys,
            "sql",
            f"SELECT count(*) AS n FROM {table}",
            "--csv",
            "--data-dir",
            str(data_dir),
        )
        assert code == 0 and out.splitlines() == ["n", expected], table


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM flights", "only read-only"),
        ("CREATE TABLE t AS SELECT 1", "only read-only"),
        ("COPY flights TO '/tmp/skytrace-should-not-exist.csv'", "only read-only"),
        ("INSTALL httpfs", "only read-only"),
        ("ATTACH '/tmp/x.duckdb'", "only read-only"),
        ("SET enable_external_access = true", "only read-only"),
        ("SELECT * FROM read_csv('/etc/passwd')", "refused"),
        ("SELECT * FROM read_parquet('/tmp/*.parquet')", "refused"),
        ("SELECT 1; SELECT 2", "exactly one"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO 'x.csv'", "may be explained"),
        ("explain analyse DELETE FROM flights", "may be explained"),
        ("SELEC oops", "SQL error"),
        ("SELECT nope FROM flights", "SQL error"),
    ],
)
def test_sql_refuses_writes_and_outside_files(data_dir: Path, capsys, query, message) -> None:
    code, _, err = run(capsys, "sql", query, "--data-dir", str(data_dir))
    assert code == 2 and message in err
    assert not Path("/tmp/skytrace-should-not-exist.csv").exists()


def test_export_formats_and_overwrite_protection(data_dir: Path, tmp_path: Path, capsys) -> None:
    flight = "7277cf-20230912-0214"
    code, out, _ = run(capsys, "export", flight, "--format", "geojson", "--data-dir", str(data_dir))
    doc = json.loads(out)
    assert code == 0 and doc["features"][0]["geometry"]["type"] == "LineString"
    assert len(doc["features"]) == 1 + 385
    assert doc["features"][0]["properties"]["registration"] == "P-671"
    code, out, _ = run(capsys, "export", flight, "--format", "kml", "--data-dir", str(data_dir))
    assert code == 0 and out.count("<when>") == 385 and "<gx:Track>" in out
    target = tmp_path / "track.parquet"
    code, _, _ = run(
        capsys,
        "export",
        flight,
        "--format",
        "parquet",
        "--output",
        str(target),
        "--data-dir",
        str(data_dir),
    )
    import pyarrow.parquet as pq

    table = pq.read_table(target)
    assert code == 0 and table.num_rows == 385
    assert {"icao24", "timestamp", "latitude", "longitude", "altitude"} <= set(table.column_names)
    code, _, err = run(
        capsys,
        "export",
        flight,
        "--format",
        "csv",
        "--output",
        str(target),
        "--data-dir",
        str(data_dir),
    )
    assert code == 2 and "--force" in err and pq.read_table(target).num_rows == 385
    code, _, _ = run(
        capsys,
        "export",
        flight,
        "--format",
        "csv",
        "--output",
        str(target),
        "--force",
        "--data-dir",
        str(data_dir),
    )
    assert code == 0 and target.read_text().startswith("timestamp,icao24,")


def test_area_history_by_country_uses_the_reference_outlines(data_dir: Path, capsys) -> None:
    window = ["--since", "2023-09-12T02:00", "--until", "2023-09-12T04:00"]
    code, out, _ = run(
        capsys, "area", "--country", "kp", *window, "--json", "--data-dir", str(data_dir)
    )
    result = json.loads(out)
    assert code == 0 and [a["hex"] for a in result["aircraft"]] == ["7277cf"]
    # Only the North Korean part of the ZKPY -> UHWW track counts.
    assert 0 < result["aircraft"][0]["positions"] < 385
    assert result["aircraft"][0]["first_seen"] == "2023-09-12T02:14:00.000Z"
    code, _, err = run(capsys, "area", "--country", "K1", *window, "--data-dir", str(data_dir))
    assert code == 2 and "alpha-2" in err
