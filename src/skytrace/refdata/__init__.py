"""refdata: airports, runways, aircraft, operators, address blocks, areas; loaders, importers.

    from skytrace.refdata import load_refdata
    rd = load_refdata(data_dir)          # cheap: tables load on first use
    rd.identify(0x7277CF, "KOR151")      # AircraftIdentity (skytrace.model.IdentityLookup)
    rd.airports.nearest_airport(39.22, 125.67, 10.0)
    rd.areas.countries_at(lats, lons)    # ISO alpha-2 per point

See docs/refdata.md for the formats, the store layout and the heuristics.
"""

from __future__ import annotations

from pathlib import Path

from skytrace.refdata.airports import AirportInfo, Airports
from skytrace.refdata.areas import AreaHit, AreaIndex
from skytrace.refdata.importers import KINDS, import_refdata
from skytrace.refdata.reading import BadLine, ImportReport
from skytrace.refdata.registry import IdentityColumns, Refdata
from skytrace.refdata.runways import Runway

__all__ = [
    "KINDS",
    "AirportInfo",
    "Airports",
    "AreaHit",
    "AreaIndex",
    "BadLine",
    "IdentityColumns",
    "ImportReport",
    "Refdata",
    "Runway",
    "import_refdata",
    "load_refdata",
]


def load_refdata(data_dir: Path | None) -> Refdata:
    """Reference data of ``data_dir`` (None: bundled data and airports only). Fast: big tables
    load on first use. A corrupt stored table raises RefdataError when first used."""
    return Refdata(Path(data_dir) if data_dir is not None else None)
