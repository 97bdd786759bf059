"""Scenario files: the built-in seed scenario loads; broken files fail with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from skytrace.errors import SimulationError
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario, parse_scenario

GOOD = """
[scenario]
name = "mini"
start = "2023-09-12T02:00:00Z"
duration_s = 600
seed = 7

[[receivers]]
name = "rx"
lat = 43.4
lon = 132.1

[[airports]]
icao = "UHWW"
[[airports.runways]]
le_ident = "07R"
he_ident = "25L"
le_lat = 43.3937
le_lon = 132.1420
he_lat = 43.4045
he_lon = 132.1690
le_heading_deg = 61.1
he_heading_deg = 241.1
length_ft = 11483

[[airports]]
icao = "UHHH"
[[airports.runways]]
le_ident = "05L"
he_ident = "23R"
le_lat = 48.5164
le_lon = 135.1700
he_lat = 48.5397
he_lon = 135.2020
le_heading_deg = 42
he_heading_deg = 222
length_ft = 11483

[[flights]]
icao24 = "1500AB"
callsign = "SHU5601"
typecode = "A319"
origin = "UHWW"
destination = "UHHH"
takeoff = "2023-09-12T02:03:00Z"
cruise_altitude_ft = 30000
"""


def test_seed_scenario_loads_with_the_air_koryo_flight() -> None:
    sc = load_scenario(builtin_scenario_path())
    kor = [f for f in sc.flights if f.icao24 == 0x7277CF]
    assert len(kor) == 1
    assert (kor[0].origin, kor[0].destination, kor[0].typecode) == ("ZKPY", "UHWW", "A148")
    assert sc.aircraft[0x7277CF].registration == "P-671"
    assert {r.country for r in sc.receivers} == {"RU", "CN", "KR"}
    assert sc.background.flights > 0
    assert sc.airports["ZKPY"].name.startswith("Sunan") or "Pyongyang" in sc.airports["ZKPY"].name


def test_good_minimal_scenario_parses() -> None:
    sc = parse_scenario(GOOD)
    assert sc.duration_s == 600
    assert sc.flights[0].callsign == "SHU5601"
    assert sc.airports["UHWW"].elevation_ft > 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('[scenario]\nname = "mini"', "[scenario]"), "missing field 'name'"),
        (lambda t: t.replace('icao = "UHHH"', 'icao = "ZZZZ"'), "unknown airport 'ZZZZ'"),
        (lambda t: t.replace("lat = 43.4\n", "lat = 143.4\n"), "lat = 143.4 is out of range"),
        (
            lambda t: t.replace("duration_s = 600", 'duration_s = "long"'),
            "duration_s must be a number",
        ),
        (lambda t: t.replace('icao24 = "1500AB"', 'icao24 = "XYZ"'), "icao24 must be 6 hex digits"),
        (
            lambda t: t.replace('origin = "UHWW"', 'origin = "RKSI"'),
            "RKSI has no [[airports]] entry",
        ),
        (
            lambda t: t.replace('takeoff = "2023-09-12T02:03:00Z"', 'takeoff = "soon"'),
            "not an ISO time",
        ),
        (
            lambda t: t.replace('origin = "UHWW"', 'origin = "UHHH"'),
            "origin and destination are the same",
        ),
        (
            lambda t: t.replace(
                "cruise_altitude_ft = 30000", "cruise_altitude_ft = 30000\nsquawk = 1280"
            ),
            "not four octal",
        ),
        (
            lambda t: t.split("[[receivers]]")[0] + "[[airports]]" + t.split("[[airports]]", 1)[1],
            "at least one receiver",
        ),
        (lambda t: t.replace("[scenario]", "[scenario"), "not valid TOML"),
    ],
)
def test_bad_scenarios_name_the_problem(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SimulationError) as info:
        parse_scenario(edit(GOOD), source="bad.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("bad.toml")


def test_missing_file_is_a_simulation_error(tmp_path: Path) -> None:
    with pytest.raises(SimulationError, match="cannot read scenario"):
        load_scenario(tmp_path / "nope.toml")


def test_unknown_builtin_name() -> None:
    with pytest.raises(SimulationError, match="no built-in scenario"):
        builtin_scenario_path("nope")


BACKGROUND = """
[background]
flights = 5
airports = ["UHWW", "UHHH"]

[[background.operators]]
icao = "SHU"
name = "Aurora"
country = "RU"
types = ["A319"]
"""


def test_background_operator_takes_its_country_address_block() -> None:
    sc = parse_scenario(GOOD + BACKGROUND)
    assert sc.background.operators[0].address_block == (0x100000, 0x1FFFFF)
    explicit = BACKGROUND.replace(
        'country = "RU"', 'country = "RU"\naddress_block = "150000-15FFFF"'
    )
    assert parse_scenario(GOOD + explicit).background.operators[0].address_block == (
        0x150000,
        0x15FFFF,
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('country = "RU"', 'country = "XX"'), "no ICAO address block"),
        (lambda t: t.replace('country = "RU"\n', ""), "give address_block or the operator"),
        (lambda t: t.replace('country = "RU"', 'address_block = "1FFFFF-100000"'), "not a valid"),
        (lambda t: t.replace('types = ["A319"]', "types = []"), "non-empty list"),
        (lambda t: t.replace('airports = ["UHWW", "UHHH"]', 'airports = ["UHWW"]'), "two ICAO"),
    ],
)
def test_bad_background_names_the_problem(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SimulationError, match="background") as info:
        parse_scenario(GOOD + edit(BACKGROUND), source="bg.toml")
    assert message in str(info.value)
