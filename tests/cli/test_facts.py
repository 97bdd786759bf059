"""``skytrace facts``: a stored flight as a sentence (text and JSON) and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.flights import detect_flights
from skytrace.store import Store
from tests.flights import fakes
from tests.flights.test_detect import koryo


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("facts")
    rows, _ = koryo()
    flights, events = detect_flights(rows, airports=fakes.airports())
    store = Store.open(data_dir)
    store.write(rows, flights, events)
    store.close()
    return data_dir, flights[0].flight_id


def test_facts_json_has_sentence_and_evidence(store_dir, capsys) -> None:
    data_dir, fid = store_dir
    assert main(["facts", fid, "--json", "--data-dir", str(data_dir)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["flight_id"] == fid
    assert "took off probably from Pyongyang International Airport (ZKPY)" in out["sentence"]
    assert "landed at Vladivostok International Airport (UHWW)" in out["sentence"]
    assert [e["topic"] for e in out["evidence"]][:2] == ["takeoff", "landing"]


def test_facts_text_prints_the_sentence(store_dir, capsys) -> None:
    data_dir, fid = store_dir
    assert main(["facts", fid.upper(), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert fid in out and "UHWW" in out and "evidence" in out


def test_unknown_flight_is_a_clear_error(store_dir, capsys) -> None:
    data_dir, _ = store_dir
    code = main(["facts", "000000-20000101-0000", "--data-dir", str(data_dir)])
    assert code == 6
    assert "skytrace facts: error:" in capsys.readouterr().err


def test_missing_store_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["facts", "7277cf-20230912-0214", "--data-dir", str(tmp_path)]) == 6
    assert "no history store" in capsys.readouterr().err
