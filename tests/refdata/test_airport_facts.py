"""The airport facts skytrace ships (kind, scheduled service, longest runway, surface), their
generator in scripts/, and how imported runways replace them."""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from skytrace.errors import RefdataError
from skytrace.refdata.airports import Airports, load_airport_facts
from skytrace.refdata.runways import RunwayColumns, surface_kind

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_facts_know_the_seed_flights_airports() -> None:
    airports = Airports.load()
    for code in ("ZKPY", "UHWW", "EHAM", "LFBO"):
        info = airports.get(code)
        assert info.kind == "large" and info.scheduled_service is True
        assert info.surface == "paved" and info.longest_runway_ft > 9_000
        assert info.size == "large"


def test_shipped_facts_tell_heliports_and_strips_from_airports() -> None:
    facts = load_airport_facts()
    assert len(facts) > 20_000
    assert np.all(facts.icao[:-1] < facts.icao[1:])  # sorted, unique
    kinds = dict(zip(facts.icao.tolist(), facts.kind.tolist(), strict=True))
    airports = Airports.load()
    heliports = [i for i, k in kinds.items() if k == 4]
    assert len(heliports) > 20
    assert all(airports.get(code).size == "heliport" for code in heliports[:50])
    unpaved = int(np.sum(facts.surface == 2))
    assert unpaved > 5_000


def test_facts_file_with_a_wrong_header_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "facts.csv"
    bad.write_text("code,type\nZKPY,large\n")
    with pytest.raises(RefdataError, match="unexpected header"):
        load_airport_facts(bad)


def _facts_file(path: Path, rows: list[tuple[str, ...]]) -> Path:
    lines = ["icao,kind,scheduled,longest_runway_ft,surface", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_imported_runways_replace_shipped_length_and_surface(tmp_path: Path) -> None:
    table = {"XAAA": {"icao": "XAAA", "iata": "", "name": "A", "lat": 1.0, "lon": 1.0}}
    rows = [("XAAA", "small", "0", "2000", "unpaved")]
    facts = load_airport_facts(_facts_file(tmp_path / "facts.csv", rows))
    without = Airports(table, None, facts).get("XAAA")
    assert (without.longest_runway_ft, without.surface, without.kind) == (2000, "unpaved", "small")
    cols = {
        "airport_icao": np.array(["XAAA", "XAAA"]),
        "le_ident": np.array(["H1", "09"]),
        "he_ident": np.array(["", "27"]),
        "surface": np.array(["CON", "ASPH-G"]),
    }
    for name in ("le_lat", "le_lon", "he_lat", "he_lon", "le_heading_deg", "he_heading_deg",
                 "width_ft", "le_elevation_ft", "he_elevation_ft"):  # fmt: skip
        cols[name] = np.full(2, np.nan)
    cols["length_ft"] = np.array([60.0, 5_900.0])  # a helipad and a paved runway
    with_rw = Airports(table, RunwayColumns(cols), facts).get("XAAA")
    assert (with_rw.longest_runway_ft, with_rw.surface) == (5_900.0, "paved")
    assert with_rw.kind == "small"  # the kind is not the runways' to say


@pytest.mark.parametrize(
    ("text", "kind"),
    [("ASP", "paved"), ("Concrete", "paved"), ("TURF-G", "unpaved"), ("Grass", "unpaved"),
     ("GRVL", "unpaved"), ("WATER", "water"), ("UNK", ""), ("", ""), ("ROOF-TOP", "")],
)  # fmt: skip
def test_surface_folding(text: str, kind: str) -> None:
    assert surface_kind(text) == kind


def test_generator_merges_airports_py_and_ourairports(tmp_path: Path) -> None:
    gen = _script("gen_airport_facts")
    airports_py = tmp_path / "airports.gz"
    airports_py.write_bytes(
        gzip.compress(
            json.dumps(
                [
                    {"icao": "ZKPY", "type": "large_airport", "scheduled_service": "TRUE",
                     "runway_length": 12000},
                    {"icao": "XSEA", "type": "seaplane_base", "scheduled_service": "FALSE"},
                    {"icao": "", "type": "small_airport"},
                ]
            ).encode()
        )
    )  # fmt: skip
    runways = tmp_path / "runways.csv"
    runways.write_text(
        "airport_ident,length_ft,surface,le_ident\n"
        "ZKPY,12475,CON,01\nZKPY,11490,CON,17\n"
        "XHEL,60,ASPH,H1\n"
        "XGRS,2100,TURF,09\n"
    )
    out = tmp_path / "facts.csv"
    # the airportsdata codes the tiny inputs speak of
    gen_rows = gen.airport_rows(
        ["ZKPY", "XSEA", "XHEL", "XGRS", "XNONE"],
        gen.load_airports_py(airports_py),
        gen.runway_facts(gen.csv.DictReader(runways.open())),
    )
    out.write_text(gen.write_csv(gen_rows))
    facts = load_airport_facts(out)
    got = {
        code: (kind, sched, length, surface)
        for code, kind, sched, length, surface in zip(
            facts.icao.tolist(), facts.kind.tolist(), facts.scheduled.tolist(),
            facts.longest_runway_ft.tolist(), facts.surface.tolist(), strict=True
        )
    }  # fmt: skip
    assert got["ZKPY"] == (1, 1, 12475.0, 1)  # OurAirports' length wins over airports-py's
    assert got["XSEA"][:2] == (5, 0) and math.isnan(got["XSEA"][2])
    assert got["XHEL"][0] == 4 and math.isnan(got["XHEL"][2])  # helipads only: a heliport
    assert got["XGRS"] == (0, -1, 2100.0, 2)
    assert "XNONE" not in got  # nothing known: no row


def test_shipped_table_is_what_the_generator_makes() -> None:
    """The committed table is regenerated, not edited: same columns, sorted, and every code an
    airportsdata code. (Regenerate: python scripts/gen_airport_facts.py)"""
    import airportsdata

    gen = _script("gen_airport_facts")
    text = (Path(gen.DEFAULT_OUT)).read_text()
    header, *lines = text.splitlines()
    assert header == ",".join(gen.COLUMNS)
    codes = [line.split(",", 1)[0] for line in lines]
    assert codes == sorted(codes)
    assert set(codes) <= set(airportsdata.load("ICAO"))
