"""Receiver positions for MLAT, from a TOML file, matched to receivers by name.

The file has the ``[[receivers]]`` tables of a simulator scenario (so a scenario file works
as it is): ``name``, ``lat``, ``lon`` (degrees WGS84) and ``altitude_m`` (antenna height, m,
default 30). A receiver is matched by its name as the sources register it (a feeder's
configured name, ``host:port``, a file name) or by its readsb receiver id (the 16 hex digits
under which a Beast stream with receiver-id frames, such as ``skytrace simulate`` writes,
names it). Positions are configured, never guessed: MLAT needs them within metres, which a
receiver's ADS-B coverage cannot give.

Reading the file is the only I/O; ``SiteBook.resolve`` is pure and not thread-safe.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skytrace.errors import UsageError
from skytrace.mlat.stage import MlatStage, ReceiverSite
from skytrace.outputs.encode import receiver_id

__all__ = ["SiteBook", "SitePosition", "load_sites", "stage_from_file"]


@dataclass(frozen=True, slots=True)
class SitePosition:
    name: str
    lat: float
    lon: float
    altitude_m: float = 30.0


def _number(
    t: dict[str, Any], key: str, where: str, lo: float, hi: float, default: Any = ...
) -> float:
    if key not in t:
        if default is ...:
            raise UsageError(f"{where}: missing field {key!r}")
        return float(default)
    v = t[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise UsageError(f"{where}: {key} must be a number, got {v!r}")
    if not lo <= float(v) <= hi:
        raise UsageError(f"{where}: {key} = {v} is out of range [{lo}, {hi}]")
    return float(v)


def load_sites(path: Path) -> list[SitePosition]:
    """The ``[[receivers]]`` of a TOML file; a problem raises UsageError naming the entry."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read receiver positions {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from exc
    tables = doc.get("receivers")
    if not isinstance(tables, list) or not tables:
        raise UsageError(f"{path}: no [[receivers]] tables with name, lat, lon")
    sites = []
    for i, t in enumerate(tables):
        where = f"{path} [[receivers]] #{i + 1}"
        name = t.get("name")
        if not isinstance(name, str) or not name:
            raise UsageError(f"{where}: missing field 'name'")
        sites.append(
            SitePosition(
                name=name,
                lat=_number(t, "lat", where, -90, 90),
                lon=_number(t, "lon", where, -180, 180),
                altitude_m=_number(t, "altitude_m", where, -500, 9000, 30.0),
            )
        )
    return sites


class SiteBook:
    """Positions by receiver name, turned into ``ReceiverSite`` s for receiver indices."""

    def __init__(self, sites: list[SitePosition]) -> None:
        self._by_name: dict[str, SitePosition] = {}
        for s in sites:
            self._by_name[s.name] = s
            self._by_name[f"{receiver_id(s.name):016x}"] = s
        self._seen: set[int] = set()

    def __len__(self) -> int:
        return len({s.name for s in self._by_name.values()})

    def resolve(self, receivers: dict[int, str]) -> list[ReceiverSite]:
        """Sites of receiver indices not looked at before whose name has a position."""
        out = []
        for index, name in receivers.items():
            if index in self._seen or index <= 0:
                continue
            self._seen.add(index)
            s = self._by_name.get(name)
            if s is not None:
                out.append(ReceiverSite(index, s.lat, s.lon, s.altitude_m, s.name))
        return out


def stage_from_file(path: Path) -> MlatStage:
    """An MLAT stage that knows the receivers of a positions file by name."""
    return MlatStage(book=SiteBook(load_sites(path)))
