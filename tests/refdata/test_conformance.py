"""Conformance on the real reference files in ../shared/data/refdata (CI has them)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from skytrace.refdata import import_refdata, load_refdata

pytestmark = pytest.mark.conformance


@pytest.fixture(scope="module")
def real_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("real")
    src = shared_data / "refdata"
    reports = {
        kind: import_refdata(src / name, kind, d)
        for kind, name in [
            ("aircraft", "aircraft.csv.gz"),
            ("operators", "operators.csv"),
            ("types", "aircraft_types.json"),
            ("runways", "ourairports_runways.csv"),
            ("firs", "fir_boundaries.geojson"),
        ]
    }
    assert reports["aircraft"].rows == 619_472 and reports["aircraft"].bad_rows == 0
    assert reports["runways"].rows == 48_184
    assert reports["firs"].bad_rows == 0  # the two unclosed rings are repaired
    return d


def test_air_koryo_an148(real_dir: Path) -> None:
    ident = load_refdata(real_dir).identify(0x7277CF, "KOR151")
    assert (ident.registration, ident.typecode, ident.type_description) == (
        "P-671", "A148", "ANTONOV An-148"
    )  # fmt: skip
    assert ident.country == "North Korea" and ident.type_class == "L2J"
    assert (ident.operator_icao, ident.operator_name, ident.operator_source) == (
        "KOR", "Air Koryo", "callsign"
    )  # fmt: skip
    assert load_refdata(real_dir).identify(0x7277D0).registration == "P-672"


def test_openflights_names_air_koryo_too(shared_data: Path, tmp_path: Path) -> None:
    import_refdata(shared_data / "refdata" / "openflights_airlines.dat", "operators", tmp_path)
    assert load_refdata(tmp_path).operators.get("KOR").name == "Air Koryo"  # type: ignore[union-attr]


def test_pyongyang_runways(real_dir: Path) -> None:
    info = load_refdata(real_dir).airports.get("ZKPY")
    assert {r.name for r in info.runways} == {"01/19", "17/35"}  # 01/19 though marked closed
    assert info.longest_runway_ft == 12475 and info.size == "large"


def test_vladivostok_approach_is_russia_and_uhhh(real_dir: Path) -> None:
    hit = load_refdata(real_dir).areas.locate(43.1, 131.9)
    assert (hit.country, hit.surface, hit.fir, hit.fir_name) == ("RU", "sea", "UHHH", "Khabarovsk")
    assert load_refdata(real_dir).areas.locate(39.5, 125.5).fir == "ZKKP"


def test_maritime_set_replaces_the_bundled_outlines(shared_data: Path, tmp_path: Path) -> None:
    # The whole set takes ~30 s to index; the countries around the Sea of Japan suffice
    # to check the format and the result.
    with tarfile.open(shared_data / "refdata" / "countries-maritime-10m.tgz") as tar:
        member = tar.extractfile("package/map.geo.json")
        assert member is not None
        data = json.load(member)
    keep = {"RUS", "PRK", "KOR", "CHN", "JPN"}
    data["features"] = [f for f in data["features"] if f["properties"].get("A3") in keep]
    subset = tmp_path / "maritime-subset.geo.json"
    subset.write_text(json.dumps(data))
    report = import_refdata(subset, "countries", tmp_path / "d")
    assert report.rows == 5 and report.bad_rows == 0
    areas = load_refdata(tmp_path / "d").areas
    assert areas.country_source == "imported"
    assert list(areas.countries_at([43.1, 39.03, 37.0], [131.9, 125.75, 131.5])) == ["RU", "KP", ""]


def test_bundled_countries_10m_against_airport_countries(real_dir: Path) -> None:
    # Airports of airportsdata lie in their own country by the bundled outlines (a few
    # border and island airports excepted): a broad check of codes and outlines.
    rd = load_refdata(real_dir)
    ap = rd.airports
    codes = rd.areas.countries_at(ap.lat, ap.lon)
    agree = (codes == ap.country.astype(object)).mean()
    assert agree > 0.985  # the rest: Puerto Rico coded US, French overseas, Crimea, coasts
    # world-atlas stitches Russia across 180°: decoded naively it swallows Alaska
    alaska = (ap.country == "US") & (ap.lon < -140) & (ap.lat > 55)
    assert alaska.sum() > 100 and not (codes[alaska] == "RU").any()


def test_operator_names_are_written_as_people_write_them(real_dir: Path) -> None:
    """Issue 12: the tar1090 database title-cases names ("Klm Royal Dutch Airlines")."""
    ops = load_refdata(real_dir).operators
    assert ops.get("KLM").name == "KLM Royal Dutch Airlines"  # type: ignore[union-attr]
    assert ops.get("EZY").name == "Easyjet UK"  # type: ignore[union-attr]
    assert ops.get("DLH").name == "Deutsche Lufthansa AG Koeln"  # type: ignore[union-attr]
    assert ops.get("KOR").name == "Air Koryo"  # type: ignore[union-attr]
