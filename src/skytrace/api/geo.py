"""Country outlines and FIRs as GeoJSON for the map, built once and cached.

Countries come from the reference data skytrace ships (or the user's imported outlines):
the land entries of the country layer, whose pieces are merged per country, simplified
(``COUNTRY_TOLERANCE_DEG``) and rounded to ``DECIMALS`` places. The layer's geometry lives
in [-180, 180] longitude and is already split at ±180 (every piece lies within one 10° tile),
so no ring crosses the antimeridian: Russia, Fiji and Antarctica draw without bands across
a flat map. FIRs: the imported FIR layer, the same way ({"features": []} when none).

The document is built on first request (about 2-4 CPU-seconds for the countries) and kept
as bytes, plain and gzip-compressed, with an ETag, for every app of the process; thread-safe.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np
import shapely

from skytrace.api.compact import dumps_bytes
from skytrace.refdata.layers import PolygonLayer

__all__ = ["COUNTRY_TOLERANCE_DEG", "GeoCache", "GeoDocument", "layer_geojson"]

COUNTRY_TOLERANCE_DEG: Final = 0.08
FIR_TOLERANCE_DEG: Final = 0.02
DECIMALS: Final = 2  # 0.01° ~ 1 km: finer than the simplification
MIN_PART_DEG2: Final = 0.004  # smaller islands are left out (each country keeps its largest)
UNION_GRID_DEG: Final = 1e-3


@dataclass(frozen=True, slots=True)
class GeoDocument:
    body: bytes
    gzip: bytes  # the same body gzip-compressed, for clients that accept it
    etag: str


def _rings(geom: shapely.Geometry) -> list[list[list[list[float]]]]:
    """Polygons of ``geom`` as GeoJSON MultiPolygon coordinates (rounded); parts smaller
    than MIN_PART_DEG2 are left out, except the largest."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return []
    areas = shapely.area(np.array(parts, dtype=object))
    largest = int(np.argmax(areas))
    polys = []
    for i, part in enumerate(parts):
        if areas[i] < MIN_PART_DEG2 and i != largest:
            continue
        rings = [part.exterior, *part.interiors]
        coords = []
        for ring in rings:
            xy = np.round(np.asarray(ring.coords), DECIMALS)
            if len(xy) >= 4:
                coords.append(xy.tolist())
        if coords:
            polys.append(coords)
    return polys


def layer_geojson(
    layer: PolygonLayer, tolerance_deg: float, kinds: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """One Feature (MultiPolygon) per entry of ``layer`` (of ``kinds``), pieces merged."""
    features = []
    for i, entry in enumerate(layer.entries):
        if kinds is not None and entry.kind not in kinds:
            continue
        pieces = layer.pieces[layer.piece_entry == i]
        if not len(pieces):
            continue
        merged = shapely.union_all(pieces, grid_size=UNION_GRID_DEG)
        simple = shapely.simplify(merged, tolerance_deg, preserve_topology=True)
        polys = _rings(simple)
        if not polys:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"code": entry.code, "name": entry.name, "kind": entry.kind},
                "geometry": {"type": "MultiPolygon", "coordinates": polys},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _document(doc: dict[str, Any]) -> GeoDocument:
    body = dumps_bytes(doc)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return GeoDocument(body, gzip.compress(body, 6), etag)


class GeoCache:
    """Countries and FIRs of one data directory, built on first use.

    Built documents are shared by every app of the process (the bundled countries cost
    2-4 CPU-seconds to simplify): keyed by the layer file and its size and modification
    time, so an imported layer that changes is built again.
    """

    _built: ClassVar[dict[tuple[Any, ...], GeoDocument]] = {}  # process-wide, at most _KEEP entries
    _built_lock: ClassVar[threading.Lock] = threading.Lock()
    _KEEP: Final = 8

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir

    def _layer_path(self, kind: str) -> Path | None:
        if self.data_dir is None:
            return None
        from skytrace.refdata.importers import store_path

        path = store_path(self.data_dir, kind)
        return path if path.exists() else None

    def countries(self) -> GeoDocument:
        return self._get("countries", self._build_countries)

    def firs(self) -> GeoDocument:
        return self._get("firs", self._build_firs)

    def _get(self, kind: str, build: Callable[[Path | None], GeoDocument]) -> GeoDocument:
        path = self._layer_path(kind)
        key: tuple[Any, ...] = (kind, None)
        if path is not None:
            st = path.stat()
            key = (kind, str(path.resolve()), st.st_mtime_ns, st.st_size)
        cache = GeoCache._built
        with GeoCache._built_lock:  # one build at a time; later callers wait for it
            doc = cache.get(key)
            if doc is None:
                doc = build(path)
                while len(cache) >= GeoCache._KEEP:
                    del cache[next(iter(cache))]
                cache[key] = doc
            return doc

    @staticmethod
    def _build_countries(path: Path | None) -> GeoDocument:
        from skytrace.refdata.areas import bundled_countries

        layer = PolygonLayer.load(path, "country outlines") if path else bundled_countries()
        kinds = ("land",) if any(e.kind == "land" for e in layer.entries) else None
        return _document(layer_geojson(layer, COUNTRY_TOLERANCE_DEG, kinds))

    @staticmethod
    def _build_firs(path: Path | None) -> GeoDocument:
        if path is None:
            return _document({"type": "FeatureCollection", "features": []})
        return _document(layer_geojson(PolygonLayer.load(path, "FIRs"), FIR_TOLERANCE_DEG))
