"""The Comm-B (DF20/21 MB field) columns of ``DecodedBatch`` that ES does not already have.

``skytrace.decode.commb`` decodes the registers; this module only names, types and documents
its columns as batch fields. Comm-B values of a quantity ES also reports (callsign,
groundspeed_kt, track_deg, tas_kt, ias_kt, heading_deg, the ACAS RA fields) go into the same
columns as ES, see ``SHARED_WITH_ES``; ``bds`` says which register a DF20/21 row carried.
Pure data; thread-safe.
"""

from __future__ import annotations

from typing import Final

from skytrace.decode.fields_base import Field

__all__ = ["COMMB_FIELDS", "SHARED_WITH_ES"]

_B = "DF20/21 Comm-B"


def _f(name: str, dtype: str, unit: str, register: str, doc: str, py: str = "") -> Field:
    return Field(name, dtype, unit, doc, f"{_B} {register}", py)


COMMB_FIELDS: Final[tuple[Field, ...]] = (
    _f(
        "bds_candidates",
        "O",
        "",
        "",
        "Registers whose content fits the MB field, '|'-separated (e.g. '5,0|6,0'); '' none.",
        "text",
    ),
    _f(
        "bds_reason",
        "O",
        "",
        "",
        "Why bds was chosen (format id, only candidate, ...) or why none was.",
        "text",
    ),
    _f("dl_continuation", "?", "", "1,0", "Continuation flag."),
    _f("dl_overlay_capability", "?", "", "1,0", "Overlay command capability."),
    _f("dl_acas_operational", "?", "", "1,0", "ACAS operational."),
    _f("dl_subnetwork_version", "u1", "", "1,0", "Mode S subnetwork version number."),
    _f("dl_level5_transponder", "?", "", "1,0", "Transponder enhanced protocol (level 5)."),
    _f("dl_specific_services", "?", "", "1,0", "Mode S specific services capability."),
    _f(
        "dl_uplink_elm_capability",
        "u1",
        "",
        "1,0",
        "Uplink ELM average throughput capability code.",
    ),
    _f("dl_downlink_elm_capability", "u1", "", "1,0", "Downlink ELM throughput capability code."),
    _f("dl_identification_capability", "?", "", "1,0", "Aircraft identification capability."),
    _f("dl_squitter_capability", "?", "", "1,0", "Squitter capability subfield."),
    _f("dl_surveillance_identifier", "?", "", "1,0", "Surveillance identifier code capability."),
    _f("dl_gicb_capability", "?", "", "1,0", "Common usage GICB capability report."),
    _f("dl_acas_hybrid_surveillance", "?", "", "1,0", "ACAS hybrid surveillance capability."),
    _f("dl_acas_ra_capability", "?", "", "1,0", "ACAS generates resolution advisories."),
    _f("dl_acas_rtca_version", "u1", "", "1,0", "ACAS RTCA version (DO-185 variant) code."),
    _f("dl_dte_status", "u4", "", "1,0", "Data terminal equipment status bits."),
    _f(
        "gicb_capability_mask",
        "u4",
        "",
        "1,7",
        "Raw capability bits of register 1,7 (MB bits 1-28).",
    ),
    _f(
        "gicb_registers",
        "O",
        "",
        "1,7",
        "Registers the transponder says it serves, '|'-separated.",
        "text",
    ),
    _f("selected_altitude_mcp_ft", "f4", "ft", "4,0", "MCP/FCU selected altitude."),
    _f("selected_altitude_fms_ft", "f4", "ft", "4,0", "FMS selected altitude."),
    _f(
        "baro_setting_hpa",
        "f4",
        "hPa",
        "4,0",
        "Barometric pressure setting minus 800 hPa, plus 800.",
    ),
    _f("mcp_vnav", "?", "", "4,0", "VNAV mode (MCP/FCU mode bits valid)."),
    _f("mcp_alt_hold", "?", "", "4,0", "Altitude hold mode."),
    _f("mcp_approach", "?", "", "4,0", "Approach mode."),
    _f(
        "target_altitude_source",
        "u1",
        "",
        "4,0",
        "0 unknown, 1 aircraft altitude, 2 FCU/MCP, 3 FMS.",
    ),
    _f("roll_deg", "f4", "deg", "5,0", "Roll angle, + right wing down."),
    _f("track_rate_deg_s", "f4", "deg/s", "5,0", "Track angle rate, + clockwise."),
    _f("mach", "f4", "Mach", "6,0", "Mach number."),
    _f("vertical_rate_baro_fpm", "f4", "ft/min", "6,0", "Barometric altitude rate."),
    _f("vertical_rate_inertial_fpm", "f4", "ft/min", "6,0", "Inertial vertical velocity."),
    _f(
        "meteo_source",
        "u1",
        "",
        "4,4",
        "Figure of merit / source code of the meteorological report.",
    ),
    _f("wind_speed_kt", "f4", "kt", "4,4", "Wind speed."),
    _f("wind_direction_deg", "f4", "deg", "4,4", "Wind direction (true, from)."),
    _f("static_air_temperature_c", "f4", "degC", "4,4/4,5", "Static air temperature."),
    _f("static_pressure_hpa", "f4", "hPa", "4,4/4,5", "Average static pressure."),
    _f("turbulence", "u1", "", "4,4/4,5", "Turbulence level 0-3."),
    _f("humidity_pct", "f4", "%", "4,4", "Relative humidity."),
    _f("wind_shear", "u1", "", "4,5", "Wind shear hazard level 0-3."),
    _f("microburst", "u1", "", "4,5", "Microburst hazard level 0-3."),
    _f("icing", "u1", "", "4,5", "Icing hazard level 0-3."),
    _f("wake_vortex", "u1", "", "4,5", "Wake vortex hazard level 0-3."),
    _f("radio_height_ft", "f4", "ft", "4,5", "Radio height."),
)

SHARED_WITH_ES: Final[frozenset[str]] = frozenset(
    {
        "bds",
        "callsign",
        "ara",
        "rac",
        "rat",
        "mte",
        "tti",
        "threat_icao",
        "threat_altitude_ft",
        "threat_range_nm",
        "threat_bearing_deg",
        "track_deg",
        "groundspeed_kt",
        "tas_kt",
        "heading_deg",
        "ias_kt",
    }
)
"""Comm-B columns stored in the column of the same name that ES fills."""
