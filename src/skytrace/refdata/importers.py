"""``skytrace refdata import``: read a file of one kind, store it under ``<data_dir>/refdata``.

This module owns the import of each kind and the manifest entry it leaves:

    aircraft   tar1090-db CSV (comma with header, or ; headerless), tar1090-db JSON blocks,
               OpenSky aircraftDatabase.csv, plain CSV            -> aircraft.npz
    operators  tar1090-db operators.csv, OpenFlights airlines.dat -> operators.csv
    types      tar1090-db aircraft_types.json, CSV                -> types.json
    runways    OurAirports runways.csv                            -> runways.npz
    countries  GeoJSON / TopoJSON / .tgz (e.g. the maritime set)  -> countries.npz
    firs       GeoJSON of FIR polygons (VATSpy fir_boundaries)    -> firs.npz
    area       any GeoJSON, stored under a name                   -> areas/<name>.npz

Every import replaces the previous data of its kind (atomically) — except operators, which
merge into those imported before (the newer row wins per designator; ``replace=True`` to
replace) — keeps every good row,
reports bad rows by line number (``ImportReport.bad_lines``), and records source, row count,
bad-row count and time (UTC) in ``manifest.json``. A file that is not of the kind at all
raises ``RefdataError`` and leaves the store untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import shapely

from skytrace.errors import RefdataError, UsageError
from skytrace.fileio import atomic_path
from skytrace.refdata.actypes import read_types
from skytrace.refdata.aircraft_formats import read_aircraft
from skytrace.refdata.geojson import AreaFeature, read_area_features
from skytrace.refdata.iso3166 import country_codes
from skytrace.refdata.layers import LayerEntry, PolygonLayer
from skytrace.refdata.operators import OperatorTable, read_operators
from skytrace.refdata.paths import (
    ManifestEntry,
    refdata_dir,
    write_manifest_entry,
)
from skytrace.refdata.reading import BadLines, ImportReport
from skytrace.refdata.runways import read_runways

__all__ = ["KINDS", "import_refdata", "store_path"]

KINDS: Final = ("aircraft", "operators", "types", "runways", "countries", "firs", "area")
_AREA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FILES: Final = {
    "aircraft": "aircraft.npz",
    "operators": "operators.csv",
    "types": "types.json",
    "runways": "runways.npz",
    "countries": "countries.npz",
    "firs": "firs.npz",
}
# Property keys that may hold a country code, most specific first.
_COUNTRY_KEYS: Final = ("A2", "ISO_A2", "iso_a2", "A3", "ISO_A3", "iso_a3", "ADM0_A3", "id")
_NAME_KEYS: Final = ("name", "NAME", "ADMIN", "admin", "country")

Progress = Callable[[str], None]


def store_path(data_dir: Path, kind: str, name: str = "") -> Path:
    """Where an imported kind lives."""
    base = refdata_dir(data_dir)
    if kind == "area":
        return base / "areas" / f"{name}.npz"
    return base / _FILES[kind]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def import_refdata(
    path: Path,
    kind: str,
    data_dir: Path,
    name: str | None = None,
    progress: Progress | None = None,
    *,
    replace: bool = False,
) -> ImportReport:
    """Import ``path`` as ``kind`` into ``data_dir`` (see the module docstring). Operators
    merge into those imported before (the newer row wins per designator) unless
    ``replace``; every other kind replaces what was imported before."""
    path = Path(path)
    say = progress or (lambda _msg: None)
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "area":
        name = name or path.name.split(".")[0]
        if not _AREA_NAME.match(name):
            raise UsageError(f"area name {name!r}: use letters, digits, '_', '.', '-' (at most 64)")
    elif name:
        raise UsageError("--name is only for --kind area")
    area_name = name or ""
    target = store_path(data_dir, kind, area_name)
    say(f"reading {path}")
    notes: list[str] = []
    bad: BadLines
    if kind == "aircraft":
        parsed = read_aircraft(path)
        rows, fmt, bad = len(parsed.table), parsed.format, parsed.bad
        if parsed.duplicates:
            notes.append(f"{parsed.duplicates} repeated addresses (the last row kept)")
        with atomic_path(target) as tmp:
            parsed.table.save(tmp)
    elif kind == "operators":
        ops = read_operators(path)
        table, fmt, bad = ops.table, ops.format, ops.bad
        if ops.skipped:
            notes.append(f"{ops.skipped} rows without a 3-letter ICAO designator skipped")
        if target.exists() and not replace:
            before = OperatorTable.load(target)
            table, added, updated = before.merged(ops.table)
            notes.append(
                f"merged into the {len(before):,} operators imported before: {added:,} added, "
                f"{updated:,} updated, {len(ops.table) - added - updated:,} unchanged "
                "(--replace drops the earlier ones)"
            )
        rows = len(table)
        with atomic_path(target) as tmp:
            table.save(tmp)
    elif kind == "types":
        types = read_types(path)
        rows, fmt, bad = len(types.table), types.format, types.bad
        with atomic_path(target) as tmp:
            types.table.save(tmp)
    elif kind == "runways":
        rw = read_runways(path)
        rows, fmt, bad = len(rw.runways), "ourairports runways.csv", rw.bad
        with atomic_path(target) as tmp:
            rw.runways.save(tmp)
    else:
        features, fmt, bad = read_area_features(path)
        if not features:
            raise RefdataError(f"{path}: no polygon features ({bad.count} unreadable)")
        say(f"indexing {len(features)} polygons")
        if kind == "countries":
            layer = _country_layer(features, bad)
        elif kind == "firs":
            layer = _fir_layer(features, bad)
        else:
            layer = PolygonLayer.build(
                [(LayerEntry(area_name, area_name, "area"), f.geometry) for f in features]
            )
        if len(layer) == 0:
            raise RefdataError(f"{path}: no usable {kind} polygons ({bad.count} bad features)")
        rows = len(layer)
        with atomic_path(target) as tmp:
            layer.save(tmp)
    kind_key = f"area:{area_name}" if kind == "area" else kind
    write_manifest_entry(data_dir, ManifestEntry(kind_key, str(path), rows, bad.count, _now(), fmt))
    return ImportReport(kind_key, str(path), fmt, rows, bad.count, tuple(bad.kept), tuple(notes))


def _country_layer(features: list[AreaFeature], bad: BadLines) -> PolygonLayer:
    codes = country_codes()
    items = []
    for f in features:
        code = ""
        for key in _COUNTRY_KEYS:
            value = f.properties.get(key) if key != "id" else (f.properties.get("id") or f.id)
            if value not in (None, "", "-99"):
                code = codes.alpha2(str(value))
                if code:
                    break
        if not code:
            label = next((str(f.properties[k]) for k in _NAME_KEYS if k in f.properties), "")
            code = codes.alpha2(label) if label else ""
        if not code:
            bad.add(
                f.position,
                f"no ISO country code in properties {dict(list(f.properties.items())[:4])}",
            )
            continue
        items.append((LayerEntry(code, codes.name(code) or code, "airspace"), f.geometry))
    return PolygonLayer.build(items)


def _fir_layer(features: list[AreaFeature], bad: BadLines) -> PolygonLayer:
    import airportsdata

    airports = airportsdata.load("ICAO")
    base_items: list[tuple[LayerEntry, shapely.Geometry]] = []
    sector_items: list[tuple[LayerEntry, shapely.Geometry]] = []
    for f in features:
        ident = (
            str(
                f.properties.get("id")
                or f.properties.get("ident")
                or f.properties.get("ICAO")
                or f.id
            )
            .strip()
            .upper()
        )
        if not ident:
            bad.add(f.position, "FIR without an id/ident property", "feature")
            continue
        base = ident.split("-")[0]
        name = str(f.properties.get("name") or "")
        if not name and base in airports:
            # The area control centre usually shares its ident with its city's airport.
            name = str(airports[base]["city"])
        entry = LayerEntry(base, name, "fir" if base == ident else f"fir-sector:{ident}")
        (base_items if base == ident else sector_items).append((entry, f.geometry))
    # Whole FIRs win over their sectors where both contain a point. A boundary lying inside
    # another one (VATSpy lists sub-areas such as RKDA inside RKRR, EGTL inside EGTT without a
    # suffix) is a sector of the FIR that contains it, and a look-up answers that FIR. A
    # boundary that is mostly the union of those inside it (EGVV = EGTT + EGPX, NAT) is a
    # group of FIRs, not a FIR: it comes last and never makes a FIR its sector.
    top, groups = _fir_hierarchy([(e.code, g) for e, g in base_items])
    firs, subs, grouped = [], [], []
    for e, g in base_items:
        if e.code in groups:
            grouped.append((LayerEntry(e.code, e.name, f"fir-group:{e.code}"), g))
        elif top[e.code] == e.code:
            firs.append((e, g))
        else:
            subs.append((LayerEntry(top[e.code], e.name, f"fir-sector:{e.code}"), g))
    sectors = [(LayerEntry(top.get(e.code, e.code), e.name, e.kind), g) for e, g in sector_items]
    return PolygonLayer.build(firs + subs + sectors + grouped)


def _fir_hierarchy(items: list[tuple[str, shapely.Geometry]]) -> tuple[dict[str, str], set[str]]:
    """(ident -> the FIR it belongs to (itself for a FIR), idents of FIR groups).

    B contains A when at least 90 % of A's area lies in B and B is larger (degree areas: only
    ratios are used). A's parent is its smallest container; a container at least 90 % covered
    by its children is a group. A boundary's FIR is its first ancestor that is no group (or
    the outermost one below a group)."""
    idents = [i for i, _ in items]
    geoms = [g if g is None or shapely.is_valid(g) else shapely.make_valid(g) for _, g in items]
    keep = [k for k, g in enumerate(geoms) if g is not None and not g.is_empty]
    area = {k: float(shapely.area(geoms[k])) for k in keep}
    tree = shapely.STRtree([geoms[k] for k in keep])
    parent: dict[int, int] = {}
    for pos, k in enumerate(keep):
        if area[k] <= 0.0:
            continue
        best = -1
        for q in tree.query(geoms[k]).tolist():
            c = keep[q]
            if q == pos or area[c] <= area[k] or (best >= 0 and area[c] >= area[best]):
                continue
            shared = float(shapely.area(shapely.intersection(geoms[c], geoms[k])))
            if shared >= 0.9 * area[k]:
                best = c  # the smallest container: the immediate parent
        if best >= 0:
            parent[k] = best
    children: dict[int, list[int]] = {}
    for k, c in parent.items():
        children.setdefault(c, []).append(k)
    group = set()
    for c, kids in children.items():
        covered = shapely.area(
            shapely.intersection(geoms[c], shapely.union_all([geoms[k] for k in kids]))
        )
        if float(covered) >= 0.9 * area[c]:
            group.add(c)
    out = {i: i for i in idents}
    for k in parent:
        root, steps = k, 0
        while root in parent and parent[root] not in group and steps < len(items):
            root, steps = parent[root], steps + 1
        out[idents[k]] = idents[root]
    return out, {idents[c] for c in group}
