"""Aircraft state as records and as the readsb/tar1090 ``aircraft.json`` document.

``AircraftState`` is the typed record of one aircraft, built on demand from the state
columns. ``build_document`` makes the document readsb writes (``{"now", "messages",
"aircraft": [...]}``) with readsb's field names and units: ``alt_baro``/``alt_geom`` ft (or
``"ground"``), ``gs``/``ias``/``tas`` kt, ``track``/``mag_heading``/``true_heading``/
``nav_heading`` degrees, ``baro_rate``/``geom_rate`` ft/min, ``nav_qnh`` hPa, ``seen``/
``seen_pos`` seconds ago, ``rssi`` dBFS, ``rc`` metres (radius of containment from NIC).
A field is left out when unknown or not refreshed within ``field_stale_s`` (position:
``position_stale_s``), as readsb does. With reference data, ``r`` (registration), ``t`` (ICAO
type), ``desc``, ``ownOp`` and ``dbFlags`` are added. ``receivers`` is the number of
receivers that heard the latest message and ``receiver_ids`` the receiver indices that heard
the aircraft within ``position_stale_s``, ascending (skytrace additions).

Pure functions of the state passed in; not thread-safe against a concurrent ``ingest``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from skytrace.model import IdentityLookup, Source
from skytrace.track.columns import COLUMN_SPECS
from skytrace.track.config import TrackerConfig

__all__ = [
    "EMERGENCY_NAMES",
    "AircraftState",
    "StateCopy",
    "StateLike",
    "aircraft_state",
    "build_document",
    "copy_state",
]

EMERGENCY_NAMES: Final = {
    0: "none",
    1: "general",
    2: "lifeguard",
    3: "minfuel",
    4: "nordo",
    5: "unlawful",
    6: "downed",
    7: "reserved",
}
_SQUAWK_EMERGENCY: Final = {7500: "unlawful", 7600: "nordo", 7700: "general"}

# NIC -> radius of containment in metres (DO-260B, NIC supplements assumed 0)
_RC_M: Final = {1: 37040, 2: 14816, 3: 7408, 4: 3704, 5: 1852, 6: 1111, 7: 370, 8: 185,
                9: 75, 10: 25, 11: 8}  # fmt: skip
_NON_ICAO_FLAG: Final = 1 << 24


@dataclass(frozen=True, slots=True)
class AircraftState:
    """One tracked aircraft. NaN / "" / -1 mean unknown."""

    icao24: int
    hex: str  # "4ca2d1", "~" prefix for non-ICAO (TIS-B/ADS-R anonymous) addresses
    source: Source
    callsign: str
    category: str
    squawk: str
    emergency: str
    spi: bool
    first_seen_s: float
    last_seen_s: float
    messages: int
    rssi_dbfs: float
    n_receivers: int
    onground: int  # -1 unknown, 0 airborne, 1 on ground
    altitude_ft: float
    geo_altitude_ft: float
    groundspeed_kt: float
    track_deg: float
    ias_kt: float
    tas_kt: float
    mach: float
    heading_deg: float
    heading_magnetic: bool
    baro_rate_fpm: float
    geom_rate_fpm: float
    nav_qnh_hpa: float
    nav_altitude_mcp_ft: float
    nav_altitude_fms_ft: float
    nav_heading_deg: float
    lat: float
    lon: float
    position_time_s: float
    position_source: Source
    position_valid: bool
    nic: int
    nac_p: int
    sil: int
    gva: int
    sda: int
    version: int
    registration: str = ""
    typecode: str = ""
    type_description: str = ""
    operator_name: str = ""
    # receiver indices that heard it recently (within position_stale_s of the last ingest or
    # expire), ascending
    receivers: tuple[int, ...] = ()


class StateLike(Protocol):
    """What the builders below read: state columns by name and the slots of live aircraft."""

    @property
    def col(self) -> dict[str, npt.NDArray[Any]]: ...

    def live_slots(self) -> npt.NDArray[np.int32]: ...


@dataclass(frozen=True, slots=True)
class StateCopy:
    """A read-only copy of the tracked aircraft's state, for readers in other threads.

    Row ``i`` of every column is the ``i``-th tracked aircraft in address order (``icao24``
    ascending); CPR halves and trails are left out. Every array is read-only, so one copy
    can be shared by any number of threads while the tracker goes on.
    """

    col: dict[str, npt.NDArray[Any]]

    def live_slots(self) -> npt.NDArray[np.int32]:
        return np.arange(len(self.col["icao24"]), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.col["icao24"])

    def row_of(self, icao24: int) -> int:
        """Row of an address, -1 when it is not in the copy."""
        icao = self.col["icao24"]
        i = int(np.searchsorted(icao, icao24))
        return i if i < icao.size and int(icao[i]) == icao24 else -1


def copy_state(st: StateLike) -> StateCopy:
    """Copy the live aircraft's columns (a few ms for 25,000 aircraft); see StateCopy."""
    slots = st.live_slots()
    col = {}
    for name, arr in st.col.items():
        if name in _USED:
            part = arr[slots]  # fancy indexing: a new array
            part.flags.writeable = False
            col[name] = part
    return StateCopy(col)


def _hex(icao24: int) -> str:
    if icao24 & _NON_ICAO_FLAG:
        return f"~{icao24 & 0xFFFFFF:06x}"
    return f"{icao24:06x}"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").strip()
    return str(value).strip()


def _emergency(squawk: int, state: int) -> str:
    if state > 0:
        return EMERGENCY_NAMES.get(state, "reserved")
    if squawk in _SQUAWK_EMERGENCY:
        return _SQUAWK_EMERGENCY[squawk]
    return "none" if state == 0 else ""


def aircraft_state(
    st: StateLike, slot: int, identities: IdentityLookup | None = None
) -> AircraftState:
    """The record of the aircraft in ``slot``."""
    c = {name: arr[slot].item() for name, arr in st.col.items() if arr.ndim == 1}
    callsign = _text(c["callsign"])
    ident = identities.identify(c["icao24"], callsign) if identities is not None else None
    squawk = int(c["squawk"])
    return AircraftState(
        icao24=int(c["icao24"]),
        hex=_hex(int(c["icao24"])),
        source=Source(int(c["source"])),
        callsign=callsign,
        category=str(c["category"]),
        squawk=f"{squawk:04d}" if squawk >= 0 else "",
        emergency=_emergency(squawk, int(c["emergency_state"])),
        spi=bool(c["spi"]),
        first_seen_s=c["first_seen_s"],
        last_seen_s=c["last_seen_s"],
        messages=int(c["messages"]),
        rssi_dbfs=c["rssi_dbfs"],
        n_receivers=int(c["n_receivers"]),
        onground=int(c["onground"]),
        altitude_ft=c["alt_baro_ft"],
        geo_altitude_ft=c["alt_geom_ft"],
        groundspeed_kt=c["groundspeed_kt"],
        track_deg=c["track_deg"],
        ias_kt=c["ias_kt"],
        tas_kt=c["tas_kt"],
        mach=c["mach"],
        heading_deg=c["heading_deg"],
        heading_magnetic=bool(c["heading_magnetic"] or c["heading_commb"]),
        baro_rate_fpm=c["baro_rate_fpm"],
        geom_rate_fpm=c["geom_rate_fpm"],
        nav_qnh_hpa=c["nav_qnh_hpa"],
        nav_altitude_mcp_ft=c["nav_altitude_mcp_ft"],
        nav_altitude_fms_ft=c["nav_altitude_fms_ft"],
        nav_heading_deg=c["nav_heading_deg"],
        lat=c["pos_lat"],
        lon=c["pos_lon"],
        position_time_s=c["pos_time_s"],
        position_source=Source(int(c["pos_source"])),
        position_valid=bool(c["pos_valid"]),
        nic=int(c["nic"]),
        nac_p=int(c["nac_p"]),
        sil=int(c["sil"]),
        gva=int(c["gva"]),
        sda=int(c["sda"]),
        version=int(c["version"]),
        registration=ident.registration if ident else "",
        typecode=ident.typecode if ident else "",
        type_description=ident.type_description if ident else "",
        operator_name=ident.operator_name if ident else "",
        receivers=tuple(
            sorted(st.col["recv_id"][slot][~np.isnan(st.col["recv_time_s"][slot])].tolist())
        ),
    )


def build_document(
    st: StateLike,
    now_s: float,
    messages: int,
    cfg: TrackerConfig,
    identities: IdentityLookup | None = None,
) -> dict[str, Any]:
    """The aircraft.json document of every tracked aircraft at ``now_s`` (readsb schema).

    Built column by column: each field is formatted for all aircraft at once and put into the
    dicts of the aircraft that have it (tens of thousands of aircraft in well under a second).
    """
    slots = st.live_slots()
    if slots.size == 0:  # numpy's string functions refuse empty arrays
        return {"now": round(float(now_s), 1), "messages": int(messages), "aircraft": []}
    c = {name: arr[slots] for name, arr in st.col.items() if name in _USED}
    icao = c["icao24"].astype(np.int64)
    hexes = np.char.mod("%06x", icao & 0xFFFFFF)
    hexes = np.where(icao & _NON_ICAO_FLAG, np.char.add("~", hexes), hexes)
    types = np.array([s.label for s in Source])[c["source"]]
    docs: list[dict[str, Any]] = [
        {"hex": h, "type": t} for h, t in zip(hexes.tolist(), types.tolist(), strict=True)
    ]

    def put(key: str, mask: npt.NDArray[np.bool_], values: npt.NDArray[Any]) -> None:
        idx = np.flatnonzero(mask)
        for i, v in zip(idx.tolist(), values[idx].tolist(), strict=True):
            docs[i][key] = v

    def fresh(name: str, time_name: str, max_age_s: float) -> npt.NDArray[np.bool_]:
        return np.asarray(~np.isnan(c[name]) & (now_s - c[time_name] <= max_age_s))

    stale = cfg.field_stale_s
    callsign = np.char.strip(np.char.decode(c["callsign"], "ascii", "replace"))
    put("flight", callsign != "", np.char.ljust(callsign, 8))
    if identities is not None:
        for i, (a, cs) in enumerate(zip(icao.tolist(), callsign.tolist(), strict=True)):
            _add_identity(docs[i], identities, a & 0xFFFFFF, cs)
    ground = c["onground"] == 1
    put("alt_baro", ground, np.full(slots.size, "ground"))
    put(
        "alt_baro", ~ground & fresh("alt_baro_ft", "alt_baro_time_s", stale), _int(c["alt_baro_ft"])
    )
    put("alt_geom", fresh("alt_geom_ft", "alt_geom_time_s", stale), _int(c["alt_geom_ft"]))
    put("gs", fresh("groundspeed_kt", "velocity_time_s", stale), np.round(c["groundspeed_kt"], 1))
    put("ias", fresh("ias_kt", "air_time_s", stale), _int(c["ias_kt"]))
    put("tas", fresh("tas_kt", "air_time_s", stale), _int(c["tas_kt"]))
    put("mach", fresh("mach", "air_time_s", stale), np.round(c["mach"], 3))
    put("track", fresh("track_deg", "velocity_time_s", stale), np.round(c["track_deg"], 2))
    # ES airspeed messages give magnetic heading unless TC31 says true north (HRD)
    heading = fresh("heading_deg", "air_time_s", stale)
    magnetic = c["heading_magnetic"].astype(bool) | c["heading_commb"].astype(bool)
    put("mag_heading", heading & magnetic, np.round(c["heading_deg"], 2))
    put("true_heading", heading & ~magnetic, np.round(c["heading_deg"], 2))
    put("baro_rate", fresh("baro_rate_fpm", "rate_time_s", stale), _int(c["baro_rate_fpm"]))
    put("geom_rate", fresh("geom_rate_fpm", "rate_time_s", stale), _int(c["geom_rate_fpm"]))
    squawk = c["squawk"].astype(np.int64)
    put(
        "squawk",
        (squawk >= 0) & (now_s - c["squawk_time_s"] <= stale),
        np.char.zfill(np.char.mod("%d", np.maximum(squawk, 0)), 4),
    )
    state = c["emergency_state"].astype(np.int64)
    names = np.array([EMERGENCY_NAMES[k] for k in range(8)])
    emergency = np.where(state > 0, names[np.clip(state, 0, 7)], "")
    for code, name in _SQUAWK_EMERGENCY.items():
        emergency = np.where((state <= 0) & (squawk == code), name, emergency)
    emergency = np.where((emergency == "") & (state == 0), "none", emergency)
    put("emergency", emergency != "", emergency)
    put("category", c["category"] != "", c["category"])
    put("nav_qnh", fresh("nav_qnh_hpa", "nav_time_s", stale), np.round(c["nav_qnh_hpa"], 1))
    put("nav_altitude_mcp", fresh("nav_altitude_mcp_ft", "nav_time_s", stale),
        _int(c["nav_altitude_mcp_ft"]))  # fmt: skip
    put("nav_altitude_fms", fresh("nav_altitude_fms_ft", "nav_time_s", stale),
        _int(c["nav_altitude_fms_ft"]))  # fmt: skip
    put("nav_heading", fresh("nav_heading_deg", "nav_time_s", stale),
        np.round(c["nav_heading_deg"], 2))  # fmt: skip
    has_pos = c["pos_valid"].astype(bool) & (now_s - c["pos_time_s"] <= cfg.position_stale_s)
    put("lat", has_pos, np.round(c["pos_lat"], 6))
    put("lon", has_pos, np.round(c["pos_lon"], 6))
    nic = c["nic"].astype(np.int64)
    put("nic", has_pos & (nic >= 0), nic)
    put("rc", has_pos & (nic >= 0), _RC_TABLE[np.clip(nic, 0, 11)])
    put("seen_pos", has_pos, np.round(np.maximum(now_s - c["pos_time_s"], 0.0), 1))
    for key in ("version", "nac_p", "sil", "gva", "sda"):
        put(key, c[key] >= 0, c[key].astype(np.int64))
    source = c["pos_source"]
    for i in np.flatnonzero(has_pos & (source == Source.MLAT)).tolist():
        docs[i]["mlat"] = ["lat", "lon"]
    for i in np.flatnonzero(has_pos & (source == Source.TISB)).tolist():
        docs[i]["tisb"] = ["lat", "lon"]
    put("messages", np.ones(slots.size, bool), c["messages"].astype(np.int64))
    put("seen", np.ones(slots.size, bool), np.round(np.maximum(now_s - c["last_seen_s"], 0.0), 1))
    put("rssi", ~np.isnan(c["rssi_dbfs"]), np.round(c["rssi_dbfs"].astype(np.float64), 1))
    put("receivers", np.ones(slots.size, bool), c["n_receivers"].astype(np.int64))
    recent = c["recv_time_s"] >= now_s - cfg.position_stale_s
    ids = np.where(recent, c["recv_id"].astype(np.int64), -1)
    ids.sort(axis=1)
    for i, row in enumerate(ids.tolist()):
        docs[i]["receiver_ids"] = [r for r in row if r >= 0]
    for ac in docs:
        ac.setdefault("mlat", [])
        ac.setdefault("tisb", [])
    return {"now": round(float(now_s), 1), "messages": int(messages), "aircraft": docs}


def _int(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Rounded to whole units (NaN to 0: callers mask unknown values out)."""
    return np.nan_to_num(np.round(values.astype(np.float64))).astype(np.int64)


_RC_TABLE: Final = np.array([0] + [_RC_M[k] for k in range(1, 12)], np.int64)


def _add_identity(ac: dict[str, Any], identities: IdentityLookup, icao24: int, cs: str) -> None:
    ident = identities.identify(icao24, cs)
    if ident.registration:
        ac["r"] = ident.registration
    if ident.typecode:
        ac["t"] = ident.typecode
    if ident.type_description:
        ac["desc"] = ident.type_description
    if ident.operator_name:
        ac["ownOp"] = ident.operator_name
    flags = (
        (1 if ident.military else 0)
        | (2 if ident.interesting else 0)
        | (4 if ident.pia else 0)
        | (8 if ident.ladd else 0)
    )
    if flags:
        ac["dbFlags"] = flags


_USED: Final = frozenset(
    name for name in COLUMN_SPECS if not name.startswith(("even_", "odd_", "trail_"))
)
