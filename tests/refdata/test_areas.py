from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from skytrace.errors import RefdataError
from skytrace.refdata.areas import AreaIndex
from skytrace.refdata.geojson import read_area_features
from skytrace.refdata.layers import LayerEntry, PolygonLayer
from skytrace.refdata.topojson import decode_topology
from tests.refdata.fixtures import feature_collection, polygon, square, write_text


def _layer() -> PolygonLayer:
    big = shapely.Polygon(square(0, 0, 12)[0])
    island = shapely.Polygon([(20, 20), (23, 21.3), (21.7, 24.1), (20, 20)])
    inner = shapely.Polygon(square(2.1, 2.1, 3)[0])
    return PolygonLayer.build(
        [
            (LayerEntry("AA", "Inner", "x"), inner),  # first: wins over BB where both contain
            (LayerEntry("BB", "Big", "x"), big),
            (LayerEntry("CC", "Island", "x"), island),
        ]
    )


def test_grid_lookup_agrees_with_brute_force_shapely() -> None:
    layer = _layer()
    rng = np.random.default_rng(7)
    lats = rng.uniform(-5, 30, 4000)
    lons = rng.uniform(-5, 30, 4000)
    got = layer.codes_at(lats, lons)
    inner = shapely.Polygon(square(2.1, 2.1, 3)[0])
    big = shapely.Polygon(square(0, 0, 12)[0])
    island = shapely.Polygon([(20, 20), (23, 21.3), (21.7, 24.1), (20, 20)])
    for lat, lon, code in zip(lats, lons, got, strict=True):
        p = shapely.Point(lon, lat)
        want = (
            "AA" if inner.covers(p) else "BB" if big.covers(p) else "CC" if island.covers(p) else ""
        )
        assert code == want, (lat, lon)
    # every path was used: whole cells, fine blocks, and exact tests in mixed fine cells
    assert (layer.grid >= 0).any() and (layer.grid <= -3).any() and (layer.fine == -2).any()


def test_nan_and_wrapped_longitudes() -> None:
    layer = _layer()
    assert list(layer.codes_at([np.nan, 1.0, 1.0, 95.0], [1.0, 361.0, 1.0 - 360, 1.0])) == [
        "", "BB", "BB", ""
    ]  # fmt: skip
    with pytest.raises(RefdataError):
        layer.codes_at([1.0, 2.0], [1.0])


def test_layer_round_trip(tmp_path: Path) -> None:
    layer = _layer()
    layer.save(tmp_path / "l.npz")
    loaded = PolygonLayer.load(tmp_path / "l.npz")
    pts = np.random.default_rng(1).uniform(-2, 25, (2, 3000))
    assert list(loaded.codes_at(pts[0], pts[1])) == list(layer.codes_at(pts[0], pts[1]))
    assert [e.code for e in loaded.all_at(3.0, 3.0)] == ["AA", "BB"]


def test_topojson_decoding_with_transform_and_reversed_arcs() -> None:
    # Two unit squares sharing the arc x=1: A uses it forwards, B reversed (~0).
    topo = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [10, 20]},
        "arcs": [
            [[1, 0], [0, 1]],
            [[1, 1], [-1, 0], [0, -1], [1, 0]],
            [[1, 0], [1, 0], [0, 1], [-1, 0]],
        ],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "id": "408", "arcs": [[0, 1]], "properties": {"name": "A"}},
            {"type": "MultiPolygon", "id": "643", "arcs": [[[~0, 2]]], "properties": {"name": "B"}},
            {"type": "LineString", "arcs": [0]},
        ]}},
    }  # fmt: skip
    features = decode_topology(topo)
    assert [f.id for f in features] == ["408", "643"]
    assert features[0].geometry.area == pytest.approx(1.0)
    assert features[1].geometry.area == pytest.approx(1.0)
    assert features[0].geometry.covers(shapely.Point(10.5, 20.5))
    assert features[1].geometry.covers(shapely.Point(11.5, 20.5))
    with pytest.raises(RefdataError, match="TopoJSON"):
        decode_topology({"type": "FeatureCollection"})


def test_geojson_reading_repairs_unclosed_rings_and_reports_bad_features(tmp_path: Path) -> None:
    unclosed = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    text = feature_collection(
        [
            ({"id": "ok"}, polygon(square(0, 0, 1))),
            ({"id": "open"}, unclosed),
            ({"id": "line"}, {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
            ({"id": "none"}, None),
            ({"id": "junk"}, {"type": "Polygon", "coordinates": "x"}),
        ]
    )
    features, fmt, bad = read_area_features(write_text(tmp_path, "a.geojson", text))
    assert fmt == "geojson"
    assert [f.properties["id"] for f in features] == ["ok", "open"]
    assert [b.line for b in bad.kept] == [3, 4, 5] and bad.kept[0].where == "feature"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected a GeoJSON object"),
        ('{"type": "Point"}', "not GeoJSON"),
        ("nonsense", "not JSON"),
    ],
)
def test_geojson_malformed(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(RefdataError, match=message):
        read_area_features(write_text(tmp_path, "bad.geojson", content))


def test_bundled_countries_name_the_territorial_sea() -> None:
    areas = AreaIndex()
    hit = areas.locate(43.1, 131.9)  # Amur Bay, off Vladivostok
    assert (hit.country, hit.country_name, hit.surface) == ("RU", "Russia", "sea")
    assert areas.locate(39.03, 125.75).country == "KP"  # Pyongyang
    assert areas.locate(0.0, -30.0).country == ""  # mid-Atlantic
    assert areas.locate(43.3, 132.05).surface == "land"
    assert list(areas.countries_at([48.85, 40.4], [2.35, -3.7])) == ["FR", "ES"]
    assert areas.country_name("KP") == "North Korea"
    assert not areas.has_firs and areas.firs_at([1.0], [1.0])[0] == ""


def test_user_area_and_fir_layers_in_an_index() -> None:
    fir = PolygonLayer.build([(LayerEntry("ZZZZ", "Test FIR", "fir"), shapely.box(0, 0, 10, 10))])
    area = PolygonLayer.build([(LayerEntry("mine", "mine", "area"), shapely.box(1, 1, 2, 2))])
    areas = AreaIndex(firs=fir, areas={"mine": area})
    assert list(areas.firs_at([5.0, 20.0], [5.0, 20.0])) == ["ZZZZ", ""]
    assert areas.areas_at([1.5, 5.0], [1.5, 5.0]) == [("mine",), ()]
    assert list(areas.in_area("mine", [1.5, 5.0], [1.5, 5.0])) == [True, False]
    hit = areas.locate(1.5, 1.5)
    assert hit.fir == "ZZZZ" and hit.fir_name == "Test FIR" and hit.areas == ("mine",)


def test_imported_countries_replace_bundled(tmp_path: Path) -> None:
    layer = PolygonLayer.build(
        [(LayerEntry("NZ", "New Zealand", "airspace"), shapely.box(0, 0, 1, 1))]
    )
    layer.save(tmp_path / "countries.npz")
    areas = AreaIndex(tmp_path / "countries.npz")
    assert areas.country_source == "imported"
    assert list(areas.countries_at([0.5, 48.85], [0.5, 2.35])) == ["NZ", ""]
    (tmp_path / "broken.npz").write_bytes(b"nope")
    with pytest.raises(RefdataError, match="import it again"):
        AreaIndex(tmp_path / "broken.npz").countries_at([0.0], [0.0])


def test_topojson_rings_across_the_antimeridian_are_cut_again() -> None:
    # An island from 179°E to 179°W (stitched across 180°) and a ring around the south pole.
    topo = {
        "type": "Topology",
        "arcs": [
            [[179.0, 60.0], [-179.0, 60.0], [-179.0, 61.0], [179.0, 61.0], [179.0, 60.0]],
            [[-180.0, -70.0], [-90.0, -71.0], [0.0, -70.0], [90.0, -71.0], [179.0, -70.0],
             [-180.0, -70.0]],
        ],
        "objects": {"x": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "id": "1", "arcs": [[0]]},
            {"type": "Polygon", "id": "2", "arcs": [[1]]},
        ]}},
    }  # fmt: skip
    island, antarctica = (f.geometry for f in decode_topology(topo))
    assert island.area == pytest.approx(2.0)  # not a band around the world
    assert island.covers(shapely.Point(179.5, 60.5)) and island.covers(shapely.Point(-179.5, 60.5))
    assert not island.covers(shapely.Point(0.0, 60.5))
    assert antarctica.covers(shapely.Point(0.0, -89.0)) and antarctica.covers(
        shapely.Point(120, -80)
    )
    assert not antarctica.covers(shapely.Point(0.0, -60.0))


def test_fir_lookup_answers_the_fir_not_its_sub_areas_or_groups(tmp_path: Path) -> None:
    """Issue 12: VATSpy lists sub-areas without a suffix (RKDA inside RKRR) and groups of FIRs
    (EGVV = EGTT + EGPX); a look-up answers the FIR, sectors only when asked."""
    from skytrace.refdata import load_refdata
    from skytrace.refdata.importers import import_refdata

    path = write_text(
        tmp_path,
        "firs.geojson",
        feature_collection(
            [
                ({"id": "AAAA-N"}, polygon(square(0, 6, 2))),  # a suffixed sector of AAAA
                ({"id": "AASB"}, polygon(square(0, 0, 5))),  # a sub-area listed first
                ({"id": "AAAA"}, polygon(square(0, 0, 10))),
                ({"id": "GRPX"}, polygon(square(0, 0, 20))),  # = AAAA + BBBB: a group
                ({"id": "BBBB"}, polygon([[[10, 0], [20, 0], [20, 20], [0, 20], [0, 10],
                                           [10, 10], [10, 0]]])),  # fmt: skip
            ]
        ),
    )
    import_refdata(path, "firs", tmp_path / "data")
    areas = load_refdata(tmp_path / "data").areas
    assert list(areas.firs_at([2.0, 7.0, 15.0, 15.0], [2.0, 1.0, 5.0, 15.0])) == [
        "AAAA", "AAAA", "BBBB", "BBBB",
    ]  # fmt: skip
    assert areas.locate(2.0, 2.0).sectors == ()
    assert areas.locate(2.0, 2.0, sectors=True).sectors == ("AASB",)
    assert areas.locate(7.0, 1.0, sectors=True).sectors == ("AAAA-N",)


@pytest.mark.conformance
def test_vatspy_fir_file_answers_fir_level_idents(shared_data: Path, tmp_path: Path) -> None:
    from skytrace.refdata import load_refdata
    from skytrace.refdata.importers import import_refdata

    import_refdata(shared_data / "refdata" / "fir_boundaries.geojson", "firs", tmp_path)
    areas = load_refdata(tmp_path).areas
    points = {  # (lat, lon): FIR
        (35.87, 128.6): "RKRR",  # Daegu, inside the RKDA sub-area
        (37.5, 127.0): "RKRR",
        (51.47, -0.45): "EGTT",  # Heathrow, inside EGTL
        (51.9, -1.5): "EGTT",
        (56.0, -4.0): "EGPX",
        (43.1, 131.9): "UHHH",
    }
    lats, lons = zip(*points, strict=True)
    assert list(areas.firs_at(list(lats), list(lons))) == list(points.values())
    assert "RKDA" in areas.locate(35.87, 128.6, sectors=True).sectors
    assert "EGTL" in areas.locate(51.47, -0.45, sectors=True).sectors
