"""Track exports in the formats analysts load: CSV, GeoJSON, KML and Parquet.

One place for the formatting, used alike by ``skytrace export`` and the HTTP API. Columns and
names follow traffic / OpenSky (timestamp, icao24, latitude, longitude, altitude ft,
groundspeed kt, track deg, vertical_rate ft/min, ...). GeoJSON holds one LineString of the
whole track (with the flight's summary as properties, when there is a flight) and one Point per
position; KML one Placemark with the track as a LineString at absolute altitude (m).

Pure functions of the positions passed in: no files, no store; thread-safe.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Final, Literal
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from skytrace.model import Flight
from skytrace.store.present import POSITION_COLUMNS, flight_json, position_rows

__all__ = ["EXPORT_FORMATS", "MEDIA_TYPES", "ExportFormat", "export_track"]

ExportFormat = Literal["csv", "geojson", "kml", "parquet"]
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = ("csv", "geojson", "kml", "parquet")
MEDIA_TYPES: Final[dict[str, str]] = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "parquet": "application/vnd.apache.parquet",
}
FT_TO_M: Final = 0.3048


def export_track(
    positions: npt.NDArray[np.void], fmt: ExportFormat, name: str, flight: Flight | None = None
) -> bytes:
    """The positions (POSITION_DTYPE rows) as one document of ``fmt``, named ``name``."""
    if fmt == "parquet":
        return _parquet(positions)
    rows = position_rows(positions)
    if fmt == "csv":
        return _csv(rows).encode()
    if fmt == "geojson":
        return _geojson(rows, flight, name).encode()
    if fmt == "kml":
        return _kml(rows, name).encode()
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


def _kml(rows: list[dict[str, Any]], name: str) -> str:
    coords = " ".join(
        f"{r['longitude']},{r['latitude']},{(r['altitude'] or 0.0) * FT_TO_M:.0f}" for r in rows
    )
    start = rows[0]["timestamp"] if rows else ""
    end = rows[-1]["timestamp"] if rows else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n'
        f"<name>{escape(name)}</name>\n<Placemark><name>{escape(name)}</name>\n"
        f"<TimeSpan><begin>{start}</begin><end>{end}</end></TimeSpan>\n"
        "<LineString><altitudeMode>absolute</altitudeMode>\n"
        f"<coordinates>{coords}</coordinates></LineString></Placemark>\n</Document></kml>\n"
    )


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
