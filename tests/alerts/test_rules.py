"""Watch rules: building and checking, the TOML file, and reloading it while running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from skytrace.alerts.rules import RULES_FILE, RuleBook, WatchRule, load_rules, parse_rules
from skytrace.errors import WatchRuleError

GOOD = """
[[rule]]
name = "koryo"
operator = ["KOR"]
on = ["takeoff", "landing", "area-entry"]
webhook = "http://127.0.0.1:9000/hook"

[[rule]]
name = "p671"
aircraft = ["7277cf", "P-672"]
on = ["lost-contact"]
lost_minutes = 20
"""


def test_rules_parse_with_their_fields_normalized() -> None:
    koryo, p671 = parse_rules(GOOD)
    assert koryo.operator == ("KOR",) and koryo.on == ("takeoff", "landing", "area-entry")
    assert p671.hexes == frozenset({0x7277CF}) and p671.registrations == frozenset({"P-672"})
    assert p671.lost_minutes == 20.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "x", "on": ["landed"]}, "on: landed"),
        ({"name": "bad name!"}, "name"),
        ({"name": "x", "operator": ["KOREA AIR"]}, "operator"),
        ({"name": "x", "squawk": ["7800"]}, "squawk"),
        ({"name": "x", "webhook": "ftp://x"}, "webhook"),
        ({"name": "x", "jsonl": "../../etc/passwd"}, "jsonl"),
        ({"name": "x", "area": ["circle:95,0,10"]}, "out of range"),
        ({"name": "x", "area": ["moon:1"]}, "expected country"),
        ({"name": "x", "colour": "red"}, "unknown field"),
        ({"name": "x", "lost_minutes": -1}, "lost_minutes"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(values: dict, message: str) -> None:
    with pytest.raises(WatchRuleError, match=message):
        WatchRule.build(values)


def test_file_errors_name_their_line(tmp_path: Path) -> None:
    (tmp_path / RULES_FILE).write_text(GOOD + '\n[[rule]]\nname = "third"\non = ["nope"]\n')
    with pytest.raises(WatchRuleError) as err:
        load_rules(tmp_path)
    # the line of the broken rule's [[rule]] table
    assert err.value.line == 14 and "third" in str(err.value) and ":14:" in str(err.value)
    (tmp_path / RULES_FILE).write_text('[[rule]]\nname = "x"\non = [takeoff]\n')
    with pytest.raises(WatchRuleError) as err:
        load_rules(tmp_path)
    assert err.value.line == 3


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    book = RuleBook(tmp_path)
    rules = parse_rules(GOOD)
    book.save(rules)
    assert load_rules(tmp_path) == rules
    assert RuleBook(tmp_path).rules() == tuple(rules)


def test_a_broken_file_keeps_the_rules_in_force_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / RULES_FILE
    path.write_text(GOOD)
    book = RuleBook(tmp_path)
    assert [r.name for r in book.rules()] == ["koryo", "p671"]
    path.write_text(GOOD.replace('on = ["lost-contact"]', 'on = ["lost"]'))
    _bump(path)
    assert book.reload() is False
    assert [r.name for r in book.rules()] == ["koryo", "p671"]
    assert "p671" in book.error and f"{RULES_FILE}:" in book.error
    # fixed: the new rules come into force and the error clears
    path.write_text(GOOD.replace('name = "p671"', 'name = "p672"'))
    _bump(path)
    assert book.reload() is True
    assert [r.name for r in book.rules()] == ["koryo", "p672"] and book.error == ""


def test_aircraft_list_file_and_polygon_are_read_beside_the_rules(tmp_path: Path) -> None:
    (tmp_path / "fleet.txt").write_text("# Air Koryo An-148s\n7277cf\nP-672  # the other\n")
    (tmp_path / "box.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[130, 42], [134, 42], [134, 45], [130, 45], '
        "[130, 42]]]}"
    )
    (tmp_path / RULES_FILE).write_text(
        '[[rule]]\nname = "fleet"\naircraft_file = "fleet.txt"\n'
        'area = ["polygon:box.geojson"]\non = ["area-entry"]\n'
    )
    (rule,) = load_rules(tmp_path)
    assert rule.hexes == frozenset({0x7277CF}) and rule.registrations == frozenset({"P-672"})
    assert rule.geometry_areas[0].key == "polygon:box.geojson"
    assert rule.geometry_areas[0].geometry.contains(__import__("shapely").Point(132, 43))


def _bump(path: Path) -> None:
    """Give the file a new mtime even on coarse-timestamp filesystems."""
    t = time.time() + 5
    os.utime(path, (t, t))
