"""skytrace's own GeoJSON and KML exports read back into POSITION_DTYPE rows.

The inverse of ``skytrace.outputs.export`` for the two formats no other reader takes (the
CSV and Parquet exports have the traffic columns, which ``skytrace.sources.tracks`` reads):

- GeoJSON: every Point feature whose properties hold the export's columns (``timestamp``,
  ``icao24``, ``latitude``, ``longitude``, ``altitude`` ft, ...); the LineString is skipped.
- KML: each Placemark's ``gx:Track`` — ``<when>`` times and ``<gx:coord>`` points — with the
  exact values from its ``gx:SimpleArrayData`` arrays (``export.KML_FIELDS``). A track without
  them (another program's KML) keeps time and place; its heights are not altitudes and are
  left unknown. The address comes from the Placemark's ``icao24`` data or ``icao24=``.

Rows that cannot be read are counted with their feature / position number and left out, as
in ``skytrace.sources.tracks``; a file that is not such an export raises SourceError. Pure
functions of the file's bytes; no state.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import SourceError
from skytrace.model import POSITION_DTYPE, Source
from skytrace.sources.tracks import BadRow, TrackFile, TrackFormat

__all__ = ["is_export", "read_export"]

_KML: Final = "{http://www.opengis.net/kml/2.2}"
_GX: Final = "{http://www.google.com/kml/ext/2.2}"
_SOURCES: Final = {s.label: int(s) for s in Source}


def is_export(path: Path) -> bool:
    """True for a file named like a GeoJSON or KML export (.geojson, .kml)."""
    return path.suffix.lower() in (".geojson", ".kml")


def _time_s(text: str) -> float:
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone")
    return t.timestamp()


def _float(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    return float(value)


def _row(values: dict[str, Any], default_icao24: int | None) -> tuple[Any, ...]:
    """One POSITION_DTYPE row from export columns (ValueError when a required one is bad)."""
    text = str(values.get("icao24") or "").strip()
    if text:
        icao24 = int(text, 16)
    elif default_icao24 is not None:
        icao24 = default_icao24
    else:
        raise ValueError("no icao24 (give --icao24)")
    if not 0 <= icao24 <= 0xFFFFFF:
        raise ValueError(f"icao24 {text!r} is not a 24-bit address")
    lat, lon = float(values["latitude"]), float(values["longitude"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"position {lat}, {lon} is out of range")
    onground = values.get("onground")
    return (
        icao24,
        _time_s(str(values["timestamp"])),
        lat,
        lon,
        _float(values.get("altitude")),
        _float(values.get("geoaltitude")),
        _float(values.get("groundspeed")),
        _float(values.get("track")),
        _float(values.get("vertical_rate")),
        onground in (True, "1", "true", "True"),
        _SOURCES.get(str(values.get("source") or ""), int(Source.OTHER)),
        int(values.get("receivers") or 0),
        str(values.get("squawk") or "").encode("ascii", "replace")[:4],
        str(values.get("callsign") or "").encode("ascii", "replace")[:8],
    )


def _geojson(data: bytes, path: Path, icao24: int | None) -> tuple[list[Any], list[BadRow], int]:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"{path}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise SourceError(f"{path}: not a GeoJSON FeatureCollection")
    rows, bad, read = [], [], 0
    for n, feature in enumerate(doc.get("features") or [], start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            continue
        read += 1
        try:
            rows.append(_row(feature.get("properties") or {}, icao24))
        except (KeyError, ValueError, TypeError) as exc:
            bad.append(BadRow(n, f"feature {n}: {exc}"))
    return rows, bad, read


def _kml(data: bytes, path: Path, icao24: int | None) -> tuple[list[Any], list[BadRow], int]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SourceError(f"{path}: not KML ({exc})") from None
    rows, bad, read = [], [], 0
    for placemark in root.iter(f"{_KML}Placemark"):
        address: int | None = icao24
        for item in placemark.iter(f"{_KML}Data"):
            if item.get("name") == "icao24":
                value = item.findtext(f"{_KML}value") or ""
                try:
                    address = int(value, 16) if value.strip() else address
                except ValueError:
                    raise SourceError(f"{path}: icao24 {value!r} is not hexadecimal") from None
        for track in placemark.iter(f"{_GX}Track"):
            whens = [w.text or "" for w in track.iter(f"{_KML}when")]
            coords = [c.text or "" for c in track.iter(f"{_GX}coord")]
            arrays = {
                a.get("name", ""): [v.text or "" for v in a.iter(f"{_GX}value")]
                for a in track.iter(f"{_GX}SimpleArrayData")
            }
            for i, (when, coord) in enumerate(zip(whens, coords, strict=False)):
                read += 1
                values: dict[str, Any] = {
                    name: column[i] for name, column in arrays.items() if i < len(column)
                }
                try:
                    lon, lat, *_ = coord.split()
                    values.update(timestamp=when, latitude=lat, longitude=lon)
                    values.setdefault("icao24", f"{address:06x}" if address is not None else "")
                    rows.append(_row(values, address))
                except (KeyError, ValueError, TypeError) as exc:
                    bad.append(BadRow(read, f"position {read}: {exc}"))
    if not read:
        raise SourceError(f"{path}: no gx:Track with positions in this KML")
    return rows, bad, read


def read_export(path: str | Path, icao24: int | None = None) -> TrackFile:
    """The positions of a skytrace GeoJSON or KML export (SourceError if it is not one)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    reader = _kml if path.suffix.lower() == ".kml" else _geojson
    rows, bad, read = reader(data, path, icao24)
    positions: npt.NDArray[np.void] = np.array(rows, dtype=POSITION_DTYPE)
    positions = positions[np.argsort(positions["time_s"], kind="stable")]
    return TrackFile(path, TrackFormat.TRAFFIC, positions, read, bad)
