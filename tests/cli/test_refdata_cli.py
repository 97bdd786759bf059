"""The refdata-backed commands end to end through the dispatcher, on files the tests write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skytrace.cli.main import main
from tests.refdata.fixtures import (
    OPERATORS_CSV,
    RUNWAYS_HEADER,
    RUNWAYS_ROWS,
    TYPES_JSON,
    feature_collection,
    polygon,
    square,
    write_aircraft,
    write_text,
)


@pytest.fixture
def data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = tmp_path / "data"
    files = [
        (write_aircraft(tmp_path), "aircraft"),
        (write_text(tmp_path, "operators.csv", OPERATORS_CSV), "operators"),
        (write_text(tmp_path, "types.json", json.dumps(TYPES_JSON)), "types"),
        (write_text(tmp_path, "runways.csv", RUNWAYS_HEADER + RUNWAYS_ROWS), "runways"),
        (
            write_text(
                tmp_path, "firs.geojson",
                feature_collection([({"id": "UHHH"}, polygon(square(130, 41, 10)))]),
            ),
            "firs",
        ),
    ]  # fmt: skip
    for path, kind in files:
        assert main(["refdata", "import", str(path), "--kind", kind, "--data-dir", str(d)]) == 0
    capsys.readouterr()
    return d


def test_import_reports_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_aircraft(tmp_path, "icao24,registration\n7277CF,P-671\nNOTHEX,X\n")
    rc = main(["refdata", "import", str(path), "--kind", "aircraft", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "imported 1 aircraft rows" in out
    assert "1 bad rows skipped" in out and "line 3:" in out


def test_status_lists_imports(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refdata", "status", "--json", "--data-dir", str(data_dir)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert set(status["imported"]) == {"aircraft", "operators", "types", "runways", "firs"}
    assert status["imported"]["aircraft"]["rows"] == 4
    assert main(["refdata", "status", "--data-dir", str(data_dir)]) == 0
    assert "aircraft" in capsys.readouterr().out


def test_aircraft_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aircraft", "7277CF", "--callsign", "KOR151", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    for text in (
        "P-671",
        "A148 ANTONOV An-148",
        "North Korea",
        "Air Koryo (KOR), from the callsign",
    ):
        assert text in out
    assert main(["aircraft", "p-671", "--json", "--data-dir", str(data_dir)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["hex"] == "7277CF" and record["operator_source"] == "unknown"


def test_aircraft_unknown_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aircraft", "7277CF", "--json", "--data-dir", str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["country"] == "North Korea" and record["registration"] == ""
    assert "no aircraft database imported" in record["notes"][0]
    assert main(["aircraft", "P-671", "--data-dir", str(tmp_path)]) == 2
    assert "not a 6-digit hex address" in capsys.readouterr().err


def test_airport_command(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["airport", "ZKPY", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Pyongyang" in out and "01/19" in out and "17/35" in out
    assert main(["airport", "fnj", "--json", "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["runways"][0]["length_ft"] == 12475
    assert main(["airport", "ZKPY", "--data-dir", str(tmp_path / "empty")]) == 0
    assert "none imported" in capsys.readouterr().out
    assert main(["airport", "QQQQ", "--data-dir", str(data_dir)]) == 5
    assert "unknown airport" in capsys.readouterr().err
    assert main(["airport", "--near", "39.22,125.67", "--radius", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["icao"] == "ZKPY"


def test_area_command(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["area", "--at", "43.1,131.9", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Russia" in out and "territorial sea" in out and "UHHH Khabarovsk" in out
    assert main(["area", "--at", "43.1,131.9", "--json", "--data-dir", str(tmp_path)]) == 0
    hit = json.loads(capsys.readouterr().out)
    assert hit["country"] == "RU" and hit["fir"] == "" and not hit["firs_loaded"]
    assert main(["area", "--at", "95,10"]) == 2
    assert "latitude must be within" in capsys.readouterr().err
    assert main(["area", "--at", "north"]) == 2


def test_refdata_errors_exit_with_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.csv"
    rc = main(
        ["refdata", "import", str(missing), "--kind", "aircraft", "--data-dir", str(tmp_path)]
    )
    assert rc == 5 and "no such file" in capsys.readouterr().err
    assert main(["refdata"]) == 2


def test_area_without_at_delegates_to_history_or_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import types

    import skytrace.cli.area as area

    monkeypatch.setattr(area, "_history", lambda: None)
    assert main(["area"]) == 2
    assert "history queries need the store" in capsys.readouterr().err
    fake = types.ModuleType("area_history")
    seen: list[object] = []
    fake.add_history_arguments = lambda p: p.add_argument("--bbox")  # type: ignore[attr-defined]
    fake.run_history = lambda args: seen.append(args.bbox) or 0  # type: ignore[attr-defined]
    monkeypatch.setattr(area, "_history", lambda: fake)
    assert main(["area", "--bbox", "1,2,3,4"]) == 0 and seen == ["1,2,3,4"]


def test_second_operators_import_merges_and_says_how(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: a second --kind operators import silently replaced the first."""
    from skytrace.refdata import load_refdata

    more = write_text(
        tmp_path,
        "more.csv",
        "icao,name,country,callsign\nKAL,Korean Air,South Korea,KOREANAIR\n"
        "SWR,Swiss International Air Lines,Switzerland,SWISS\nKOR,Air Koryo,North Korea,AIR KORYO\n",
    )
    args = ["refdata", "import", str(more), "--kind", "operators", "--data-dir", str(data_dir)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 added, 1 updated, 1 unchanged" in out and "imported 3 operators rows" in out
    ops = load_refdata(data_dir).operators
    assert ops.get("KOR").name == "Air Koryo" and ops.get("KAL").name == "Korean Air"
    assert ops.get("SWR").name == "Swiss International Air Lines"  # the newer row wins
    assert main([*args, "--replace"]) == 0
    assert "merged" not in capsys.readouterr().out


def test_aircraft_uses_what_the_store_saw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: `aircraft 7277CF` said "operator unknown" while the store saw it fly as
    KOR151; with no reference data imported the stored flights name it."""
    from tests.store.conftest import fill_store

    fill_store(tmp_path)
    assert main(["aircraft", "7277CF", "--json", "--data-dir", str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["operator_icao"] == "KOR" and record["operator_name"] == "Air Koryo"
    assert record["operator_source"].startswith("callsign KOR15")
    assert record["registration"] == "P-671" and record["typecode"] == "A148"
    assert {"KOR151", "KOR152"} <= set(record["seen"]["callsigns"])
    assert record["seen"]["flights"] >= 2
    assert main(["aircraft", "7277CF", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Air Koryo (KOR), from the callsign KOR15" in out and "seen as" in out
    # an aircraft the store never saw keeps saying what the reference data says
    assert main(["aircraft", "ABCDEF", "--json", "--data-dir", str(tmp_path)]) == 0
    other = json.loads(capsys.readouterr().out)
    assert other["operator_icao"] == "" and other["seen"] is None


def test_reresolve_brings_stored_flights_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: reference data imported after recording did not reach stored flights."""
    from skytrace.model import Flight, empty_positions
    from skytrace.store import FlightQuery, Store, open_reader

    d = tmp_path / "data"
    recorded = Flight(
        flight_id="7277cf-20230912-0214", icao24=0x7277CF, status="closed",
        first_seen_s=1_694_484_840.0, last_seen_s=1_694_488_680.0, callsigns=("KOR151",),
        country="North Korea", operator_source="unknown",
    )  # fmt: skip
    with Store.open(d) as store:
        store.write(empty_positions(0), [recorded])
    for path, kind in (
        (write_aircraft(tmp_path), "aircraft"),
        (write_text(tmp_path, "operators.csv", OPERATORS_CSV), "operators"),
    ):
        assert main(["refdata", "import", str(path), "--kind", kind, "--data-dir", str(d)]) == 0
    assert "skytrace refdata reresolve" in capsys.readouterr().out
    with open_reader(d) as reader:
        [before] = reader.flights(FlightQuery())
    assert before.registration == "" and before.operator_icao == ""
    assert main(["refdata", "reresolve", "--data-dir", str(d)]) == 0
    assert "1 stored flights looked at, 1 updated" in capsys.readouterr().out
    with open_reader(d) as reader:
        [after] = reader.flights(FlightQuery())
        assert reader.sql("SELECT registration, operator_icao FROM aircraft")[1] == [
            ("P-671", "KOR")
        ]
    assert after.registration == "P-671" and after.typecode == "A148"
    assert after.operator_icao == "KOR" and after.operator_name == "Air Koryo"
    assert after.operator_source == "callsign" and after.callsigns == ("KOR151",)
    assert after.first_seen_s == recorded.first_seen_s
    # nothing new to learn: a second run changes nothing
    assert main(["refdata", "reresolve", "--data-dir", str(d)]) == 0
    assert "0 updated" in capsys.readouterr().out
