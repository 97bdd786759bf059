from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from skytrace.errors import RefdataError, UsageError
from skytrace.model import AircraftIdentity
from skytrace.refdata import import_refdata, load_refdata
from skytrace.refdata.paths import read_manifest
from tests.refdata.fixtures import (
    OPERATORS_CSV,
    TYPES_JSON,
    feature_collection,
    polygon,
    square,
    write_aircraft,
    write_text,
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    src = tmp_path / "src"
    src.mkdir()
    import_refdata(write_aircraft(src), "aircraft", d)
    import_refdata(write_text(src, "operators.csv", OPERATORS_CSV), "operators", d)
    import_refdata(write_text(src, "types.json", json.dumps(TYPES_JSON)), "types", d)
    return d


def test_identity_of_the_air_koryo_an148(data_dir: Path) -> None:
    rd = load_refdata(data_dir)
    ident = rd.identify(0x7277CF, "KOR151")
    assert ident == AircraftIdentity(
        icao24=0x7277CF, registration="P-671", typecode="A148",
        type_description="ANTONOV An-148", type_class="L2J", wake_category="M",
        country="North Korea", operator_icao="KOR", operator_name="Air Koryo",
        operator_source="callsign",
    )  # fmt: skip


def test_operator_source_rules(tmp_path: Path, data_dir: Path) -> None:
    rd = load_refdata(data_dir)
    assert rd.identify(0x7277CF).operator_source == "unknown"  # no callsign, no db operator
    assert rd.identify(0x7277CF, "P671").operator_source == "unknown"  # not designator+digit
    assert rd.identify(0x7277CF, "ABC123").operator_source == "unknown"  # unknown designator
    # an aircraft database with an operator column is the fallback
    text = "icao24,registration,typecode,operator_icao\n7277CF,P-671,A148,KOR\n"
    import_refdata(write_text(tmp_path, "ac.csv", text), "aircraft", data_dir)
    ident = load_refdata(data_dir).identify(0x7277CF, "ABC123")
    assert (ident.operator_icao, ident.operator_name, ident.operator_source) == (
        "KOR", "Air Koryo", "aircraft-db"
    )  # fmt: skip
    # a known callsign designator still wins over the database
    assert load_refdata(data_dir).identify(0x7277CF, "SWR12").operator_name == "Swiss"


def test_unknown_address_and_no_data_dir() -> None:
    for rd in (load_refdata(None),):
        ident = rd.identify(0x7277CF, "KOR151")
        assert ident.country == "North Korea" and ident.registration == ""
        assert ident.operator_source == "unknown"
        assert rd.identify(0x000001).country == ""
        assert rd.identify("garbage").icao24 == -1  # type: ignore[arg-type]


def test_flags_and_vectorized_identities(data_dir: Path) -> None:
    rd = load_refdata(data_dir)
    assert rd.identify(0xAE1234).military
    swiss = rd.identify(0x4B1801)
    assert swiss.pia and swiss.ladd and not swiss.military and swiss.country == "Switzerland"
    cols = rd.identify_many(np.array([0x7277CF, 0x123456, 0xAE1234]))
    assert list(cols.known) == [True, False, True]
    assert list(cols.registration) == ["P-671", "", "05-5678"]
    assert list(cols.country) == ["KP", "RU", "US"]  # 123456 lies in the Russian block
    assert list(cols.flags) == [0, 0, 1]
    assert list(cols.description) == ["ANTONOV An-148", "", "BOEING C-17 Globemaster III"]
    assert list(cols.typecode) == ["A148", "", "C17"]


def test_manifest_records_each_import(data_dir: Path) -> None:
    manifest = read_manifest(data_dir)
    assert set(manifest) == {"aircraft", "operators", "types"}
    assert manifest["aircraft"].rows == 4 and manifest["aircraft"].bad_rows == 0
    assert manifest["aircraft"].imported_at.endswith("+00:00")


def test_area_and_fir_imports(tmp_path: Path) -> None:
    d = tmp_path / "data"
    firs = feature_collection(
        [
            ({"id": "UHHH-3"}, polygon(square(131, 42, 2))),
            ({"id": "UHHH"}, polygon(square(130, 41, 10))),
        ]
    )
    report = import_refdata(write_text(tmp_path, "firs.geojson", firs), "firs", d)
    assert report.rows == 2
    zone = feature_collection([({}, polygon(square(131.5, 42.5, 1)))])
    import_refdata(write_text(tmp_path, "zone.geojson", zone), "area", d, name="bay")
    areas = load_refdata(d).areas
    hit = areas.locate(43.1, 131.9)
    assert hit.fir == "UHHH" and hit.fir_name == "Khabarovsk"  # from the airport UHHH's city
    assert hit.areas == ("bay",) and areas.area_names == ["bay"]
    assert set(read_manifest(d)) == {"firs", "area:bay"}


def test_country_import_by_alpha3_and_bad_features(tmp_path: Path) -> None:
    d = tmp_path / "data"
    text = feature_collection(
        [({"A3": "RUS"}, polygon(square(131, 42, 2))), ({"A3": "???"}, polygon(square(0, 0, 1)))]
    )
    report = import_refdata(write_text(tmp_path, "c.geojson", text), "countries", d)
    assert report.rows == 1 and report.bad_rows == 1 and report.bad_lines[0].line == 2
    areas = load_refdata(d).areas
    assert areas.country_source == "imported"
    assert list(areas.countries_at([43.1, 48.85], [131.9, 2.35])) == ["RU", ""]


def test_import_errors_leave_the_store_untouched(tmp_path: Path, data_dir: Path) -> None:
    before = (data_dir / "refdata" / "aircraft.npz").read_bytes()
    with pytest.raises(RefdataError):
        import_refdata(write_text(tmp_path, "x.csv", "foo,bar\n1,2\n"), "aircraft", data_dir)
    assert (data_dir / "refdata" / "aircraft.npz").read_bytes() == before
    with pytest.raises(UsageError, match="unknown kind"):
        import_refdata(tmp_path / "x.csv", "planes", data_dir)
    with pytest.raises(UsageError, match="area name"):
        import_refdata(tmp_path / "x.csv", "area", data_dir, name="../evil")
    with pytest.raises(UsageError, match="--name is only"):
        import_refdata(tmp_path / "x.csv", "aircraft", data_dir, name="n")
    (data_dir / "refdata" / "manifest.json").write_text("{broken")
    with pytest.raises(RefdataError, match="manifest"):
        read_manifest(data_dir)
