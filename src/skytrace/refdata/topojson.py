"""TopoJSON (format spec 1.0) -> shapely geometries.

This module owns the decoding of TopoJSON topologies, as published by world-atlas
(Natural Earth country outlines): shared ``arcs`` (delta-encoded integer positions when a
``transform`` with ``scale``/``translate`` is present), geometries referring to arcs by index
(a negative index ``~i`` means arc ``i`` reversed), types Polygon, MultiPolygon and
GeometryCollection (other types are skipped). Each ring is the concatenation of its arcs with
the first point of every following arc dropped (it repeats the last point of the previous).

Pure functions; thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from skytrace.errors import RefdataError

__all__ = ["TopoFeature", "decode_topology"]


@dataclass(frozen=True, slots=True)
class TopoFeature:
    id: str
    properties: dict[str, Any]
    geometry: shapely.Geometry


def _decode_arcs(topology: dict[str, Any]) -> list[npt.NDArray[np.float64]]:
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        pts = np.asarray(arc, dtype=np.float64).reshape(-1, 2)
        if transform:
            pts = np.cumsum(pts, axis=0) * np.asarray(transform["scale"]) + np.asarray(
                transform["translate"]
            )
        arcs.append(pts)
    return arcs


def _ring(indexes: list[int], arcs: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    parts = []
    for k, i in enumerate(indexes):
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(pts if k == 0 else pts[1:])
    return np.concatenate(parts) if parts else np.empty((0, 2))


def _polygon(rings: list[list[int]], arcs: list[npt.NDArray[np.float64]]) -> shapely.Geometry:
    coords = [_ring(r, arcs) for r in rings]
    coords = [c for c in coords if len(c) >= 4]
    if not coords:
        return shapely.Polygon()
    return shapely.Polygon(coords[0], coords[1:])


def decode_topology(topology: dict[str, Any], object_name: str | None = None) -> list[TopoFeature]:
    """Features of one object of a topology (the first object when ``object_name`` is None)."""
    try:
        if topology.get("type") != "Topology":
            raise RefdataError("not a TopoJSON topology (type is not 'Topology')")
        objects = topology["objects"]
        name = object_name or next(iter(objects))
        obj = objects[name]
        arcs = _decode_arcs(topology)
    except (KeyError, StopIteration, TypeError, ValueError) as exc:
        raise RefdataError(f"malformed TopoJSON: {exc!r}") from exc
    geometries = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    out = []
    for g in geometries:
        try:
            if g.get("type") == "Polygon":
                geom = _polygon(g["arcs"], arcs)
            elif g.get("type") == "MultiPolygon":
                polys = [_polygon(p, arcs) for p in g["arcs"]]
                geom = shapely.MultiPolygon([p for p in polys if not p.is_empty])
            else:
                continue
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise RefdataError(f"malformed TopoJSON geometry {g.get('id')!r}: {exc!r}") from exc
        geom = shapely.make_valid(geom) if not shapely.is_valid(geom) else geom
        out.append(TopoFeature(str(g.get("id") or ""), dict(g.get("properties") or {}), geom))
    return out
