"""Runways: the OurAirports ``runways.csv`` importer and the stored runway columns.

This module owns the runway record and its on-disk form (``<data_dir>/refdata/runways.npz``,
columns below, no pickles). Input: OurAirports ``runways.csv`` (header row; columns
``airport_ident, length_ft, width_ft, surface, le_ident, le_latitude_deg, le_longitude_deg,
le_elevation_ft, le_heading_degT, he_*``). Its ``closed`` column is ignored on purpose: it is
unreliable (ZKPY 01/19 is marked closed but is in use).

Units: lengths and elevations in feet, positions in degrees WGS84, headings in degrees true.
A heading missing from the file is computed from the two thresholds when both are known
(initial great-circle bearing); anything else unknown is NaN.
"""

from __future__ import annotations

import csv
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import RefdataError
from skytrace.refdata.reading import BadLines, open_text

__all__ = ["SURFACES", "ParsedRunways", "Runway", "RunwayColumns", "read_runways", "surface_kind"]

_FLOAT_FIELDS = (
    "length_ft",
    "width_ft",
    "le_lat",
    "le_lon",
    "le_elevation_ft",
    "le_heading_deg",
    "he_lat",
    "he_lon",
    "he_elevation_ft",
    "he_heading_deg",
)
_SOURCE_COLUMNS = {
    "length_ft": "length_ft",
    "width_ft": "width_ft",
    "le_lat": "le_latitude_deg",
    "le_lon": "le_longitude_deg",
    "le_elevation_ft": "le_elevation_ft",
    "le_heading_deg": "le_heading_degT",
    "he_lat": "he_latitude_deg",
    "he_lon": "he_longitude_deg",
    "he_elevation_ft": "he_elevation_ft",
    "he_heading_deg": "he_heading_degT",
}
_STR_FIELDS = ("airport_icao", "le_ident", "he_ident", "surface")

SURFACES: Final = ("", "paved", "unpaved", "water")  # "" unknown; index = surface code
# OurAirports surface codes are free text; these prefixes fold >97 % of its runways
_PAVED = re.compile(
    r"^(asp|con|pem|bit|tar|pav|mac|bri|met|alu|psp|tre|sea\b|seal|ashpalt|asfalt|cem|hard|"
    r"per|cop|com|[abc]$)",
    re.IGNORECASE,
)
_UNPAVED = re.compile(
    r"^(tur|grs|gra|gre|gvl|grv|dir|ear|san|cla|soi|lat|cor|sno|ice|mat|lim|sil|roc|"
    r"sha|cin|mar|gnd|g$|s$|n$|x$|l$|pie|pi\u00e7|sod|unp|her|ter|cru|trtd|cal|red|bro|whi|"
    r"oil|rou|sai|blu)",
    re.IGNORECASE,
)
_WATER = re.compile(r"^(wat|h2o)", re.IGNORECASE)


def surface_kind(text: str) -> str:
    """OurAirports' free-text runway surface folded to paved / unpaved / water ("" unknown)."""
    t = text.strip()
    if not t or t.upper() in ("UNK", "U", "UNKNOWN"):
        return ""
    if _WATER.match(t):
        return "water"
    if _PAVED.match(t):
        return "paved"
    if _UNPAVED.match(t):
        return "unpaved"
    return ""


@dataclass(frozen=True, slots=True)
class Runway:
    airport_icao: str
    le_ident: str
    he_ident: str
    le_lat: float
    le_lon: float
    he_lat: float
    he_lon: float
    le_heading_deg: float
    he_heading_deg: float
    length_ft: float
    width_ft: float
    surface: str
    le_elevation_ft: float
    he_elevation_ft: float

    @property
    def name(self) -> str:
        """``01/19`` style name."""
        return f"{self.le_ident}/{self.he_ident}" if self.he_ident else self.le_ident


class RunwayColumns:
    """All runways as numpy columns, grouped by airport (rows sorted by airport)."""

    def __init__(self, columns: dict[str, npt.NDArray[np.generic]]) -> None:
        self.columns = columns
        airport = columns["airport_icao"]
        self.airports, self.group_starts, self.group_counts = np.unique(
            airport, return_index=True, return_counts=True
        )

    def __len__(self) -> int:
        return len(self.columns["airport_icao"])

    @classmethod
    def from_rows(cls, rows: dict[str, list[object]]) -> RunwayColumns:
        order = np.argsort(np.array(rows["airport_icao"], dtype=str), kind="stable")
        cols: dict[str, npt.NDArray[np.generic]] = {}
        for name in _STR_FIELDS:
            cols[name] = np.array(rows[name], dtype=str)[order]
        for name in _FLOAT_FIELDS:
            cols[name] = np.array(rows[name], dtype=np.float64)[order]
        return cls(cols)

    def for_airport(self, icao: str) -> tuple[Runway, ...]:
        i = int(np.searchsorted(self.airports, icao))
        if i >= len(self.airports) or self.airports[i] != icao:
            return ()
        start, count = int(self.group_starts[i]), int(self.group_counts[i])
        c = self.columns
        return tuple(
            Runway(
                airport_icao=str(c["airport_icao"][j]),
                le_ident=str(c["le_ident"][j]),
                he_ident=str(c["he_ident"][j]),
                le_lat=float(c["le_lat"][j]),
                le_lon=float(c["le_lon"][j]),
                he_lat=float(c["he_lat"][j]),
                he_lon=float(c["he_lon"][j]),
                le_heading_deg=float(c["le_heading_deg"][j]),
                he_heading_deg=float(c["he_heading_deg"][j]),
                length_ft=float(c["length_ft"][j]),
                width_ft=float(c["width_ft"][j]),
                surface=str(c["surface"][j]),
                le_elevation_ft=float(c["le_elevation_ft"][j]),
                he_elevation_ft=float(c["he_elevation_ft"][j]),
            )
            for j in range(start, start + count)
        )

    def longest_by_airport(self) -> dict[str, float]:
        """Longest runway length (ft) of each airport that has a known length."""
        lengths = self.columns["length_ft"].astype(np.float64)
        out: dict[str, float] = {}
        for icao, start, count in zip(
            self.airports, self.group_starts, self.group_counts, strict=True
        ):
            seg = lengths[start : start + count]
            if np.isfinite(seg).any():
                out[str(icao)] = float(np.nanmax(seg))
        return out

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.savez(f, **self.columns)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> RunwayColumns:
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls({name: z[name] for name in (*_STR_FIELDS, *_FLOAT_FIELDS)})
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise RefdataError(f"runway table {path} is unreadable ({exc}); import again") from exc


@dataclass(frozen=True, slots=True)
class ParsedRunways:
    runways: RunwayColumns
    bad: BadLines


def _float(text: str) -> float:
    text = text.strip()
    return float(text) if text else math.nan


def _bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


# A threshold outside these is no place on Earth: the row is rejected and counted.
_POSITION_RANGES: Final = {
    "le_lat": 90.0,
    "he_lat": 90.0,
    "le_lon": 180.0,
    "he_lon": 180.0,
}
# Other values no runway has (OurAirports writes -1 for an unknown width): made unknown (NaN).
_VALUE_RANGES: Final = {
    "length_ft": (1.0, 100_000.0),
    "width_ft": (1.0, 10_000.0),
    "le_elevation_ft": (-1_500.0, 30_000.0),
    "he_elevation_ft": (-1_500.0, 30_000.0),
    "le_heading_deg": (0.0, 360.0),
    "he_heading_deg": (0.0, 360.0),
}


def _implausible(values: dict[str, float]) -> str:
    """Why a runway row cannot be kept ("" when it can); impossible secondary values are
    set to NaN (unknown) in ``values``."""
    for name, limit in _POSITION_RANGES.items():
        v = values[name]
        if not math.isnan(v) and not abs(v) <= limit:
            return f"{name} {v:g} outside [-{limit:g}, {limit:g}]"
    for name, (lo, hi) in _VALUE_RANGES.items():
        if not lo <= values[name] <= hi:
            values[name] = math.nan
    return ""


def read_runways(path: Path) -> ParsedRunways:
    """Read OurAirports ``runways.csv``; bad rows are reported by line and skipped."""
    path = Path(path)
    bad = BadLines()
    rows: dict[str, list[object]] = {n: [] for n in (*_STR_FIELDS, *_FLOAT_FIELDS)}
    with open_text(path) as f:
        reader = csv.DictReader(f)
        try:
            fields = reader.fieldnames or []
        except csv.Error as exc:
            raise RefdataError(f"{path}: not a CSV file ({exc})") from exc
        needed = {"airport_ident", "le_ident", *_SOURCE_COLUMNS.values()}
        missing = sorted(needed - set(fields))
        if missing:
            raise RefdataError(
                f"{path}: not an OurAirports runways.csv (missing columns: {', '.join(missing)})"
            )
        try:
            for row in reader:
                line = reader.line_num
                if None in row or any(v is None for v in row.values()):
                    bad.add(line, "wrong number of fields")
                    continue
                ident = row["airport_ident"].strip().upper()
                if not ident:
                    bad.add(line, "no airport_ident")
                    continue
                try:
                    values = {k: _float(row[src]) for k, src in _SOURCE_COLUMNS.items()}
                except ValueError as exc:
                    bad.add(line, f"not a number: {exc}")
                    continue
                if problem := _implausible(values):
                    bad.add(line, problem)
                    continue
                ends = (values["le_lat"], values["le_lon"], values["he_lat"], values["he_lon"])
                if all(math.isfinite(v) for v in ends):
                    if math.isnan(values["le_heading_deg"]):
                        values["le_heading_deg"] = _bearing_deg(*ends)
                    if math.isnan(values["he_heading_deg"]):
                        values["he_heading_deg"] = _bearing_deg(ends[2], ends[3], *ends[:2])
                rows["airport_icao"].append(ident)
                rows["le_ident"].append(row["le_ident"].strip())
                rows["he_ident"].append(row.get("he_ident", "").strip())
                rows["surface"].append(row.get("surface", "").strip())
                for k, v in values.items():
                    rows[k].append(v)
        except (csv.Error, EOFError, OSError) as exc:
            bad.add(reader.line_num + 1, f"file unreadable from here on: {exc}")
    if not rows["airport_icao"]:
        raise RefdataError(f"{path}: no runway rows found ({bad.count} bad lines)")
    return ParsedRunways(RunwayColumns.from_rows(rows), bad)
