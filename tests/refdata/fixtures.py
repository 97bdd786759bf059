"""Tiny reference-data files the tests write themselves (no shared data needed)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

AIRCRAFT_CSV = (
    "icao24,registration,typecode,flags,description\n"
    "7277CF,P-671,A148,00,ANTONOV An-148\n"
    "7277D0,P-672,A148,00,ANTONOV An-148\n"
    "AE1234,05-5678,C17,1000,BOEING C-17 Globemaster III\n"
    "4B1801,HB-JVE,F100,0011,FOKKER 100\n"
)
OPERATORS_CSV = (
    "icao,name,country,callsign\nKOR,Air Koryo,North Korea,AIR KORYO\nSWR,Swiss,Switzerland,SWISS\n"
)
TYPES_JSON = {"A148": {"desc": "L2J", "wtc": "M"}, "C17": {"desc": "L4J", "wtc": "H"}}
RUNWAYS_HEADER = (
    '"id","airport_ref","airport_ident","length_ft","width_ft","surface","lighted","closed",'
    '"le_ident","le_latitude_deg","le_longitude_deg","le_elevation_ft","le_heading_degT",'
    '"le_displaced_threshold_ft","he_ident","he_latitude_deg","he_longitude_deg",'
    '"he_elevation_ft","he_heading_degT","he_displaced_threshold_ft"\n'
)
RUNWAYS_ROWS = (
    '1,1,"ZKPY",12475,197,"CON",1,1,"01",39.2277,125.676,89,0.7,,"19",39.2619,125.676,102,180.7,\n'
    '2,1,"ZKPY",11490,230,"CON",1,0,"17",39.2204,125.664,96,,,"35",39.1902,125.676,86,,\n'
)


def write_aircraft(tmp: Path, text: str = AIRCRAFT_CSV, gz: bool = True) -> Path:
    path = tmp / ("aircraft.csv.gz" if gz else "aircraft.csv")
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_text(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def square(lon0: float, lat0: float, size: float) -> list[list[list[float]]]:
    """GeoJSON polygon coordinates of an axis-aligned square."""
    x1, y1 = lon0 + size, lat0 + size
    return [[[lon0, lat0], [x1, lat0], [x1, y1], [lon0, y1], [lon0, lat0]]]


def feature_collection(features: list[tuple[dict[str, object], object]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": props, "geometry": geom}
                for props, geom in features
            ],
        }
    )


def polygon(coords: list[list[list[float]]]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": coords}
