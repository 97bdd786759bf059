"""Issue 12's wrong answers, on the demo's store: each test states what a new user saw.

The demo store holds Air Koryo 7277CF (KOR151, P-671) ZKPY -> UHWW with an inferred takeoff,
Korean Air (KAL) flights whose operator name contains "Korea", and flights whose inferred
landing lies after the end of the data.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

from skytrace.store import FlightQuery, open_reader
from tests.cli.conftest import DEMO_FLIGHT, RunCli


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


# -- 1. operator and callsign filters -------------------------------------------------------


def test_operator_is_the_exact_designator_not_a_name_search(
    demo_store: Path, run_cli: RunCli
) -> None:
    code, out, _ = run_cli("flights", "--operator", "KOR", "--csv", "--data-dir", str(demo_store))
    rows = _csv(out)
    assert code == 0 and rows and {r["operator"] for r in rows} == {"KOR"}
    code, out, _ = run_cli("flights", "--operator", "kor", "--csv", "--data-dir", str(demo_store))
    assert [r["flight_id"] for r in _csv(out)] == [r["flight_id"] for r in rows]


def test_operator_name_is_an_explicit_search(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli(
        "flights", "--operator-name", "korea", "--json", "--data-dir", str(demo_store)
    )
    found = json.loads(out)
    assert code == 0 and found
    assert all("korea" in f["operator_name"].lower() for f in found)
    assert "KOR" not in {f["operator_icao"] for f in found}  # Air Koryo's name has no "Korea"


@pytest.mark.parametrize("pattern", ["KOR*", "kor15?", "KOR151", "*151"])
def test_callsign_takes_prefixes_and_wildcards(
    demo_store: Path, run_cli: RunCli, pattern: str
) -> None:
    code, out, _ = run_cli("flights", "--callsign", pattern, "--csv", "--data-dir", str(demo_store))
    assert code == 0 and [r["callsign"] for r in _csv(out)] == ["KOR151"]


def test_callsign_pattern_characters_of_sql_are_literal(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("flights", "--callsign", "KOR%", "--csv", "--data-dir", str(demo_store))
    assert code == 0 and _csv(out) == []


# -- 2. inferred ends, estimated landings, one duration -------------------------------------


def test_inferred_ends_are_marked_in_table_csv_and_json(demo_store: Path, run_cli: RunCli) -> None:
    args = ("flights", "--callsign", "KOR151", "--data-dir", str(demo_store))
    _, table, _ = run_cli(*args)
    assert "ZKPY*" in table and "UHWW*" not in table
    assert "* airport inferred" in " ".join(table.split())
    [row] = _csv(run_cli(*args, "--csv")[1])
    assert (row["from"], row["from_method"], row["to"], row["to_method"]) == (
        "ZKPY",
        "inferred",
        "UHWW",
        "observed",
    )
    [flight] = json.loads(run_cli(*args, "--json")[1])
    assert flight["from_method"] == "inferred" and flight["departure"]["method"] == "inferred"
    assert flight["duration_kind"] == "estimated"


def test_one_duration_in_seconds_everywhere(demo_store: Path, run_cli: RunCli) -> None:
    args = ("flights", "--data-dir", str(demo_store))
    rows = _csv(run_cli(*args, "--csv")[1])
    flights = json.loads(run_cli(*args, "--json")[1])
    board = json.loads(run_cli("board", "UHWW", "--date", "2023-09-12", "--json",
                               "--data-dir", str(demo_store))[1])  # fmt: skip
    by_id = {f["flight_id"]: f for f in flights}
    for r in rows:
        assert float(r["duration_s"]) == pytest.approx(by_id[r["flight_id"]]["duration_s"])
    for f in board["arrivals"] + board["departures"]:
        assert f["duration_s"] == pytest.approx(by_id[f["flight_id"]]["duration_s"])
    with open_reader(demo_store) as reader:
        koryo = reader.flight(DEMO_FLIGHT)
    assert by_id[DEMO_FLIGHT]["duration_s"] == pytest.approx(koryo.landing_s - koryo.takeoff_s)
    _, table, _ = run_cli(*args, "--callsign", "KOR151")
    minutes = round((koryo.landing_s - koryo.takeoff_s) / 60)
    assert f"~{minutes // 60} h {minutes % 60:02d} min" in table


def test_a_landing_inferred_after_the_data_is_open(demo_store: Path, run_cli: RunCli) -> None:
    with open_reader(demo_store) as reader:
        flights = reader.flights(FlightQuery())
    end_of_data = max(f.last_seen_s for f in flights)
    late = [
        f
        for f in flights
        if f.arrival is not None and f.arrival.method == "inferred" and f.landing_s > end_of_data
    ]
    assert late, "the demo has landings inferred after its last position"
    rows = {r["flight_id"]: r for r in _csv(run_cli("flights", "--csv", "--data-dir",
                                                   str(demo_store))[1])}  # fmt: skip
    for f in late:
        assert rows[f.flight_id]["status"] == "open"
        assert rows[f.flight_id]["to_method"] == "inferred"
    _, table, _ = run_cli("flights", "--data-dir", str(demo_store))
    assert "landing estimated after the end of the data" in " ".join(table.split())


# -- 3. a flight's track holds all of its positions -----------------------------------------


def test_track_returns_every_position_facts_counts(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("track", DEMO_FLIGHT, "--csv", "--data-dir", str(demo_store))
    rows = _csv(out)
    with open_reader(demo_store) as reader:
        flight = reader.flight(DEMO_FLIGHT)
    assert code == 0 and len(rows) > 6000
    facts = json.loads(run_cli("facts", DEMO_FLIGHT, "--json", "--data-dir", str(demo_store))[1])
    assert f"{len(rows):,} positions" in facts["sentence"]
    # The flight's bounds carry microseconds, the stored positions milliseconds.
    assert rows[0]["timestamp"] == f"{_iso_ms(flight.first_seen_s)}"
    assert rows[-1]["timestamp"] == f"{_iso_ms(flight.last_seen_s)}"


def _iso_ms(time_s: float) -> str:
    from skytrace.store.present import iso

    return iso(math.floor(time_s * 1000 + 0.5) / 1000)


# -- 4. one way to name a flight ------------------------------------------------------------


@pytest.mark.parametrize("target", [DEMO_FLIGHT.upper(), "7277cf", "7277CF", "P-671", "p671",
                                    "KOR151", "kor151"])  # fmt: skip
def test_track_export_facts_history_take_any_name(
    demo_store: Path, run_cli: RunCli, target: str
) -> None:
    data = ("--data-dir", str(demo_store))
    code, out, err = run_cli("track", target, "--csv", *data)
    assert code == 0 and len(_csv(out)) > 6000
    if target != DEMO_FLIGHT.upper():
        assert DEMO_FLIGHT in err  # says which flight it chose
    code, out, _ = run_cli("export", target, "--format", "geojson", *data)
    assert code == 0 and json.loads(out)["features"][0]["properties"]["flight_id"] == DEMO_FLIGHT
    code, out, _ = run_cli("facts", target, "--json", *data)
    assert code == 0 and json.loads(out)["flight_id"] == DEMO_FLIGHT
    code, out, _ = run_cli("history", target, "--csv", *data)
    assert code == 0 and [r["flight_id"] for r in _csv(out)] == [DEMO_FLIGHT]


def test_an_unknown_name_suggests_the_nearest(demo_store: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("track", "7277cf-20230912-0214", "--data-dir", str(demo_store))
    assert code != 0 and "no stored flight matches" in err and DEMO_FLIGHT in err
    code, _, err = run_cli("facts", "KOR152", "--data-dir", str(demo_store))
    assert code != 0 and "KOR151" in err


# -- 5. one vocabulary ----------------------------------------------------------------------


def test_board_without_a_date_shows_the_latest_day(demo_store: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("board", "VVO", "--data-dir", str(demo_store))
    assert code == 0 and "2023-09-12" in err and DEMO_FLIGHT in out
    assert "UHWW arrivals, 2023-09-12" in out


UNKNOWN_AIRPORTS = [["board", "XXXX"], ["board", "QQQ"], ["flights", "--from", "XXXX"],
                    ["flights", "--to", "QQQ"]]  # fmt: skip


@pytest.mark.parametrize("argv", UNKNOWN_AIRPORTS)
def test_an_unknown_airport_is_an_error(demo_store: Path, run_cli: RunCli, argv) -> None:
    code, out, err = run_cli(*argv, "--data-dir", str(demo_store))
    assert code == 2 and "unknown airport" in err and out == ""


def test_since_selects_flights_in_the_air(demo_store: Path, run_cli: RunCli) -> None:
    # KOR151 took off at 02:13 and landed at 03:13: in the air at 03:00.
    args = ("--callsign", "KOR151", "--csv", "--data-dir", str(demo_store))
    code, out, _ = run_cli("flights", "--since", "2023-09-12T03:00Z", *args)
    assert code == 0 and [r["callsign"] for r in _csv(out)] == ["KOR151"]
    code, out, _ = run_cli("flights", "--since", "2023-09-12T03:20Z", *args)
    assert code == 0 and _csv(out) == []
    code, out, _ = run_cli("flights", "--until", "2023-09-12T02:18Z", *args)
    assert code == 0 and _csv(out) == []  # first seen 02:18:17: not yet in the air


def test_until_is_exclusive_in_track_as_in_flights(demo_store: Path, run_cli: RunCli) -> None:
    data = ("--csv", "--data-dir", str(demo_store))
    _, out, _ = run_cli("track", "7277cf", "--since", "2023-09-12T03:00Z",
                        "--until", "2023-09-12T03:01Z", *data)  # fmt: skip
    stamps = [r["timestamp"] for r in _csv(out)]
    assert stamps and all("03:00:00" <= s[11:19] < "03:01:00" for s in stamps)


def test_time_is_a_time_and_at_is_not_taken_by_track(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("track", "7277cf", "--time", "2023-09-12T03:00Z", "--json",
                           "--data-dir", str(demo_store))  # fmt: skip
    [pos] = json.loads(out)
    assert code == 0 and pos["timestamp"].startswith("2023-09-12T0")
    with pytest.raises(SystemExit):
        run_cli("track", "7277cf", "--at", "2023-09-12T03:00Z", "--data-dir", str(demo_store))


def test_export_infers_the_format_and_dash_is_stdout(
    demo_store: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    target = tmp_path / "p671.kml"
    code, _, err = run_cli("export", DEMO_FLIGHT, "-o", str(target), "--data-dir", str(demo_store))
    assert code == 0 and "<gx:Track>" in target.read_text() and "positions to" in err
    code, out, _ = run_cli("export", DEMO_FLIGHT, "-o", "-", "--format", "csv",
                           "--data-dir", str(demo_store))  # fmt: skip
    assert code == 0 and out.startswith("timestamp,icao24,") and not Path("-").exists()
    code, _, err = run_cli("export", DEMO_FLIGHT, "-o", str(tmp_path / "x.txt"),
                           "--data-dir", str(demo_store))  # fmt: skip
    assert code == 2 and "give --format" in err


def test_export_writes_regular_files_only(
    demo_store: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    code, _, err = run_cli("export", DEMO_FLIGHT, "-o", str(fifo), "--force",
                           "--data-dir", str(demo_store))  # fmt: skip
    assert code == 2 and "not a regular file" in err
    link = tmp_path / "dangling.csv"
    link.symlink_to(tmp_path / "nowhere.csv")
    code, _, err = run_cli("export", DEMO_FLIGHT, "-o", str(link), "--data-dir", str(demo_store))
    assert code == 2 and "--force" in err and not (tmp_path / "nowhere.csv").exists()
    code, _, err = run_cli("export", DEMO_FLIGHT, "-o", str(tmp_path / "no" / "x.csv"),
                           "--data-dir", str(demo_store))  # fmt: skip
    assert code == 2 and "not an existing directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.csv", "pipe.csv"]


def test_sql_prints_epoch_times_whole(demo_store: Path, run_cli: RunCli) -> None:
    with open_reader(demo_store) as reader:
        _, [(latest,)] = reader.sql("SELECT max(last_seen_s) FROM flights")
    code, out, _ = run_cli(
        "sql", "SELECT max(last_seen_s) AS t FROM flights", "--data-dir", str(demo_store)
    )
    assert code == 0 and repr(latest) in out and float(repr(latest)) == latest


def test_board_takes_an_open_window(demo_store: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("board", "UHWW", "--since", "2023-09-12T03:00Z", "--json",
                             "--data-dir", str(demo_store))  # fmt: skip
    board = json.loads(out)
    assert code == 0, err
    assert DEMO_FLIGHT in [f["flight_id"] for f in board["arrivals"]]
    assert all(f["landing"] >= "2023-09-12T03:00" for f in board["arrivals"] if f["landing"])
    code, _, err = run_cli("board", "UHWW", "--date", "2023-09-12", "--since", "2023-09-13",
                           "--data-dir", str(demo_store))  # fmt: skip
    assert code == 2 and "window is empty" in err


def test_the_record_says_how_sure_the_inferred_time_is_and_what_each_source_gave(
    demo_store: Path, run_cli: RunCli
) -> None:
    """Issue 14: the time uncertainty of an inferred end is a field, not only words; the
    record counts positions per source."""
    code, out, _ = run_cli(
        "flights", "--callsign", "KOR151", "--json", "--data-dir", str(demo_store)
    )
    assert code == 0
    (flight,) = json.loads(out)
    departure, arrival = flight["departure"], flight["arrival"]
    assert departure["method"] == "inferred" and departure["time_uncertainty_s"] >= 60
    unc = departure["time_uncertainty_s"]
    said = f"(± {unc:.0f} s)" if unc < 90 else f"(± {unc / 60:.0f} min)"
    assert said in departure["evidence"]
    assert arrival["method"] == "observed" and arrival["time_uncertainty_s"] is None
    assert flight["source_counts"] == {"adsb_icao": flight["n_positions"]}
