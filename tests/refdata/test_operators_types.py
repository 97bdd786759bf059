from __future__ import annotations

import json
from pathlib import Path

import pytest

from skytrace.errors import RefdataError
from skytrace.refdata.actypes import TypeTable, read_types
from skytrace.refdata.operators import OperatorTable, designator_of_callsign, read_operators
from tests.refdata.fixtures import OPERATORS_CSV, TYPES_JSON, write_text

AIRLINES_DAT = (
    '-1,"Unknown",\\N,"-","N/A",\\N,\\N,"Y"\n'
    '100,"Air Koryo",\\N,"JS","KOR","AIR KORYO","North Korea","Y"\n'
    '101,"Old Koryo",\\N,"","KOR","OLD","North Korea","N"\n'
    '102,"Broken"\n'
    '103,"No Designator",\\N,"ND","","NODES","Nowhere","Y"\n'
)


@pytest.mark.parametrize(
    ("callsign", "designator"),
    [
        ("KOR151", "KOR"),
        ("kor151 ", "KOR"),
        ("SWR1AB", "SWR"),
        ("PHHXB", ""),
        ("KOR", ""),
        ("", ""),
        ("K0R151", ""),
        ("KORA151", ""),
    ],
)
def test_designator_needs_three_letters_then_a_digit(callsign: str, designator: str) -> None:
    assert designator_of_callsign(callsign) == designator


def test_tar1090_operators(tmp_path: Path) -> None:
    parsed = read_operators(write_text(tmp_path, "operators.csv", OPERATORS_CSV))
    kor = parsed.table.get("kor")
    assert kor is not None and kor.name == "Air Koryo" and kor.callsign == "AIR KORYO"
    assert parsed.table.from_callsign("KOR151") == kor
    assert parsed.table.from_callsign("ABC123") is None


def test_openflights_airlines(tmp_path: Path) -> None:
    parsed = read_operators(write_text(tmp_path, "airlines.dat", AIRLINES_DAT))
    assert parsed.format == "openflights airlines.dat"
    kor = parsed.table.get("KOR")
    # the active airline wins over an inactive one with the same designator; \N is empty
    assert kor is not None and kor.name == "Air Koryo" and kor.iata == "JS"
    assert parsed.bad.count == 1 and parsed.bad.kept[0].line == 4
    assert parsed.skipped == 2
    parsed.table.save(tmp_path / "ops.csv")
    assert OperatorTable.load(tmp_path / "ops.csv").get("KOR") == kor


def test_operator_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RefdataError, match="neither an operators CSV"):
        read_operators(write_text(tmp_path, "x.csv", "a,b\n1,2\n"))
    with pytest.raises(RefdataError, match="empty"):
        read_operators(write_text(tmp_path, "y.csv", ""))


def test_types_json_both_forms_and_bad_entries(tmp_path: Path) -> None:
    data = dict(TYPES_JSON)
    data["B738"] = ["BOEING 737-800", "L2J", "M"]  # type: ignore[assignment]
    data["BAD1"] = {"desc": "XXXX", "wtc": "M"}
    data["BALL"] = {"desc": "B0-", "wtc": "-"}
    parsed = read_types(write_text(tmp_path, "types.json", json.dumps(data)))
    assert parsed.table.get("A148").type_class == "L2J"  # type: ignore[union-attr]
    assert parsed.table.get("b738").description == "BOEING 737-800"  # type: ignore[union-attr]
    assert parsed.table.get("BALL").wake_category == ""  # type: ignore[union-attr]
    assert parsed.table.get("BAD1") is None
    assert parsed.bad.count == 1 and parsed.bad.kept[0].line == 4
    parsed.table.save(tmp_path / "t.json")
    assert TypeTable.load(tmp_path / "t.json").get("C17") == parsed.table.get("C17")


def test_types_csv(tmp_path: Path) -> None:
    text = "designator,class,wtc,description\nA148,L2J,M,ANTONOV An-148\nA3,L2J,Q,bad wake\n"
    parsed = read_types(write_text(tmp_path, "types.csv", text))
    assert parsed.table.get("A148").description == "ANTONOV An-148"  # type: ignore[union-attr]
    assert parsed.bad.kept[0].line == 3


def test_types_not_json_nor_csv(tmp_path: Path) -> None:
    with pytest.raises(RefdataError):
        read_types(write_text(tmp_path, "t.json", "{broken"))
    with pytest.raises(RefdataError, match="designator column"):
        read_types(write_text(tmp_path, "t.csv", "foo,bar\n1,2\n"))
