from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import RefdataError
from skytrace.geo import haversine_km
from skytrace.refdata.airports import Airports
from skytrace.refdata.runways import RunwayColumns, read_runways
from tests.refdata.fixtures import RUNWAYS_HEADER, RUNWAYS_ROWS, write_text

TABLE = {
    "ZKPY": {"icao": "ZKPY", "iata": "FNJ", "name": "Pyongyang International Airport",
             "city": "Pyongyang", "country": "KP", "elevation": 117.0, "lat": 39.2241,
             "lon": 125.67, "tz": "Asia/Pyongyang"},
    "ZKAA": {"icao": "ZKAA", "iata": "", "name": "Small Field", "city": "X", "country": "KP",
             "elevation": 50.0, "lat": 39.30, "lon": 125.70, "tz": "Asia/Pyongyang"},
    "ZKHP": {"icao": "ZKHP", "iata": "", "name": "Pyongyang Heliport", "city": "Pyongyang",
             "country": "KP", "elevation": 60.0, "lat": 39.2300, "lon": 125.6710,
             "tz": "Asia/Pyongyang"},
    "UHWW": {"icao": "UHWW", "iata": "VVO", "name": "Vladivostok International Airport",
             "city": "Vladivostok", "country": "RU", "elevation": 46.0, "lat": 43.399,
             "lon": 132.148, "tz": "Asia/Vladivostok"},
}  # fmt: skip


@pytest.fixture
def runways(tmp_path: Path) -> RunwayColumns:
    return read_runways(write_text(tmp_path, "runways.csv", RUNWAYS_HEADER + RUNWAYS_ROWS)).runways


def test_get_by_icao_or_iata_any_case(runways: RunwayColumns) -> None:
    airports = Airports(TABLE, runways)
    assert airports.get("zkpy").name == "Pyongyang International Airport"
    assert airports.get("fnj").icao == "ZKPY"
    with pytest.raises(RefdataError, match="unknown airport 'ZZZZ'"):
        airports.get("ZZZZ")


def test_runways_attach_and_closed_column_is_ignored(runways: RunwayColumns) -> None:
    info = Airports(TABLE, runways).get("ZKPY")
    assert [r.name for r in info.runways] == ["01/19", "17/35"]  # 01/19 is marked closed
    assert info.longest_runway_ft == 12475
    # headings missing from the file come from the thresholds (17/35 runs ~163°T)
    r17 = info.runways[1]
    assert 160 < r17.le_heading_deg < 166 and 340 < r17.he_heading_deg < 346
    assert math.isnan(Airports(TABLE, None).get("ZKPY").longest_runway_ft)


def test_size_heuristic_tells_large_airport_from_small_field_and_heliport(
    runways: RunwayColumns,
) -> None:
    airports = Airports(TABLE, runways)
    assert airports.get("ZKPY").size == "large"
    assert airports.get("ZKAA").size == "small"
    assert airports.get("ZKHP").size == "heliport"
    assert Airports(TABLE, None).get("ZKPY").size == "medium"  # IATA code, no runways


def test_near_sorted_by_distance_and_nearest(runways: RunwayColumns) -> None:
    airports = Airports(TABLE, runways)
    found = airports.near(39.2241, 125.67, 20)
    assert [a.icao for a, _ in found] == ["ZKPY", "ZKHP", "ZKAA"]
    distances = [d for _, d in found]
    assert distances == sorted(distances) and distances[0] == pytest.approx(0, abs=1e-6)
    assert airports.nearest_airport(43.3, 132.0, 50) == ("UHWW", 43.399, 132.148)
    assert airports.nearest_airport(0.0, 0.0, 50) is None
    assert airports.nearest_airport(float("nan"), 0.0, 50) is None
    rows, dist = airports.nearest_many([39.2241, 0.0], [125.67, 0.0], 50)
    assert airports.icao[rows[0]] == "ZKPY" and rows[1] == -1 and np.isnan(dist[1])
    assert [c for c, _ in airports.near_many([43.399], [132.148], 1)[0]] == ["UHWW"]


def test_haversine_known_distance() -> None:
    # one degree of arc on a sphere of radius 6371.0088 km
    assert float(haversine_km(10.0, 20.0, 11.0, 20.0)) == pytest.approx(111.195, abs=1e-3)
    assert float(haversine_km(0.0, 179.5, 0.0, -179.5)) == pytest.approx(111.195, abs=1e-3)


def test_bundled_airportsdata_and_runway_round_trip(runways: RunwayColumns, tmp_path: Path) -> None:
    runways.save(tmp_path / "r.npz")
    airports = Airports.load(RunwayColumns.load(tmp_path / "r.npz"))
    assert len(airports) > 28000
    assert airports.get("ZKPY").runways[0].length_ft == 12475
    assert airports.get("UHWW").city == "Vladivostok"


def test_runway_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RefdataError, match=r"not an OurAirports runways\.csv"):
        read_runways(write_text(tmp_path, "r.csv", "a,b\n1,2\n"))
    bad_rows = RUNWAYS_ROWS + '3,1,"ZKPY",abc,1,"X",0,0,"05",,,,,,"23",,,,,\n4,1\n'
    parsed = read_runways(write_text(tmp_path, "r2.csv", RUNWAYS_HEADER + bad_rows))
    assert len(parsed.runways) == 2
    assert [b.line for b in parsed.bad.kept] == [4, 5]
