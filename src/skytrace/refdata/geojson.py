"""Reading polygon features from GeoJSON (RFC 7946), TopoJSON, or a .tgz holding either.

This module owns turning a user's area file into (properties, geometry) pairs: a
FeatureCollection, a single Feature or a bare geometry; gzip-compressed or not; or an npm
package tarball (``.tgz``, e.g. ``@geo-maps/countries-maritime-10m``) whose largest
``.json`` member is used. Only polygonal geometry is kept (Polygon, MultiPolygon, and the
polygons of a GeometryCollection). A feature that cannot be read is reported by its 1-based
position in the collection and skipped; a file that is not GeoJSON at all raises RefdataError.
Coordinates are lon/lat degrees (WGS84), as RFC 7946 requires.

Bounds: the file is read through ``reading.read_bytes`` (at most ``max_input_bytes()``); a
feature with more than ``MAX_FEATURE_VERTICES`` positions is a bad feature (the largest
country of Natural Earth's 10 m maritime set has 79,229), and more than ``MAX_FILE_VERTICES``
in all is an error — a polygon of millions of vertices costs gigabytes to validate.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import shapely

from skytrace.errors import RefdataError
from skytrace.refdata.reading import BadLines, read_bytes
from skytrace.refdata.topojson import decode_topology

__all__ = ["MAX_FEATURE_VERTICES", "MAX_FILE_VERTICES", "AreaFeature", "read_area_features"]

MAX_FEATURE_VERTICES: Final = 1_000_000
MAX_FILE_VERTICES: Final = 20_000_000


def _count_positions(coordinates: Any) -> int:
    """Positions in a GeoJSON coordinates array of any depth (iterative: no recursion)."""
    n, stack = 0, [coordinates]
    while stack:
        item = stack.pop()
        if not isinstance(item, list) or not item:
            continue
        if isinstance(item[0], int | float):
            n += 1
        else:
            stack.extend(item)
    return n


def _geometry_positions(geometry: Any) -> int:
    if not isinstance(geometry, dict):
        return 0
    if geometry.get("type") == "GeometryCollection":
        parts = geometry.get("geometries")
        return sum(_geometry_positions(g) for g in parts) if isinstance(parts, list) else 0
    return _count_positions(geometry.get("coordinates"))


@dataclass(frozen=True, slots=True)
class AreaFeature:
    position: int  # 1-based position in the collection
    id: str
    properties: dict[str, Any]
    geometry: shapely.Geometry


def _load_json(path: Path) -> tuple[Any, str]:
    raw = read_bytes(path)
    fmt = "geojson"
    if raw[:262].find(b"ustar") >= 0 or path.name.endswith((".tgz", ".tar", ".tar.gz")):
        try:
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith("json")]
                members = [m for m in members if not m.name.endswith("package.json")]
                if not members:
                    raise RefdataError(f"{path}: archive holds no .json file")
                member = max(members, key=lambda m: m.size)
                extracted = tar.extractfile(member)
                if extracted is None:
                    raise RefdataError(f"{path}: cannot read {member.name} in the archive")
                raw = extracted.read()
                fmt = f"geojson in archive ({member.name})"
        except tarfile.TarError as exc:
            raise RefdataError(f"{path}: broken archive: {exc}") from exc
    try:
        return json.loads(raw.decode("utf-8-sig", errors="replace")), fmt
    except ValueError as exc:
        raise RefdataError(f"{path}: not JSON: {exc}") from exc
    except RecursionError:
        raise RefdataError(f"{path}: JSON nested too deeply to be GeoJSON") from None


def _close_rings(geometry: Any) -> Any:
    """A copy of a GeoJSON geometry with every polygon ring closed (first point repeated)."""

    def ring(r: list[Any]) -> list[Any]:
        return [*r, r[0]] if r and r[0] != r[-1] else r

    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        return {**geometry, "coordinates": [ring(r) for r in coords]}
    if kind == "MultiPolygon":
        return {**geometry, "coordinates": [[ring(r) for r in p] for p in coords]}
    if kind == "GeometryCollection":
        return {**geometry, "geometries": [_close_rings(g) for g in geometry["geometries"]]}
    return geometry


def _from_geojson(geometry: Any) -> shapely.Geometry:
    try:
        return shapely.from_geojson(json.dumps(geometry))
    except shapely.errors.GEOSException as exc:
        if "closed" not in str(exc):
            raise
        # Unclosed rings are a common slip in hand-made files; the intent is unambiguous.
        return shapely.from_geojson(json.dumps(_close_rings(geometry)))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    parts = [
        p
        for p in shapely.get_parts(shapely.get_parts(geom))
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def read_area_features(path: Path) -> tuple[list[AreaFeature], str, BadLines]:
    """Polygonal features of a GeoJSON / TopoJSON file (see the module docstring)."""
    path = Path(path)
    data, fmt = _load_json(path)
    bad = BadLines()
    if not isinstance(data, dict):
        raise RefdataError(f"{path}: expected a GeoJSON object, got {type(data).__name__}")
    kind = data.get("type")
    out: list[AreaFeature] = []
    if kind == "Topology":
        for n, f in enumerate(decode_topology(data), start=1):
            geom = _polygonal(f.geometry)
            if geom is None:
                bad.add(n, f"feature {f.id!r} has no polygon", "feature")
                continue
            out.append(AreaFeature(n, f.id, f.properties, geom))
        return out, "topojson", bad
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise RefdataError(f"{path}: FeatureCollection without a 'features' list")
    elif kind == "Feature":
        features = [data]
    elif kind in ("Polygon", "MultiPolygon", "GeometryCollection"):
        features = [{"type": "Feature", "properties": {}, "geometry": data}]
    else:
        raise RefdataError(
            f"{path}: not GeoJSON (type {kind!r}; expected FeatureCollection, Feature, "
            f"Polygon, MultiPolygon or a TopoJSON Topology)"
        )
    total = 0
    for n, feature in enumerate(features, start=1):
        try:
            geometry = feature["geometry"]
            if geometry is None:
                raise ValueError("null geometry")
            vertices = _geometry_positions(geometry)
            total += vertices
            if total > MAX_FILE_VERTICES:
                raise RefdataError(
                    f"{path}: more than {MAX_FILE_VERTICES:,} vertices in all (at feature {n})"
                )
            if vertices > MAX_FEATURE_VERTICES:
                bad.add(n, f"{vertices:,} vertices, more than {MAX_FEATURE_VERTICES:,}", "feature")
                continue
            geom = _from_geojson(geometry)
        except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            bad.add(n, f"unreadable geometry: {str(exc)[:120]}", "feature")
            continue
        except RecursionError:
            bad.add(n, "geometry nested too deeply", "feature")
            continue
        polygonal = _polygonal(geom)
        if polygonal is None:
            bad.add(n, f"no polygon (geometry type {geom.geom_type})", "feature")
            continue
        props = feature.get("properties") or {}
        fid = feature.get("id")
        out.append(AreaFeature(n, "" if fid is None else str(fid), dict(props), polygonal))
    return out, fmt, bad
