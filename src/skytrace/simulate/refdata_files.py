"""Reference data a scenario carries, written as small files the refdata importers read.

A scenario names its aircraft (address, registration, type, operator), the operators of its
background traffic and the runways of its airports. On a fresh machine none of that is
imported yet, so the demo writes it out in the importers' own formats and imports it into its
throw-away data directory:

    aircraft.csv   plain CSV: icao24, registration, typecode, description, operator_icao,
                   operator_name
    operators.csv  tar1090-db layout: icao, name, country, callsign
    runways.csv    OurAirports runways.csv columns (thresholds, true headings, length)

Owns only the writing; reads nothing but the scenario it is given. Not thread-safe.
"""

from __future__ import annotations

import csv
from pathlib import Path

from skytrace.simulate.scenario import Scenario

__all__ = ["RUNWAY_COLUMNS", "write_refdata_files"]

RUNWAY_COLUMNS = (
    "id", "airport_ref", "airport_ident", "length_ft", "width_ft", "surface", "lighted",
    "closed", "le_ident", "le_latitude_deg", "le_longitude_deg", "le_elevation_ft",
    "le_heading_degT", "le_displaced_threshold_ft", "he_ident", "he_latitude_deg",
    "he_longitude_deg", "he_elevation_ft", "he_heading_degT", "he_displaced_threshold_ft",
)  # fmt: skip


def write_refdata_files(scenario: Scenario, directory: Path) -> dict[str, Path]:
    """Write the scenario's aircraft, operators and runways; returns kind -> file."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "aircraft": directory / "aircraft.csv",
        "operators": directory / "operators.csv",
        "runways": directory / "runways.csv",
    }
    with open(files["aircraft"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["icao24", "registration", "typecode", "description", "operator_icao", "operator_name"]
        )
        for a in scenario.aircraft.values():
            w.writerow(
                [
                    f"{a.icao24:06x}",
                    a.registration,
                    a.typecode,
                    a.type_description,
                    a.operator_icao,
                    a.operator_name,
                ]
            )
    operators: dict[str, tuple[str, str]] = {}
    for a in scenario.aircraft.values():
        if a.operator_icao:
            operators[a.operator_icao] = (a.operator_name, a.country)
    for o in scenario.background.operators:
        operators.setdefault(o.icao, (o.name, o.country))
    with open(files["operators"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["icao", "name", "country", "callsign"])
        for code, (name, country) in sorted(operators.items()):
            w.writerow([code, name, country, ""])
    with open(files["runways"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(RUNWAY_COLUMNS)
        n = 0
        for ap in scenario.airports.values():
            for r in ap.runways:
                n += 1
                elev = round(ap.elevation_ft)
                w.writerow(
                    [n, "", ap.icao, round(r.length_ft), "", "", 1, 0,
                     r.le_ident, r.le_lat, r.le_lon, elev, r.le_heading_deg, "",
                     r.he_ident, r.he_lat, r.he_lon, elev, r.he_heading_deg, ""]
                )  # fmt: skip
    return files
