"""Hostile and broken reference-data files (issue 18): bombs and huge inputs stop with an
error naming the limit; deep JSON and broken CSV are clear errors, not tracebacks; runways at
impossible places are rejected and counted while the good rows around them are kept.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from skytrace.errors import RefdataError
from skytrace.refdata import geojson
from skytrace.refdata.importers import import_refdata
from skytrace.refdata.runways import read_runways

RUNWAY_HEADER = (
    "id,airport_ref,airport_ident,length_ft,width_ft,surface,lighted,closed,le_ident,"
    "le_latitude_deg,le_longitude_deg,le_elevation_ft,le_heading_degT,le_displaced_threshold_ft,"
    "he_ident,he_latitude_deg,he_longitude_deg,he_elevation_ft,he_heading_degT,"
    "he_displaced_threshold_ft"
)


def runway(
    ident: str, le_lat: str, le_lon: str, he_lat: str = "39.25", he_lon: str = "125.67"
) -> str:
    return (
        f"1,1,{ident},12000,150,ASP,1,0,01,{le_lat},{le_lon},100,10,,19,{he_lat},{he_lon},100,190,"
    )


def square(n_vertices: int) -> dict[str, object]:
    ring = [[125.0 + k / n_vertices, 39.0] for k in range(n_vertices)]
    ring += [[126.0, 40.0], [125.0, 40.0], [125.0, 39.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def collection(*geometries: dict[str, object]) -> str:
    features = [
        {"type": "Feature", "properties": {"name": f"a{k}"}, "geometry": g}
        for k, g in enumerate(geometries)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYTRACE_MAX_INPUT_MB", "4")


@pytest.mark.usefixtures("small_limit")
@pytest.mark.parametrize(
    ("kind", "head"),
    [
        ("aircraft", b"icao24,registration,typecode\n"),
        ("runways", RUNWAY_HEADER.encode() + b"\n"),
        ("area", b'{"type": "FeatureCollection", "features": ['),
        ("operators", b"icao,name\n"),
    ],
)
def test_gzip_bombs_stop_at_the_input_limit(tmp_path: Path, kind: str, head: bytes) -> None:
    bomb = tmp_path / f"{kind}.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(head)
        for _ in range(16):
            f.write(b" " * (1 << 20))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(RefdataError, match=r"more than 4 MiB .*SKYTRACE_MAX_INPUT_MB"):
        import_refdata(bomb, kind, tmp_path / "data")


def test_deeply_nested_json_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.geojson"
    deep.write_text(
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    with pytest.raises(RefdataError, match="nested too deeply"):
        import_refdata(deep, "area", tmp_path / "data", name="deep")
    blocks = tmp_path / "7277.js"
    blocks.write_text('{"cf": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(RefdataError, match="nested too deeply"):
        import_refdata(blocks, "aircraft", tmp_path / "data")


def test_broken_csv_is_a_clear_error(tmp_path: Path) -> None:
    huge_field = '"' + "x" * 200_000 + '"'
    runways = tmp_path / "runways.csv"
    runways.write_text(huge_field + "," + RUNWAY_HEADER + "\n")
    with pytest.raises(RefdataError, match="not a CSV file"):
        read_runways(runways)
    aircraft = tmp_path / "aircraft.csv"
    aircraft.write_text(f"icao24,registration\n{huge_field},P-671\n7277cf,P-671\n")
    with pytest.raises(RefdataError, match=r"no aircraft rows.*field larger than field limit"):
        import_refdata(aircraft, "aircraft", tmp_path / "data")


def test_runways_at_impossible_places_are_rejected_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "runways.csv"
    rows = [
        runway("ZKPY", "39.21", "125.67"),
        runway("XXLA", "95", "125.67"),
        runway("XXLO", "39.21", "500"),
        runway("XXHE", "39.21", "125.67", he_lon="-181"),
        runway("UHWW", "43.38", "132.14", "43.41", "132.15"),
    ]
    path.write_text(RUNWAY_HEADER + "\n" + "\n".join(rows) + "\n")
    parsed = read_runways(path)
    assert sorted(set(parsed.runways.columns["airport_icao"].tolist())) == ["UHWW", "ZKPY"]
    assert parsed.bad.count == 3
    assert [b.line for b in parsed.bad.kept] == [3, 4, 5]
    assert "le_lat 95" in parsed.bad.kept[0].reason


def test_a_polygon_of_too_many_vertices_is_a_bad_feature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geojson, "MAX_FEATURE_VERTICES", 10_000)
    path = tmp_path / "areas.geojson"
    path.write_text(collection(square(20_000), square(100)))
    features, _, bad = geojson.read_area_features(path)
    assert [f.position for f in features] == [2]
    assert bad.count == 1 and "vertices" in bad.kept[0].reason
    monkeypatch.setattr(geojson, "MAX_FILE_VERTICES", 15_000)
    with pytest.raises(RefdataError, match="vertices in all"):
        geojson.read_area_features(path)
