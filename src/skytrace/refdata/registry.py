"""``Refdata``: everything skytrace knows from reference data, loaded lazily, and the identity
rule that turns an address and a callsign into an ``AircraftIdentity``.

This module owns enrichment. For an address (and optionally a callsign):

- country of registration: from the bundled ICAO address blocks (narrowest block wins);
- registration, type designator, description, flags (military / interesting / PIA / LADD):
  from the imported aircraft table;
- type class and wake category: from the imported type table (and its description when the
  aircraft table has none);
- operator: the callsign's ICAO designator when the callsign is a designator plus a digit-led
  flight id and the designator is in the imported operator table (``operator_source`` =
  "callsign"), else the aircraft table's operator (``"aircraft-db"``), else ``"unknown"``.

Tables load on first use, so ``load_refdata`` costs milliseconds; every table that was not
imported is simply absent (an unknown address gets an identity with only its country).
Reads are safe from several threads once the tables are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skytrace.model import AircraftIdentity
from skytrace.refdata.actypes import TypeTable
from skytrace.refdata.addresses import AddressBlocks, address_blocks
from skytrace.refdata.aircraft import (
    FLAG_INTERESTING,
    FLAG_LADD,
    FLAG_MILITARY,
    FLAG_PIA,
    AircraftTable,
)
from skytrace.refdata.airports import Airports
from skytrace.refdata.areas import AreaIndex
from skytrace.refdata.importers import store_path
from skytrace.refdata.iso3166 import country_codes
from skytrace.refdata.operators import OperatorTable
from skytrace.refdata.paths import ManifestEntry, read_manifest, refdata_dir
from skytrace.refdata.runways import RunwayColumns

__all__ = ["IdentityColumns", "Refdata"]


@dataclass(frozen=True, slots=True)
class IdentityColumns:
    """``identify_many`` output: one row per input address."""

    icao24: npt.NDArray[np.int64]
    known: npt.NDArray[np.bool_]  # address is in the aircraft table
    registration: npt.NDArray[np.str_]
    typecode: npt.NDArray[np.str_]
    description_index: npt.NDArray[np.int32]  # into description_values; -1 unknown
    description_values: npt.NDArray[np.str_]
    country: npt.NDArray[np.object_]  # ISO alpha-2 of the address block, "" none
    flags: npt.NDArray[np.uint8]

    @property
    def description(self) -> npt.NDArray[np.str_]:
        """Descriptions as strings (materialized on demand)."""
        out = self.description_values[np.maximum(self.description_index, 0)]
        out[self.description_index < 0] = ""
        return out


class Refdata:
    """Reference data of one data directory (``None``: bundled data and airports only)."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.blocks: AddressBlocks = address_blocks()

    def _path(self, kind: str) -> Path | None:
        if self.data_dir is None:
            return None
        path = store_path(self.data_dir, kind)
        return path if path.exists() else None

    # ---- tables (lazy) --------------------------------------------------------------------

    @cached_property
    def aircraft(self) -> AircraftTable | None:
        path = self._path("aircraft")
        return AircraftTable.load(path) if path else None

    @cached_property
    def operators(self) -> OperatorTable | None:
        path = self._path("operators")
        return OperatorTable.load(path) if path else None

    @cached_property
    def types(self) -> TypeTable | None:
        path = self._path("types")
        return TypeTable.load(path) if path else None

    @cached_property
    def runways(self) -> RunwayColumns | None:
        path = self._path("runways")
        return RunwayColumns.load(path) if path else None

    @cached_property
    def airports(self) -> Airports:
        return Airports.load(self.runways)

    @cached_property
    def areas(self) -> AreaIndex:
        areas: dict[str, Path] = {}
        if self.data_dir is not None:
            area_dir = refdata_dir(self.data_dir) / "areas"
            if area_dir.is_dir():
                areas = {p.stem: p for p in sorted(area_dir.glob("*.npz"))}
        return AreaIndex(self._path("countries"), self._path("firs"), areas)

    def manifest(self) -> dict[str, ManifestEntry]:
        return read_manifest(self.data_dir) if self.data_dir is not None else {}

    # ---- identity -------------------------------------------------------------------------

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        """Who the aircraft with this address (and callsign) is; never raises for bad input."""
        try:
            address = int(icao24)
        except (TypeError, ValueError):
            return AircraftIdentity(icao24=-1)
        country = country_codes().name(self.blocks.country_of(address))
        row = self.aircraft.get(address) if self.aircraft is not None else None
        registration = typecode = description = ""
        flags = 0
        db_operator_icao = db_operator_name = ""
        if row is not None:
            registration, typecode, description = row.registration, row.typecode, row.description
            flags = row.flags
            db_operator_icao, db_operator_name = row.operator_icao, row.operator_name
        type_class = wake = ""
        if typecode and self.types is not None:
            info = self.types.get(typecode)
            if info is not None:
                type_class, wake = info.type_class, info.wake_category
                description = description or info.description
        operator_icao, operator_name, source = self._operator(
            callsign, db_operator_icao, db_operator_name
        )
        return AircraftIdentity(
            icao24=address,
            registration=registration,
            typecode=typecode,
            type_description=description,
            type_class=type_class,
            wake_category=wake,
            country=country,
            operator_icao=operator_icao,
            operator_name=operator_name,
            operator_source=source,
            military=bool(flags & FLAG_MILITARY),
            interesting=bool(flags & FLAG_INTERESTING),
            pia=bool(flags & FLAG_PIA),
            ladd=bool(flags & FLAG_LADD),
        )

    def _operator(self, callsign: str, db_icao: str, db_name: str) -> tuple[str, str, str]:
        if callsign and self.operators is not None:
            op = self.operators.from_callsign(str(callsign))
            if op is not None:
                return op.icao, op.name, "callsign"
        if db_icao or db_name:
            if not db_name and self.operators is not None:
                op = self.operators.get(db_icao)
                db_name = op.name if op is not None else ""
            return db_icao, db_name, "aircraft-db"
        return "", "", "unknown"

    def identify_many(self, icao24: npt.ArrayLike) -> IdentityColumns:
        """Vectorized registration / type / country / flags of many addresses (no callsigns)."""
        addr = np.asarray(icao24, dtype=np.int64).ravel()
        country = self.blocks.countries_many(addr)
        table = self.aircraft
        if table is None or len(table) == 0:
            empty = np.full(addr.shape, "", dtype="U1")
            return IdentityColumns(
                addr,
                np.zeros(addr.shape, bool),
                empty,
                empty,
                np.full(addr.shape, -1, np.int32),
                np.array([""]),
                country,
                np.zeros(addr.shape, np.uint8),
            )
        rows = table.rows_many(addr)
        known = rows >= 0
        safe = np.maximum(rows, 0)
        # Gather, then blank the unknown rows in place (np.where on strings would copy twice).
        registration = table.registration[safe]
        registration[~known] = ""
        typecode = table.values["typecode"][table.codes["typecode"][safe]]
        typecode[~known] = ""
        description_index = table.codes["description"][safe]
        description_index[~known] = -1
        flags = table.flags[safe]
        flags[~known] = 0
        return IdentityColumns(
            icao24=addr,
            known=known,
            registration=registration,
            typecode=typecode,
            description_index=description_index,
            description_values=table.values["description"],
            country=country,
            flags=flags,
        )
