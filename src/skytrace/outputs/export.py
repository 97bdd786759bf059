"""Track exports in the formats analysts load: CSV, GeoJSON, KML and Parquet.

One place for the formatting, used alike by ``skytrace export`` and the HTTP API. Columns and
names follow traffic / OpenSky (timestamp, icao24, latitude, longitude, altitude ft,
groundspeed kt, track deg, vertical_rate ft/min, ...). GeoJSON holds one LineString of the
whole track (with the flight's summary as properties, when there is a flight) and one Point per
position; KML one Placemark with a gx:Track (a time per position, so Google Earth animates
it) at heights above the field (m, relative to the ground). Every timestamp is ISO 8601 UTC
with milliseconds (``2023-09-12T02:18:17.354Z``).

Pure functions of the positions passed in: no files, no store; thread-safe.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, Final, Literal
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from skytrace.model import Flight
from skytrace.store.present import POSITION_COLUMNS, flight_json, position_rows

__all__ = [
    "EXPORT_FORMATS",
    "KML_FIELDS",
    "MEDIA_TYPES",
    "SUFFIXES",
    "ExportFormat",
    "export_track",
    "format_of",
]

ExportFormat = Literal["csv", "geojson", "kml", "parquet"]
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = ("csv", "geojson", "kml", "parquet")
MEDIA_TYPES: Final[dict[str, str]] = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "parquet": "application/vnd.apache.parquet",
}
SUFFIXES: Final[dict[str, ExportFormat]] = {
    ".csv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".kml": "kml",
    ".parquet": "parquet",
    ".pq": "parquet",
}
FT_TO_M: Final = 0.3048


def format_of(filename: str) -> ExportFormat | None:
    """The export format a file name's suffix names (``p671.kml`` -> "kml"), else None."""
    dot = filename.rfind(".")
    return SUFFIXES.get(filename[dot:].lower()) if dot >= 0 else None


def export_track(
    positions: npt.NDArray[np.void],
    fmt: ExportFormat,
    name: str,
    flight: Flight | None = None,
    *,
    field_elevations_ft: tuple[float, float] = (math.nan, math.nan),
) -> bytes:
    """The positions (POSITION_DTYPE rows) as one document of ``fmt``, named ``name``.

    ``field_elevations_ft`` (departure, arrival; NaN unknown) are the KML's ground reference.
    """
    if fmt == "parquet":
        return _parquet(positions)
    rows = position_rows(positions)
    if fmt == "csv":
        return _csv(rows).encode()
    if fmt == "geojson":
        return _geojson(rows, flight, name).encode()
    if fmt == "kml":
        return _kml(rows, name, field_elevations_ft).encode()
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=POSITION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "" if v is None else v for k, v in r.items()})
    return buf.getvalue()


def _geojson(rows: list[dict[str, Any]], flight: Flight | None, name: str) -> str:
    coords = [[r["longitude"], r["latitude"]] for r in rows]
    props: dict[str, Any] = {"name": name, "positions": len(rows)}
    if flight is not None:
        props.update(flight_json(flight))
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
         "properties": props},
    ]  # fmt: skip
    features += [
        {"type": "Feature", "properties": r,
         "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]}}
        for r in rows
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"


KML_FIELDS: Final = (
    ("altitude", "float"), ("geoaltitude", "float"), ("groundspeed", "float"), ("track", "float"),
    ("vertical_rate", "float"), ("onground", "bool"), ("callsign", "string"), ("squawk", "string"),
    ("source", "string"), ("receivers", "int"),
)  # fmt: skip
"""Per-position values the KML carries beside its coordinates (gx:SimpleArrayData), so that
``skytrace import`` reads an export back whole; names as in the CSV."""


def _kml(rows: list[dict[str, Any]], name: str, field_elevations_ft: tuple[float, float]) -> str:
    """One Placemark with a gx:Track: a <when> per position, so Google Earth animates it.

    Altitudes are relative to the ground, as heights above the field: the barometric altitude
    minus the departure airport's elevation for the first half of the track and the arrival
    airport's for the second half (0 when unknown), never below 0; positions on the ground are
    at 0. Over high terrain far from both fields the drawn height is therefore approximate.
    The exact values ride along as ExtendedData arrays (``KML_FIELDS``).
    """
    half = len(rows) / 2.0
    whens, coords = [], []
    for i, r in enumerate(rows):
        field_ft = field_elevations_ft[0 if i < half else 1]
        field_ft = 0.0 if field_ft != field_ft else field_ft
        altitude = r["altitude"]
        if r["onground"] or altitude is None:
            height_m = 0.0
        else:
            height_m = max(0.0, altitude - field_ft) * FT_TO_M
        whens.append(f"<when>{r['timestamp']}</when>")
        coords.append(f"<gx:coord>{r['longitude']} {r['latitude']} {height_m:.0f}</gx:coord>")
    schema = "".join(f'<gx:SimpleArrayField name="{n}" type="{t}"/>' for n, t in KML_FIELDS)
    arrays = "\n".join(
        f'<gx:SimpleArrayData name="{n}">'
        + "".join(f"<gx:value>{escape(_kml_value(r[n]))}</gx:value>" for r in rows)
        + "</gx:SimpleArrayData>"
        for n, _ in KML_FIELDS
    )
    icao24 = rows[0]["icao24"] if rows else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
        f"<Document>\n<name>{escape(name)}</name>\n"
        f'<Schema id="skytrace" name="skytrace">{schema}</Schema>\n'
        f"<Placemark><name>{escape(name)}</name>\n"
        f'<ExtendedData><Data name="icao24"><value>{escape(icao24)}</value></Data></ExtendedData>\n'
        "<gx:Track><altitudeMode>relativeToGround</altitudeMode>\n"
        + "\n".join(whens)
        + "\n"
        + "\n".join(coords)
        + '\n<ExtendedData><SchemaData schemaUrl="#skytrace">\n'
        + arrays
        + "\n</SchemaData></ExtendedData>"
        + "\n</gx:Track></Placemark>\n</Document></kml>\n"
    )


def _kml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parquet(positions: npt.NDArray[np.void]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from skytrace.store.positions import positions_to_table

    table = positions_to_table(positions)
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())
