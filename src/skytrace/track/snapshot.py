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
receivers that heard the latest message (a skytrace addition).

Pure functions of the state passed in; not thread-safe against a concurrent ``ingest``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from skytrace.model import IdentityLookup, Source
from skytrace.track.columns import COLUMN_SPECS, StateColumns
from skytrace.track.config import TrackerConfig

__all__ = ["EMERGENCY_NAMES", "AircraftState", "aircraft_state", "build_document"]

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
    st: StateColumns, slot: int, identities: IdentityLookup | None = None
) -> AircraftState:
    """The record of the aircraft in ``slot``."""
    c = {name: arr[slot].item() for name, arr in st.col.items()}
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
        heading_magnetic=bool(c["heading_magnetic"]),
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
    )


def _fresh(value: float, time_s: float, now_s: float, max_age_s: float) -> bool:
    return not math.isnan(value) and now_s - time_s <= max_age_s


def build_document(
    st: StateColumns,
    now_s: float,
    messages: int,
    cfg: TrackerConfig,
    identities: IdentityLookup | None = None,
) -> dict[str, Any]:
    """The aircraft.json document of every tracked aircraft at ``now_s`` (readsb schema)."""
    slots = st.live_slots()
    cols = {name: arr[slots].tolist() for name, arr in st.col.items() if name in _USED}
    stale = cfg.field_stale_s
    out: list[dict[str, Any]] = []
    for i in range(slots.size):
        c = {name: values[i] for name, values in cols.items()}
        icao24 = int(c["icao24"])
        callsign = _text(c["callsign"])
        ac: dict[str, Any] = {"hex": _hex(icao24), "type": Source(c["source"]).label}
        if callsign:
            ac["flight"] = f"{callsign:<8}"
        if identities is not None:
            _add_identity(ac, identities, icao24 & 0xFFFFFF, callsign)
        t_alt = c["alt_baro_time_s"]
        if c["onground"] == 1:
            ac["alt_baro"] = "ground"
        elif _fresh(c["alt_baro_ft"], t_alt, now_s, stale):
            ac["alt_baro"] = round(c["alt_baro_ft"])
        if _fresh(c["alt_geom_ft"], c["alt_geom_time_s"], now_s, stale):
            ac["alt_geom"] = round(c["alt_geom_ft"])
        t_vel = c["velocity_time_s"]
        if _fresh(c["groundspeed_kt"], t_vel, now_s, stale):
            ac["gs"] = round(c["groundspeed_kt"], 1)
        if _fresh(c["track_deg"], t_vel, now_s, stale):
            ac["track"] = round(c["track_deg"], 2)
        t_air = c["air_time_s"]
        for key, name, digits in (("ias", "ias_kt", 0), ("tas", "tas_kt", 0), ("mach", "mach", 3)):
            if _fresh(c[name], t_air, now_s, stale):
                ac[key] = round(c[name], digits) if digits else round(c[name])
        if _fresh(c["heading_deg"], t_air, now_s, stale):
            # ES airspeed messages give magnetic heading unless TC31 says true north (HRD)
            key = "mag_heading" if c["heading_magnetic"] else "true_heading"
            ac[key] = round(c["heading_deg"], 2)
        t_rate = c["rate_time_s"]
        for key, name in (("baro_rate", "baro_rate_fpm"), ("geom_rate", "geom_rate_fpm")):
            if _fresh(c[name], t_rate, now_s, stale):
                ac[key] = round(c[name])
        if c["squawk"] >= 0 and now_s - c["squawk_time_s"] <= stale:
            ac["squawk"] = f"{c['squawk']:04d}"
        emergency = _emergency(c["squawk"], c["emergency_state"])
        if emergency:
            ac["emergency"] = emergency
        if c["category"]:
            ac["category"] = c["category"]
        t_nav = c["nav_time_s"]
        for key, name, digits in (
            ("nav_qnh", "nav_qnh_hpa", 1),
            ("nav_altitude_mcp", "nav_altitude_mcp_ft", 0),
            ("nav_altitude_fms", "nav_altitude_fms_ft", 0),
            ("nav_heading", "nav_heading_deg", 2),
        ):
            if _fresh(c[name], t_nav, now_s, stale):
                ac[key] = round(c[name], digits) if digits else round(c[name])
        if c["pos_valid"] and now_s - c["pos_time_s"] <= cfg.position_stale_s:
            ac["lat"] = round(c["pos_lat"], 6)
            ac["lon"] = round(c["pos_lon"], 6)
            ac["seen_pos"] = round(max(now_s - c["pos_time_s"], 0.0), 1)
            if c["nic"] >= 0:
                ac["nic"] = c["nic"]
                ac["rc"] = _RC_M.get(c["nic"], 0)
        for key in ("version", "nac_p", "sil", "gva", "sda"):
            if c[key] >= 0:
                ac[key] = c[key]
        ac["mlat"] = ["lat", "lon"] if c["pos_source"] == Source.MLAT and "lat" in ac else []
        ac["tisb"] = ["lat", "lon"] if c["pos_source"] == Source.TISB and "lat" in ac else []
        ac["messages"] = c["messages"]
        ac["seen"] = round(max(now_s - c["last_seen_s"], 0.0), 1)
        if not math.isnan(c["rssi_dbfs"]):
            ac["rssi"] = round(c["rssi_dbfs"], 1)
        ac["receivers"] = c["n_receivers"]
        out.append(ac)
    return {"now": round(float(now_s), 1), "messages": int(messages), "aircraft": out}


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
