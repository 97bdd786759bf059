"""Polygon layers with a fast point look-up: countries, FIRs, user areas.

This module owns the algorithm that answers "which entry contains each of these points" for
millions of points per second, and the layer's file format.

A layer is a list of **entries** (code, name, kind) in priority order — where entries overlap,
the lowest index wins — each with a geometry in lon/lat degrees. At build time every geometry
is cut into **pieces** on a 10° x 10° tile grid (small pieces make bounding boxes tight and
prepared-geometry tests cheap) and a **coverage grid** of 0.25° cells is computed, in levels
(1° cells first, mixed ones split 4 x 4):

    grid value  >= 0   every point of the cell belongs to that entry (it wins there)
                  -1   no entry touches the cell
                  -2   mixed: test the point exactly

Mixed 0.25° cells are split once more, sparsely, into 4 x 4 blocks of 1/16° (about 7 km)
cells (grid value ``-3 - k`` points at block ``k``): coastal and border points mostly fall
in a cell that is not mixed at that scale.

A query is one or two array indexes per point; only points in mixed cells go through
shapely: an STRtree bounding-box query, then ``intersects_xy`` on prepared pieces, and the
lowest winning entry per point. Points on a boundary count as inside.

File (``.npz``, no pickles): ``entry_code, entry_name, entry_kind`` (str), ``piece_entry``
(int32), the pieces as shapely's ragged arrays (``geom_type``, ``offsets_0..``) with
coordinates as int32 deltas of 1e-5 degree (``coord_deltas``), ``grid`` (int32, rows from
lat -90, columns from lon -180), ``fine`` (int32, K x 4 x 4) and ``cell_deg``.

Built once, then read-only; look-ups are safe to run from several threads.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import numpy as np
import numpy.typing as npt
import shapely

from skytrace.errors import RefdataError

__all__ = ["CELL_DEG", "LayerEntry", "PolygonLayer"]

TILE_DEG: Final = 10.0
COARSE_DEG: Final = 1.0
CELL_DEG: Final = 0.25
COORD_UNIT_DEG: Final = 1e-5
_NONE: Final = -1
_MIXED: Final = -2
_FINE_BASE: Final = -3  # grid value -3 - k: look in fine block k
FINE_SPLIT: Final = 4


@dataclass(frozen=True, slots=True)
class LayerEntry:
    code: str  # what a look-up returns, e.g. "RU", "UHHH", an area name
    name: str  # human name, e.g. "Russia", "Khabarovsk"
    kind: str  # e.g. "land", "sea", "airspace", "fir", "area"


def _tile(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """Pieces of a geometry cut on the 10° tile grid (polygonal parts only)."""
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    pieces = []
    x0 = np.floor(xmin / TILE_DEG) * TILE_DEG
    y0 = np.floor(ymin / TILE_DEG) * TILE_DEG
    for x in np.arange(x0, xmax, TILE_DEG):
        for y in np.arange(y0, ymax, TILE_DEG):
            try:
                part = shapely.clip_by_rect(geom, x, y, x + TILE_DEG, y + TILE_DEG)
            except shapely.errors.GEOSException:
                # degenerate rings trip the fast clipper; the general overlay copes
                part = shapely.intersection(geom, shapely.box(x, y, x + TILE_DEG, y + TILE_DEG))
            if part.is_empty:
                continue
            polys = [
                p
                for p in shapely.get_parts(part)
                if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
            ]
            if not polys:
                # clip_by_rect can return collections; keep polygonal parts only
                polys = [
                    p
                    for p in shapely.get_parts(shapely.make_valid(part))
                    if p.geom_type == "Polygon"
                ]
            pieces.extend(polys)
    return pieces


class PolygonLayer:
    """Entries with pieces, an STRtree and a coverage grid (see the module docstring)."""

    def __init__(
        self,
        entries: list[LayerEntry],
        pieces: npt.NDArray[np.object_],
        piece_entry: npt.NDArray[np.int32],
        grid: npt.NDArray[np.int32] | None = None,
        cell_deg: float = CELL_DEG,
        fine: npt.NDArray[np.int32] | None = None,
    ) -> None:
        self.entries = entries
        self.codes = np.array([e.code for e in entries] + [""], dtype=object)
        self.pieces = pieces
        self.piece_entry = piece_entry
        shapely.prepare(self.pieces)
        self.tree = shapely.STRtree(self.pieces)
        self.cell_deg = cell_deg
        if grid is None:
            grid, fine = self._build_grid()
        self.grid = grid
        self.fine = fine if fine is not None else np.zeros((0, FINE_SPLIT, FINE_SPLIT), np.int32)

    @classmethod
    def build(cls, items: list[tuple[LayerEntry, shapely.Geometry]]) -> PolygonLayer:
        """A layer from (entry, geometry) pairs in priority order."""
        pieces: list[shapely.Geometry] = []
        owner: list[int] = []
        entries = []
        for entry, geom in items:
            if geom is None or geom.is_empty:
                continue
            geom = shapely.make_valid(geom) if not shapely.is_valid(geom) else geom
            parts = _tile(geom)
            if not parts:
                continue
            entries.append(entry)
            pieces.extend(parts)
            owner.extend([len(entries) - 1] * len(parts))
        return cls(entries, np.array(pieces, dtype=object), np.array(owner, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.entries)

    # ---- grid -----------------------------------------------------------------------------

    def _classify(self, boxes: npt.NDArray[np.object_]) -> npt.NDArray[np.int32]:
        """Grid value of each box: winning entry, -1 nothing, -2 mixed."""
        out = np.full(len(boxes), _NONE, dtype=np.int32)
        if len(self.pieces) == 0 or len(boxes) == 0:
            return out
        box_i, piece_i = self.tree.query(boxes)
        touch = shapely.intersects(self.pieces[piece_i], boxes[box_i])
        box_i, piece_i = box_i[touch], piece_i[touch]
        entry = self.piece_entry[piece_i]
        best = np.full(len(boxes), np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(best, box_i, entry)
        touched = best != np.iinfo(np.int32).max
        out[touched] = _MIXED
        winner_pairs = entry == best[box_i]
        covers = shapely.covers(self.pieces[piece_i[winner_pairs]], boxes[box_i[winner_pairs]])
        covered_boxes = box_i[winner_pairs][covers]
        out[covered_boxes] = best[covered_boxes]
        return out

    def _build_grid(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """The 0.25° grid and the 1/16° blocks of its mixed cells (see the module docstring)."""
        n_lat, n_lon = int(180 / self.cell_deg), int(360 / self.cell_deg)
        grid = np.full((n_lat, n_lon), _NONE, dtype=np.int32)
        split = round(COARSE_DEG / self.cell_deg)
        rows, cols = np.mgrid[0:180, 0:360]
        rows, cols = rows.ravel(), cols.ravel()
        coarse = self._classify(shapely.box(cols - 180.0, rows - 90.0, cols - 179.0, rows - 89.0))
        for r, c, v in zip(rows, cols, coarse, strict=True):
            if v != _MIXED:
                grid[r * split : (r + 1) * split, c * split : (c + 1) * split] = v
        mixed = np.flatnonzero(coarse == _MIXED)
        if len(mixed):
            fr, fc = self._subcells(rows[mixed], cols[mixed], split)
            grid[fr, fc] = self._classify(self._boxes(fr, fc, self.cell_deg))
        # Third level, kept sparse: mixed 0.25° cells get a 4 x 4 block of 1/16° cells.
        mr, mc = np.nonzero(grid == _MIXED)
        fr, fc = self._subcells(mr, mc, FINE_SPLIT)
        fine = self._classify(self._boxes(fr, fc, self.cell_deg / FINE_SPLIT))
        grid[mr, mc] = _FINE_BASE - np.arange(len(mr), dtype=np.int32)
        return grid, fine.reshape(len(mr), FINE_SPLIT, FINE_SPLIT).astype(np.int32)

    @staticmethod
    def _subcells(
        rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], split: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Row/column indexes, one level finer, of the split x split subcells of each cell."""
        sub_r, sub_c = np.mgrid[0:split, 0:split]
        fr = (np.asarray(rows)[:, None] * split + sub_r.ravel()[None, :]).ravel()
        fc = (np.asarray(cols)[:, None] * split + sub_c.ravel()[None, :]).ravel()
        return fr, fc

    @staticmethod
    def _boxes(
        rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], deg: float
    ) -> npt.NDArray[np.object_]:
        return np.asarray(
            shapely.box(
                cols * deg - 180.0, rows * deg - 90.0, (cols + 1) * deg - 180.0,
                (rows + 1) * deg - 90.0,
            )
        )  # fmt: skip

    # ---- look-up --------------------------------------------------------------------------

    def entry_index_many(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.int32]:
        """Winning entry of each point, -1 outside every entry (and for NaN positions)."""
        lat = np.asarray(lats, dtype=np.float64).ravel()
        lon = np.asarray(lons, dtype=np.float64).ravel()
        if lat.shape != lon.shape:
            raise RefdataError(f"{len(lat)} latitudes but {len(lon)} longitudes")
        out = np.full(lat.shape, _NONE, dtype=np.int32)
        ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90)
        lon_w = np.where(ok, (lon + 180.0) % 360.0 - 180.0, 0.0)
        n_lat, n_lon = self.grid.shape
        r = np.clip(
            ((np.where(ok, lat, 0.0) + 90.0) / self.cell_deg).astype(np.int64), 0, n_lat - 1
        )
        c = np.clip(((lon_w + 180.0) / self.cell_deg).astype(np.int64), 0, n_lon - 1)
        val = self.grid[r, c]
        val[~ok] = _NONE
        refine = np.flatnonzero(val <= _FINE_BASE)
        if len(refine):
            block = _FINE_BASE - val[refine]
            scale = FINE_SPLIT / self.cell_deg
            sub_r = ((lat[refine] + 90.0) * scale).astype(np.int64) % FINE_SPLIT
            sub_c = ((lon_w[refine] + 180.0) * scale).astype(np.int64) % FINE_SPLIT
            val[refine] = self.fine[block, sub_r, sub_c]
        out[:] = val
        exact = np.flatnonzero(val == _MIXED)
        if len(exact):
            out[exact] = self._exact(lat[exact], lon_w[exact])
        return out

    def _exact(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int32]:
        pt_i, piece_i = self.tree.query(shapely.points(lon, lat))
        hit = shapely.intersects_xy(self.pieces[piece_i], lon[pt_i], lat[pt_i])
        best = np.full(len(lat), np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(best, pt_i[hit], self.piece_entry[piece_i[hit]])
        return np.where(best == np.iinfo(np.int32).max, _NONE, best).astype(np.int32)

    def codes_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Code of the winning entry of each point, "" outside."""
        return self.codes[self.entry_index_many(lats, lons)]

    def all_at(self, lat: float, lon: float) -> list[LayerEntry]:
        """Every entry containing one point (not only the winner), in priority order."""
        piece_i = self.tree.query(shapely.Point(lon, lat))
        hit = shapely.intersects_xy(self.pieces[piece_i], lon, lat)
        found = sorted({int(e) for e in self.piece_entry[piece_i[hit]]})
        return [self.entries[e] for e in found]

    # ---- storage --------------------------------------------------------------------------

    def save(self, file: Path | IO[bytes], compress: bool = False) -> None:
        if len(self.pieces):
            geom_type, coords, offsets = shapely.to_ragged_array(self.pieces)
        else:
            geom_type, coords, offsets = shapely.GeometryType.MULTIPOLYGON, np.zeros((0, 2)), ()
        # Coordinates as delta-encoded integers of COORD_UNIT_DEG (about 1 m): exact enough
        # for borders, and they compress to a third of the float64 size.
        quantized = np.round(coords / COORD_UNIT_DEG).astype(np.int64)
        deltas = np.diff(quantized, axis=0, prepend=np.zeros((1, 2), np.int64)).astype(np.int32)
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "entry_code": np.array([e.code for e in self.entries], dtype=str),
            "entry_name": np.array([e.name for e in self.entries], dtype=str),
            "entry_kind": np.array([e.kind for e in self.entries], dtype=str),
            "piece_entry": self.piece_entry,
            "geom_type": np.array(int(geom_type)),
            "coord_deltas": deltas,
            "grid": self.grid,
            "fine": self.fine,
            "cell_deg": np.array(self.cell_deg),
        }
        for k, off in enumerate(offsets):
            arrays[f"offsets_{k}"] = np.asarray(off, dtype=np.int64)
        saver = np.savez_compressed if compress else np.savez
        if isinstance(file, Path):
            with file.open("wb") as f:
                saver(f, **arrays)  # type: ignore[arg-type]
        else:
            saver(file, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, file: Path | IO[bytes], what: str = "layer") -> PolygonLayer:
        try:
            with np.load(file, allow_pickle=False) as z:
                entries = [
                    LayerEntry(str(c), str(n), str(k))
                    for c, n, k in zip(
                        z["entry_code"], z["entry_name"], z["entry_kind"], strict=True
                    )
                ]
                coords = np.cumsum(z["coord_deltas"].astype(np.int64), axis=0) * COORD_UNIT_DEG
                offsets = []
                k = 0
                while f"offsets_{k}" in z.files:
                    offsets.append(z[f"offsets_{k}"])
                    k += 1
                piece_entry = z["piece_entry"]
                if len(piece_entry):
                    pieces = shapely.from_ragged_array(
                        shapely.GeometryType(int(z["geom_type"])), coords, tuple(offsets)
                    )
                else:
                    pieces = np.array([], dtype=object)
                fine = z["fine"] if "fine" in z.files else None
                return cls(entries, pieces, piece_entry, z["grid"], float(z["cell_deg"]), fine)
        except (
            OSError,
            KeyError,
            ValueError,
            EOFError,
            zipfile.BadZipFile,
            shapely.errors.GEOSException,
        ) as exc:
            raise RefdataError(f"{what} file is unreadable ({exc}); import it again") from exc
