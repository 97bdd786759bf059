"""Which country, FIR and user areas a position lies in (batches and single points).

This module owns ``AreaIndex``, the look-up the tracker, flights and the ``area`` command use.
Countries are coded **ISO 3166 alpha-2** ("RU", "KP"); "" means outside every country.

Layers (each a ``layers.PolygonLayer``):
- countries: the bundled Natural Earth outlines (land, plus an approximate 12 NM territorial
  sea made by buffering the coast; see ``scripts/gen_countries.py``), or, when the user
  imported one, ``<data_dir>/refdata/countries.npz`` (e.g. the maritime set: land + real
  territorial sea), which replaces the bundled set;
- land: the bundled land entries, used by ``locate`` to say "over land" or "over the sea";
- FIRs: ``firs.npz`` when imported. Look-ups answer FIR-level idents ("RKRR", "EGTT"):
  the importer puts whole FIRs first and files their sectors ("EGTT-C") and the sub-areas a
  FIR contains ("RKDA" inside "RKRR") under the FIR's ident, kind ``fir-sector:<ident>``;
  ``fir_sectors_at`` names those sectors when asked;
- user areas: ``areas/<name>.npz``, one entry each.

Layers are loaded on first use (``load_refdata`` is cheap). Look-ups are vectorized (see
``layers``): about 0.1 s per million points. Thread-safe once loaded; the first use of a
layer from two threads at once may load it twice, which is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skytrace.refdata.iso3166 import country_codes
from skytrace.refdata.layers import PolygonLayer
from skytrace.refdata.paths import package_data

__all__ = ["AreaHit", "AreaIndex", "bundled_countries"]


@dataclass(frozen=True, slots=True)
class AreaHit:
    """What one point lies in."""

    lat: float
    lon: float
    country: str  # ISO alpha-2, "" outside every country
    country_name: str
    surface: str  # "land", "sea" (territorial sea), "" outside / unknown
    fir: str  # FIR ident, "" none or FIRs not imported
    fir_name: str
    firs_loaded: bool
    areas: tuple[str, ...]  # user areas containing the point
    country_source: str  # "bundled" or "imported"
    sectors: tuple[str, ...] = ()  # FIR sectors containing the point (locate(sectors=True))


_BUNDLED: PolygonLayer | None = None


def bundled_countries() -> PolygonLayer:
    """The country layer shipped with skytrace (loaded once per process)."""
    global _BUNDLED
    if _BUNDLED is None:
        with package_data("countries.npz").open("rb") as f:
            _BUNDLED = PolygonLayer.load(f, "bundled country outlines")
    return _BUNDLED


class _Lazy:
    def __init__(self, load: Callable[[], PolygonLayer | None]) -> None:
        self._load = load
        self._value: PolygonLayer | None = None
        self._done = False

    def get(self) -> PolygonLayer | None:
        if not self._done:
            self._value = self._load()
            self._done = True
        return self._value


def _file_layer(path: Path, what: str) -> Callable[[], PolygonLayer | None]:
    def load() -> PolygonLayer | None:
        return PolygonLayer.load(path, what) if path.exists() else None

    return load


def _lazy_layer(source: Path | PolygonLayer | None, what: str) -> _Lazy:
    if isinstance(source, PolygonLayer):
        return _Lazy(lambda: source)
    if source is None:
        return _Lazy(lambda: None)
    return _Lazy(_file_layer(source, f"{what} {source}"))


class AreaIndex:
    """Point-in-area look-ups over countries, FIRs and user areas."""

    def __init__(
        self,
        countries: Path | PolygonLayer | None = None,
        firs: Path | PolygonLayer | None = None,
        areas: Mapping[str, Path | PolygonLayer] | None = None,
    ) -> None:
        """Layers given as loaded layers or as ``.npz`` paths (loaded on first use); a missing
        countries path means the bundled outlines."""
        self._imported_countries = False
        if isinstance(countries, PolygonLayer):
            self._countries = _Lazy(lambda: countries)
            self._imported_countries = True
        elif isinstance(countries, Path) and countries.exists():
            self._countries = _Lazy(_file_layer(countries, f"country outlines {countries}"))
            self._imported_countries = True
        else:
            self._countries = _Lazy(bundled_countries)
        self._firs = _lazy_layer(firs, "FIR file")
        self._areas = {
            name: _lazy_layer(layer, f"area {name!r}") for name, layer in (areas or {}).items()
        }

    # ---- countries ------------------------------------------------------------------------

    @property
    def country_source(self) -> str:
        return "imported" if self._imported_countries else "bundled"

    def _country_layer(self) -> PolygonLayer:
        layer = self._countries.get()
        return layer if layer is not None else bundled_countries()

    def countries_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """ISO alpha-2 code of the country (land or territorial sea) of each point, "" none."""
        return self._country_layer().codes_at(lats, lons)

    def country_name(self, code: str) -> str:
        """Short name of an alpha-2 code ("" for unknown / empty)."""
        name = country_codes().name(code)
        if name or not code:
            return name
        for entry in self._country_layer().entries:
            if entry.code == code:
                return entry.name
        return ""

    # ---- FIRs and user areas --------------------------------------------------------------

    @property
    def has_firs(self) -> bool:
        return self._firs.get() is not None

    def firs_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """FIR ident of each point ("" none, or all "" when no FIRs are imported)."""
        layer = self._firs.get()
        if layer is None:
            return np.full(np.asarray(lats).shape, "", dtype=object)
        return layer.codes_at(lats, lons)

    def fir_name(self, ident: str) -> str:
        layer = self._firs.get()
        if layer is None:
            return ""
        return next((e.name for e in layer.entries if e.code == ident), "")

    def fir_sectors_at(self, lat: float, lon: float) -> tuple[str, ...]:
        """Idents of the FIR sectors and sub-areas containing one point, outermost first."""
        layer = self._firs.get()
        if layer is None:
            return ()
        return tuple(
            e.kind.split(":", 1)[1]
            for e in layer.all_at(lat, lon)
            if e.kind.startswith("fir-sector:")
        )

    @property
    def area_names(self) -> list[str]:
        return sorted(self._areas)

    def areas_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> list[tuple[str, ...]]:
        """Names of the user areas containing each point (empty tuple for none)."""
        lat = np.asarray(lats, np.float64).ravel()
        lon = np.asarray(lons, np.float64).ravel()
        inside: list[tuple[str, npt.NDArray[np.bool_]]] = []
        for name in self.area_names:
            layer = self._areas[name].get()
            if layer is not None:
                inside.append((name, layer.entry_index_many(lat, lon) >= 0))
        return [tuple(name for name, mask in inside if mask[i]) for i in range(len(lat))]

    def in_area(self, name: str, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each point lies in the user area ``name`` (KeyError when unknown)."""
        layer = self._areas[name].get()
        if layer is None:
            return np.zeros(np.asarray(lats).shape, dtype=bool)
        return layer.entry_index_many(lats, lons) >= 0

    # ---- one point ------------------------------------------------------------------------

    def locate(self, lat: float, lon: float, *, sectors: bool = False) -> AreaHit:
        """Country, FIR (FIR level) and user areas of one point; with ``sectors`` also the
        FIR sectors containing it."""
        country = str(self.countries_at([lat], [lon])[0])
        bundled = bundled_countries()
        entry = int(bundled.entry_index_many([lat], [lon])[0])
        surface = bundled.entries[entry].kind if entry >= 0 else ""
        if self._imported_countries and country and surface == "":
            surface = "sea"  # inside the imported airspace, beyond the bundled sea belt
        fir = str(self.firs_at([lat], [lon])[0])
        return AreaHit(
            lat=lat,
            lon=lon,
            country=country,
            country_name=self.country_name(country),
            surface=surface if country else "",
            fir=fir,
            fir_name=self.fir_name(fir),
            firs_loaded=self.has_firs,
            areas=self.areas_at([lat], [lon])[0],
            country_source=self.country_source,
            sectors=self.fir_sectors_at(lat, lon) if sectors else (),
        )
