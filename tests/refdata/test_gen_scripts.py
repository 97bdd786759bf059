"""Tests of the table generators in scripts/ (run on tiny inputs the tests write)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import shapely

from skytrace.refdata.addresses import AddressBlocks
from skytrace.refdata.layers import PolygonLayer

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gen_address_blocks_writes_a_narrowest_wins_table(tmp_path: Path) -> None:
    gen = _script("gen_address_blocks")
    source = {
        "registers": [
            {"start": "0x680000", "end": "0x6fffff", "country": "Unassigned (ASIA region)"},
            {"start": "0x720000", "end": "0x727fff",
             "country": "Democratic People's Republic of Korea"},
            {"start": "0x100000", "end": "0x1fffff", "country": "Russia"},
            {"pattern": "^XX-", "country": "Nowhere"},
        ]
    }  # fmt: skip
    src = tmp_path / "blocks.json"
    src.write_text(json.dumps(source))
    out = tmp_path / "blocks.csv"
    assert gen.main([str(src), "--out", str(out)]) == 0
    blocks = AddressBlocks.from_csv_text(out.read_text())
    assert blocks.country_of(0x7277CF) == "KP" and blocks.country_of(0x150000) == "RU"
    assert blocks.country_of(0x690000) == ""
    assert len(blocks.blocks) == 3  # the pattern-only entry has no range
    bad = {"registers": [{"start": "0x1", "end": "0x2", "country": "Atlantis"}]}
    src.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="Atlantis"):
        gen.main([str(src), "--out", str(out)])


def test_gen_countries_builds_land_and_a_12nm_sea_belt(tmp_path: Path) -> None:
    gen = _script("gen_countries")
    # One square island of 1° at 40°N, coded 643 (Russia), quantized with a transform.
    topo = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [130.0, 40.0]},
        "arcs": [[[0, 0], [2, 0], [0, 2], [-2, 0], [0, -2]]],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "id": "643", "arcs": [[0]], "properties": {"name": "Russia"}},
            {"type": "Polygon", "arcs": [[0]], "properties": {"name": "Spratly Is."}},
        ]}},
    }  # fmt: skip
    src = tmp_path / "c.topo.json"
    src.write_text(json.dumps(topo))
    out = tmp_path / "countries.npz"
    assert gen.main([str(src), "--out", str(out)]) == 0
    layer = PolygonLayer.load(out)
    assert [(e.code, e.kind) for e in layer.entries] == [("RU", "land"), ("RU", "sea")]
    # 12 NM = 22.224 km: 0.1999° of latitude south of the coast at 40°N is inside the belt,
    # 0.22° is outside; east of the coast 22.224 km is 0.2610° of longitude at 40.5°N.
    lats = np.array([40.5, 39.81, 39.78, 40.5, 40.5])
    lons = np.array([130.5, 130.5, 130.5, 131.25, 131.28])
    entries = layer.entry_index_many(lats, lons)
    kinds = [layer.entries[e].kind if e >= 0 else "" for e in entries]
    assert kinds == ["land", "sea", "", "sea", ""]


def test_gen_countries_splits_a_narrow_strait_along_the_median_line(tmp_path: Path) -> None:
    gen = _script("gen_countries")
    # Two 1° islands at 0°N, 0.3° (33 km) apart: their 12 NM belts overlap in the strait.
    a = shapely.box(0.0, 0.0, 1.0, 1.0)
    b = shapely.box(1.3, 0.0, 2.3, 1.0)
    layer = gen.build_layer([("AA", a), ("BB", b)])
    lons = np.array([1.05, 1.12, 1.18, 1.25])
    codes = list(layer.codes_at(np.full(4, 0.5), lons))
    assert codes == ["AA", "AA", "BB", "BB"]
