"""Generate skytrace's bundled country outlines (land + approximate 12 NM territorial sea).

    python scripts/gen_countries.py ../shared/data/refdata/countries-10m.topo.json

reads Natural Earth country outlines as TopoJSON (world-atlas; public domain / ISC), and
writes ``src/skytrace/data/refdata/countries.npz``: a ``skytrace.refdata.layers`` polygon
layer whose entries are, first, each country's **land** (kind "land") and then its
**territorial sea** (kind "sea"), coded by ISO 3166 alpha-2.

The sea belt approximates the 12 NM (22.224 km) territorial sea: land is buffered by 12 NM,
measured from the simplified coastline rather than from the legal baselines (which close
bays and follow outer islands), then all land is subtracted. Buffering is done tile by tile
(10° x 10°) in a local sinusoidal projection centred on the tile (x = (lon - lon0) cos lat,
y = lat, in degrees of latitude), so distances are right to a few percent; the belt is not
computed poleward of 80°. Where two countries' belts overlap (straits under 24 NM) each
keeps the side nearer its own coast (an approximate median line: Voronoi cells of the
coasts' vertices) — import the maritime set
(``skytrace refdata import countries-maritime-10m.tgz --kind countries``) for real limits.

Features without an ISO numeric id (Kosovo, Somaliland, ...) are coded as in ``NO_ID``;
features whose code is "" are skipped (disputed, no sovereign). Geometry is simplified
(``--land-tolerance``, ``--sea-tolerance`` degrees) to keep the file around 2 MB.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import shapely

from skytrace.refdata.iso3166 import country_codes
from skytrace.refdata.layers import LayerEntry, PolygonLayer
from skytrace.refdata.topojson import decode_topology

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src" / "skytrace" / "data" / "refdata" / "countries.npz"
TERRITORIAL_SEA_KM = 22.224  # 12 NM
KM_PER_DEG = math.pi * 6371.0088 / 180.0
MAX_BELT_LAT = 80.0
TILE = 10.0

# Natural Earth features without an ISO numeric id: the state they are coded under
# (de jure sovereignty as ISO 3166 lists it), or "" to leave them out.
NO_ID = {
    "Kosovo": "XK",
    "Somaliland": "SO",
    "N. Cyprus": "CY",
    "Cyprus U.N. Buffer Zone": "CY",
    "Dhekelia": "GB",
    "Akrotiri": "GB",
    "Baikonur": "KZ",
    "USNB Guantanamo Bay": "CU",
    "Indian Ocean Ter.": "AU",
    "Coral Sea Is.": "AU",
    "Clipperton I.": "FR",
    "Siachen Glacier": "",
    "Spratly Is.": "",
    "Scarborough Reef": "",
    "Bajo Nuevo Bank": "",
    "Serranilla Bank": "",
}


def country_geometries(topology: dict[str, object]) -> list[tuple[str, shapely.Geometry]]:
    """(alpha-2, geometry) per country, features of one code merged, in source order."""
    codes = country_codes()
    merged: dict[str, list[shapely.Geometry]] = {}
    for feature in decode_topology(
        topology, "countries" if "countries" in topology.get("objects", {}) else None
    ):  # type: ignore[operator]
        name = str(feature.properties.get("name", ""))
        code = codes.alpha2(feature.id) if feature.id else NO_ID.get(name, "")
        if not code:
            continue
        merged.setdefault(code, []).append(feature.geometry)
    return [(code, shapely.union_all(geoms)) for code, geoms in merged.items()]


def _wrap(geom: shapely.Geometry) -> shapely.Geometry:
    """Fold parts beyond ±180° back into range and clip latitude to ±90°."""
    main = shapely.clip_by_rect(geom, -180, -90, 180, 90)
    east = shapely.transform(
        shapely.clip_by_rect(geom, 180, -90, 540, 90), lambda c: c - np.array([360.0, 0.0])
    )
    west = shapely.transform(
        shapely.clip_by_rect(geom, -540, -90, -180, 90), lambda c: c + np.array([360.0, 0.0])
    )
    return shapely.union_all([g for g in (main, east, west) if not g.is_empty])


def buffer_km(geom: shapely.Geometry, distance_km: float) -> shapely.Geometry:
    """Geometry grown by ``distance_km``, tile by tile in local sinusoidal projections."""
    d_deg = distance_km / KM_PER_DEG
    if geom.is_empty:
        return shapely.Polygon()
    grown = []
    xmin, ymin, xmax, ymax = geom.bounds
    for x in np.arange(math.floor(xmin / TILE) * TILE, xmax, TILE):
        for y in np.arange(math.floor(ymin / TILE) * TILE, ymax, TILE):
            if y >= MAX_BELT_LAT or y + TILE <= -MAX_BELT_LAT:
                continue
            part = shapely.clip_by_rect(
                geom, x, max(y, -MAX_BELT_LAT), x + TILE, min(y + TILE, MAX_BELT_LAT)
            )
            if part.is_empty:
                continue
            lon0 = x + TILE / 2

            def fwd(c: np.ndarray, lon0: float = lon0) -> np.ndarray:
                return np.column_stack([(c[:, 0] - lon0) * np.cos(np.radians(c[:, 1])), c[:, 1]])

            def inv(c: np.ndarray, lon0: float = lon0) -> np.ndarray:
                cos = np.maximum(np.cos(np.radians(c[:, 1])), 0.05)
                return np.column_stack([c[:, 0] / cos + lon0, c[:, 1]])

            projected = shapely.transform(part, fwd)
            grown.append(shapely.transform(shapely.buffer(projected, d_deg, quad_segs=3), inv))
    return polygonal(_wrap(polygonal(shapely.union_all(grown)))) if grown else shapely.Polygon()


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygon parts of a geometry (made valid), as one (Multi)Polygon."""
    geom = shapely.make_valid(geom) if not shapely.is_valid(geom) else geom
    parts = [
        p
        for p in shapely.get_parts(shapely.get_parts(geom))
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    return shapely.multipolygons(parts) if parts else shapely.Polygon()


def median_split(
    overlap: shapely.Geometry, land_a: shapely.Geometry, land_b: shapely.Geometry, margin_deg: float
) -> shapely.Geometry:
    """The part of ``overlap`` nearer to ``land_a``'s coast than to ``land_b``'s.

    The equidistance (median) line is approximated by the Voronoi cells of both coasts'
    vertices near the overlap, in coordinates scaled by cos(latitude) so that cells are
    metric; cells of ``land_a``'s vertices form its side.
    """
    zone = shapely.buffer(overlap, margin_deg)
    lat0 = math.radians((zone.bounds[1] + zone.bounds[3]) / 2)
    scale = np.array([math.cos(lat0), 1.0])
    coasts = []
    for land in (land_a, land_b):
        coast = shapely.intersection(shapely.boundary(land), zone)
        coasts.append(shapely.get_coordinates(shapely.segmentize(coast, margin_deg / 8)))
    if len(coasts[0]) == 0:
        return shapely.Polygon()
    if len(coasts[1]) == 0:
        return overlap
    pts = np.concatenate(coasts) * scale
    owner = np.concatenate([np.zeros(len(coasts[0]), bool), np.ones(len(coasts[1]), bool)])
    pts, first = np.unique(np.round(pts, 7), axis=0, return_index=True)
    owner = owner[first]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), ordered=True))
    if len(cells) != len(pts):
        raise ValueError("Voronoi cells do not match the coast points")
    side_a = shapely.transform(shapely.union_all(cells[~owner]), lambda xy: xy / scale)
    return polygonal(shapely.intersection(overlap, side_a))


def split_overlaps(
    belts: list[shapely.Geometry],
    lands: list[shapely.Geometry],
    sea_km: float,
    tolerance_deg: float = 0.02,
) -> None:
    """Where two countries' belts overlap, give each the side nearer its own coast (in place).

    A pair that cannot be split (degenerate geometry) keeps its overlap; the layer then gives
    it to the country listed first.
    """
    tree = shapely.STRtree(np.array(belts, dtype=object))
    margin = 2 * sea_km / KM_PER_DEG
    left, right = tree.query(np.array(belts, dtype=object), predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        overlap = polygonal(shapely.intersection(belts[a], belts[b]))
        if overlap.is_empty or overlap.area < 1e-8:
            continue
        try:
            side_a = median_split(overlap, lands[a], lands[b], margin)
            side_a = polygonal(
                shapely.intersection(
                    overlap, shapely.simplify(side_a, tolerance_deg, preserve_topology=True)
                )
            )
            side_b = polygonal(shapely.difference(overlap, side_a))
            belts[a] = polygonal(shapely.difference(belts[a], side_b))
            belts[b] = polygonal(shapely.difference(belts[b], side_a))
        except (shapely.errors.GEOSException, ValueError):
            continue


def build_layer(
    countries: list[tuple[str, shapely.Geometry]],
    land_tolerance_deg: float = 0.01,
    sea_tolerance_deg: float = 0.02,
    sea_km: float = TERRITORIAL_SEA_KM,
) -> PolygonLayer:
    codes = country_codes()
    land = [
        (code, polygonal(shapely.simplify(g, land_tolerance_deg, preserve_topology=True)))
        for code, g in countries
    ]
    land_geoms = np.array([g for _, g in land], dtype=object)
    land_tree = shapely.STRtree(land_geoms)
    belts: list[shapely.Geometry] = []
    for _, g in land:
        # Simplify before any cut, so that the cuts (coasts, median lines) stay shared
        # exactly between neighbours: simplifying afterwards would open slivers between them.
        belt = polygonal(
            shapely.simplify(buffer_km(g, sea_km), sea_tolerance_deg, preserve_topology=True)
        )
        # Only land near this belt matters: subtract it, piece by piece.
        for k in land_tree.query(belt) if not belt.is_empty else []:
            belt = polygonal(shapely.difference(belt, land_geoms[k]))
        belts.append(belt)
    split_overlaps(belts, [g for _, g in land], sea_km, sea_tolerance_deg)
    seas = [(code, belt) for (code, _), belt in zip(land, belts, strict=True) if not belt.is_empty]
    items = [(LayerEntry(c, codes.name(c) or c, "land"), g) for c, g in land]
    items += [(LayerEntry(c, codes.name(c) or c, "sea"), g) for c, g in seas]
    return PolygonLayer.build(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="countries-10m.topo.json (world-atlas)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--land-tolerance", type=float, default=0.01, metavar="DEG")
    parser.add_argument("--sea-tolerance", type=float, default=0.02, metavar="DEG")
    args = parser.parse_args(argv)
    topology = json.loads(args.source.read_text("utf-8"))
    layer = build_layer(country_geometries(topology), args.land_tolerance, args.sea_tolerance)
    layer.save(args.out, compress=True)
    size_kb = args.out.stat().st_size / 1024
    print(
        f"wrote {len(layer)} entries, {len(layer.pieces)} pieces, {size_kb:.0f} KiB to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
