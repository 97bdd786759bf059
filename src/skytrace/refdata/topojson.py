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
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely

from skytrace.errors import RefdataError

__all__ = ["MAX_ARC_POSITIONS", "TopoFeature", "decode_topology"]


@dataclass(frozen=True, slots=True)
class TopoFeature:
    id: str
    properties: dict[str, Any]
    geometry: shapely.Geometry


MAX_ARC_POSITIONS: Final = 20_000_000  # all arcs of a topology together


def _decode_arcs(topology: dict[str, Any]) -> list[npt.NDArray[np.float64]]:
    transform = topology.get("transform")
    arcs = []
    total = 0
    for arc in topology["arcs"]:
        total += len(arc)
        if total > MAX_ARC_POSITIONS:
            raise RefdataError(f"TopoJSON with more than {MAX_ARC_POSITIONS:,} arc positions")
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


def _unwrap(ring: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], int]:
    """Longitudes made continuous (a step over 180° is a crossing of the antimeridian).

    Returns the ring and its net turn in multiples of 360° (non-zero: it encircles a pole).
    """
    steps = np.diff(ring[:, 0])
    turns = np.concatenate([[0], np.cumsum(-np.round(steps / 360.0))])
    out = ring.copy()
    out[:, 0] += 360.0 * turns
    return out, int(turns[-1])


def _polygon(rings: list[list[int]], arcs: list[npt.NDArray[np.float64]]) -> shapely.Geometry:
    """A polygon from arc rings, split at the antimeridian where it crosses it.

    world-atlas stitches Natural Earth's antimeridian cuts back together (Russia's Chukotka,
    Fiji, Antarctica), so rings may step from 179.9° to -180°; planar shapely needs them
    cut again. A ring that turns once around (Antarctica) is closed along its pole.
    """
    coords = [_ring(r, arcs) for r in rings]
    coords = [c for c in coords if len(c) >= 4]
    if not coords:
        return shapely.Polygon()
    shell, turns = _unwrap(coords[0])
    if turns:
        pole = -90.0 if shell[:, 1].mean() < 0 else 90.0
        cap = np.array([[shell[-1, 0], pole], [shell[0, 0], pole], shell[0]])
        shell = np.concatenate([shell, cap])
    holes = []
    lo, hi = shell[:, 0].min(), shell[:, 0].max()
    for c in coords[1:]:
        hole, _ = _unwrap(c)
        centre = hole[:, 0].mean()
        hole[:, 0] -= 360.0 * np.floor((centre - lo) / 360.0)  # into the shell's range
        holes.append(hole)
    polygon = shapely.Polygon(shell, holes)
    if lo >= -180.0 - 1e-9 and hi <= 180.0 + 1e-9:
        return polygon
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = shapely.intersection(shapely.make_valid(polygon), window)
        if not piece.is_empty:
            parts.append(shapely.transform(piece, lambda xy, s=shift: xy + np.array([s, 0.0])))
    return shapely.union_all(parts) if parts else shapely.Polygon()  # parts are valid


def decode_topology(topology: dict[str, Any], object_name: str | None = None) -> list[TopoFeature]:
    """Features of one object of a topology (the first object when ``object_name`` is None)."""
    try:
        if topology.get("type") != "Topology":
            raise RefdataError("not a TopoJSON topology (type is not 'Topology')")
        objects = topology["objects"]
        name = object_name or next(iter(objects))
        obj = objects[name]
        arcs = _decode_arcs(topology)
        geometries = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    except (KeyError, StopIteration, TypeError, ValueError, AttributeError) as exc:
        raise RefdataError(f"malformed TopoJSON: {str(exc)[:200]}") from exc
    out = []
    for g in geometries:
        try:
            if g.get("type") == "Polygon":
                geom = _polygon(g["arcs"], arcs)
            elif g.get("type") == "MultiPolygon":
                polys = [_polygon(p, arcs) for p in g["arcs"]]
                geom = shapely.MultiPolygon(
                    [
                        part
                        for p in polys
                        for part in shapely.get_parts(p)
                        if part.geom_type == "Polygon" and not part.is_empty
                    ]
                )
            else:
                continue
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:
            gid = str(g.get("id"))[:40] if isinstance(g, dict) else "?"
            raise RefdataError(f"malformed TopoJSON geometry {gid!r}: {str(exc)[:200]}") from exc
        geom = shapely.make_valid(geom) if not shapely.is_valid(geom) else geom
        out.append(TopoFeature(str(g.get("id") or ""), dict(g.get("properties") or {}), geom))
    return out
