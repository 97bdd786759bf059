# ruff: noqa: E501  (the field table reads best one field per line)
"""The decoded columns: name, dtype, unit and meaning of every field the decoder fills.

This module owns the list of fields (the schema of ``DecodedBatch``); docs/decoded-fields.md
is generated from it by ``scripts/gen_decoded_fields_doc.py`` and a test keeps the two in step.

Absent values: float columns hold NaN; every other column has a presence mask
(``DecodedBatch.mask(name)``) and holds its ``fill`` value where absent.
Pure data; thread-safe.
"""

from __future__ import annotations

from typing import Final

from skytrace.decode.fields_base import Field
from skytrace.decode.fields_commb import COMMB_FIELDS

__all__ = ["ERROR_LABELS", "FIELDS", "FIELD_BY_NAME", "Field"]


def _f(name: str, dtype: str, unit: str, group: str, doc: str, py: str = "") -> Field:
    return Field(name, dtype, unit, doc, group, py)


_H = "all formats"
_S = "DF0/4/5/16/20/21"
_ES = "DF17/18 extended squitter"
_POS = "TC5-8, TC9-18, TC20-22 positions"
_VEL = "TC19 velocity"
_TC28 = "TC28 status, DF16 ACAS, Comm-B 3,0"
_TC29 = "TC29 target state"
_TC31 = "TC31 operational status"

_CORE_FIELDS: Final[tuple[Field, ...]] = (
    # --- header, every format ---
    _f("df", "u1", "", _H, "Downlink format (0-24; first two bits 11 always read as 24)."),
    _f(
        "icao",
        "u4",
        "",
        _H,
        "24-bit ICAO address: from AA (DF11/17/18) or recovered from the address/parity field (DF0/4/5/16/20/21/24). JSON: 6 lower-case hex digits.",
        "hex24",
    ),
    _f(
        "icao_verified",
        "?",
        "",
        _H,
        "True only when the address is the AA of a reply whose parity checked (DF11 with IID 0, DF17, DF18). False for address/parity formats: their address is whatever makes the parity fit. A verified DF18 address may still be a non-ICAO one (see non_icao_address).",
    ),
    _f(
        "crc_ok",
        "?",
        "",
        _H,
        "Parity checked and matched (after any correction). Present only for DF11/17/18; absent for the address/parity formats, whose parity cannot be checked without knowing the address.",
    ),
    _f(
        "crc_corrected",
        "?",
        "",
        _H,
        "A single bit error was corrected with the syndrome table (DF11/17/18).",
    ),
    _f(
        "corrected_bit", "u1", "", _H, "0-based position (from the first bit) of the corrected bit."
    ),
    _f(
        "parity_syndrome",
        "u4",
        "",
        _H,
        "CRC-24 of the data bits XOR the parity field: 0 for a clean DF17/18, the IID for DF11, the address for address/parity formats; before correction.",
    ),
    _f(
        "short_padded",
        "?",
        "",
        _H,
        "A 14-byte input whose DF is a short (56-bit) format was decoded from its first 7 bytes.",
    ),
    _f(
        "ca",
        "u1",
        "",
        "DF11/17",
        "Capability (3 bits): 4 on ground, 5 airborne, 6 either, 7 DR/FS say.",
    ),
    _f(
        "cf",
        "u1",
        "",
        "DF18",
        "Control field: 0 ADS-B ES/NT, 1 ES/NT with non-ICAO address, 2 fine TIS-B, 3 coarse TIS-B, 4 TIS-B/ADS-R management, 5 fine TIS-B with non-ICAO address, 6 ADS-R, 7 reserved.",
    ),
    _f("af", "u1", "", "DF19", "Application field of a military extended squitter."),
    _f(
        "fs",
        "u1",
        "",
        "DF4/5/20/21",
        "Flight status (3 bits): 0 airborne, 1 ground, 2/3 alert (airborne/ground), 4 alert+SPI, 5 SPI.",
    ),
    _f("dr", "u1", "", "DF4/5/20/21", "Downlink request (5 bits)."),
    _f("um", "u1", "", "DF4/5/20/21", "Utility message (6 bits: IIS 4 + IDS 2)."),
    _f("vs", "u1", "", "DF0/16", "Vertical status: 0 airborne, 1 on ground."),
    _f("cc", "u1", "", "DF0", "Cross-link capability (1 = supports DF0/16 cross-link)."),
    _f("sl", "u1", "", "DF0/16", "ACAS sensitivity level (0 = no ACAS/inoperative)."),
    _f(
        "ri",
        "u1",
        "",
        "DF0/16",
        "Reply information: 0 no ACAS, 2 ACAS RA inhibited, 3 vertical RA only, 4 vertical and horizontal RA; 8-15 maximum airspeed class.",
    ),
    _f(
        "iid",
        "u1",
        "",
        "DF11",
        "Interrogator code overlaid on the parity (low 7 bits of the syndrome; 0 = acquisition squitter or all-call from II 0).",
    ),
    _f("ke", "u1", "", "DF24", "Comm-D control ELM bit."),
    _f("nd", "u1", "", "DF24", "Comm-D number of D-segment."),
    _f(
        "onground",
        "i1",
        "",
        _H,
        "-1 unknown, 0 airborne, 1 on ground; from CA (4/5), FS (0/2 airborne, 1/3 ground), VS, and ES position type codes (TC5-8 ground, TC9-22 airborne).",
    ),
    _f("alert", "?", "", "DF4/5/20/21", "Flight status alert (squawk changed): FS 2, 3, 4."),
    _f("spi", "?", "", "DF4/5/20/21", "Special position identification (IDENT): FS 4, 5."),
    _f(
        "altitude_ft",
        "f4",
        "ft",
        "DF0/4/16/20, TC9-18",
        "Barometric pressure altitude: Q bit 1 in 25 ft steps, Q bit 0 Gillham in 100 ft steps (invalid Gillham codes give NaN). NaN when unknown or metric.",
    ),
    _f(
        "altitude_metric",
        "?",
        "",
        "DF0/4/16/20",
        "The altitude code has M = 1 (metric); altitude_ft is then NaN.",
    ),
    _f(
        "squawk",
        "u2",
        "",
        "DF5/21, TC28",
        "Mode A code: its 4 octal digits read as a decimal number (7700 -> 7700). JSON: 4-digit string.",
        "squawk",
    ),
    # --- extended squitter ---
    _f("typecode", "u1", "", _ES, "ES format type code (ME bits 1-5); 0 when not an ES or absent."),
    _f(
        "es_subtype",
        "u1",
        "",
        "TC19/28/29/31",
        "Subtype of the type code (TC19 ME 6-8, TC28 ME 6-8, TC29 ME 6-7, TC31 ME 6-8).",
    ),
    _f(
        "es_source",
        "u1",
        "",
        _ES,
        "skytrace.model.Source of an ES: DF17 ADSB(0); DF18 CF0/1 ADSB_NT(1), CF6 ADSR(2), CF2/3/5 TISB(3), CF4/7 OTHER(6).",
    ),
    _f(
        "non_icao_address",
        "?",
        "",
        "DF18",
        "The address is not an ICAO 24-bit address (CF1, CF5, or IMF = 1 for CF2/CF6).",
    ),
    _f(
        "tisb_imf",
        "u1",
        "",
        "DF18 CF2/5/6",
        "ICAO/Mode A flag of TIS-B and ADS-R position and velocity messages (ME 8 / ME 9).",
    ),
    _f(
        "bds",
        "U3",
        "",
        "ES, DF20/21",
        "Register: '0,5' airborne position, '0,6' surface, '0,8' identification, '0,9' velocity, '6,1' TC28, '6,2' TC29, '6,5' TC31; for Comm-B the chosen register (see bds_candidates); '' unknown.",
        "text",
    ),
    _f(
        "callsign",
        "S8",
        "",
        "TC1-4, BDS2,0",
        "Aircraft identification, trailing spaces removed; fixed-width bytes in the column, str in JSON. '#' marks a code outside the character set.",
        "text",
    ),
    _f(
        "category",
        "U2",
        "",
        "TC1-4",
        "Emitter category: set letter (TC4 A, TC3 B, TC2 C, TC1 D) and number, e.g. 'A3'.",
        "text",
    ),
    _f("emitter_category", "u1", "", "TC1-4", "Raw 3-bit emitter category (ME 6-8)."),
    _f("cpr_format", "i1", "", _POS, "CPR format: 0 even, 1 odd, -1 absent."),
    _f("cpr_lat", "u4", "", _POS, "Raw 17-bit CPR latitude."),
    _f("cpr_lon", "u4", "", _POS, "Raw 17-bit CPR longitude."),
    _f("surface", "?", "", _POS, "The position is a surface position (TC5-8)."),
    _f("time_sync", "?", "", _POS, "T bit: the position is synchronised to UTC time."),
    _f(
        "surveillance_status",
        "u1",
        "",
        "TC9-22",
        "0 none, 1 permanent alert, 2 temporary alert, 3 SPI.",
    ),
    _f("nic_b", "?", "", "TC9-18", "NIC supplement-B (single antenna flag in version 0)."),
    _f(
        "geo_altitude_ft",
        "f4",
        "ft",
        "TC20-22",
        "GNSS height (HAE), 12-bit code in 25 ft steps like the Q = 1 baro code.",
    ),
    _f(
        "nuc_p",
        "u1",
        "",
        _POS,
        "Version 0 navigation uncertainty category of position, from the type code.",
    ),
    _f(
        "nic",
        "u1",
        "",
        _POS,
        "Navigation integrity category (version 1/2) from the type code and NIC-B, assuming NIC-A = NIC-C = 0 (refine with TC31).",
    ),
    _f("movement", "u1", "", "TC5-8", "Raw surface movement code (ME 6-12)."),
    _f(
        "groundspeed_kt",
        "f4",
        "kt",
        "TC5-8, TC19 ST1/2, Comm-B 5,0",
        "Ground speed (surface movement or east/north velocity); NaN when not available.",
    ),
    _f(
        "track_deg",
        "f4",
        "deg",
        "TC5-8, TC19 ST1/2, Comm-B 5,0",
        "True track over ground, 0-360 clockwise from north; NaN when not available or invalid.",
    ),
    _f(
        "velocity_subtype",
        "u1",
        "",
        _VEL,
        "1/2 ground speed (subsonic/supersonic), 3/4 airspeed and heading.",
    ),
    _f("intent_change", "?", "", _VEL, "Intent change flag (ME 9)."),
    _f("ifr_capability", "?", "", _VEL, "IFR capability flag (ME 10)."),
    _f(
        "nac_v",
        "u1",
        "",
        "TC19, TC31 surface v2",
        "NACv (version 1/2) or NUCr (version 0), ME 11-13 of TC19.",
    ),
    _f("velocity_ew_kt", "f4", "kt", _VEL, "East (+) / west (-) velocity component, subtypes 1/2."),
    _f(
        "velocity_ns_kt",
        "f4",
        "kt",
        _VEL,
        "North (+) / south (-) velocity component, subtypes 1/2.",
    ),
    _f(
        "heading_deg",
        "f4",
        "deg",
        "TC19 ST3/4, Comm-B 6,0 (magnetic)",
        "Heading (subtypes 3/4), magnetic or true per the TC31 HRD bit; NaN when status bit is 0.",
    ),
    _f(
        "ias_kt",
        "f4",
        "kt",
        "TC19 ST3/4, Comm-B 6,0",
        "Indicated airspeed (subtypes 3/4, airspeed type 0).",
    ),
    _f(
        "tas_kt",
        "f4",
        "kt",
        "TC19 ST3/4, Comm-B 5,0",
        "True airspeed (subtypes 3/4, airspeed type 1).",
    ),
    _f("vertical_rate_fpm", "f4", "ft/min", _VEL, "Vertical rate, + up; NaN when not available."),
    _f(
        "vertical_rate_source",
        "u1",
        "",
        _VEL,
        "Source of the vertical rate: 1 barometric (ME 36 = 1), 0 GNSS.",
    ),
    _f(
        "geo_minus_baro_ft",
        "f4",
        "ft",
        _VEL,
        "GNSS altitude minus barometric altitude (+ when GNSS above baro); NaN when not available.",
    ),
    _f(
        "emergency_state",
        "u1",
        "",
        "TC28 ST1",
        "0 none, 1 general, 2 medical, 3 minimum fuel, 4 no communications, 5 unlawful interference, 6 downed aircraft.",
    ),
    _f(
        "acas_ra",
        "?",
        "",
        _TC28,
        "The field carries an ACAS resolution advisory report (TC28 ST2 or DF16 MV with VDS 3,0).",
    ),
    _f("ara", "u2", "", _TC28, "Active resolution advisories, 14 bits (ARA bit 41 first)."),
    _f(
        "rac",
        "u1",
        "",
        _TC28,
        "RA complements record, 4 bits (do not pass below/above, turn left/right).",
    ),
    _f("rat", "?", "", _TC28, "RA terminated indicator."),
    _f("mte", "?", "", _TC28, "Multiple threat encounter."),
    _f(
        "tti",
        "u1",
        "",
        _TC28,
        "Threat type indicator: 0 none, 1 ICAO address, 2 altitude/range/bearing.",
    ),
    _f("threat_icao", "u4", "", _TC28, "Threat's 24-bit address (TTI = 1).", "hex24"),
    _f("threat_altitude_ft", "f4", "ft", _TC28, "Threat altitude (TTI = 2, 13-bit altitude code)."),
    _f(
        "threat_range_nm",
        "f4",
        "NM",
        _TC28,
        "Threat range (TTI = 2): (n - 1) / 10 NM, 12.55 for 127.",
    ),
    _f(
        "threat_bearing_deg",
        "f4",
        "deg",
        _TC28,
        "Threat bearing relative to the aircraft (TTI = 2): 6 (n - 1) degrees.",
    ),
    # --- TC29 target state ---
    _f(
        "nav_altitude_mcp_ft",
        "f4",
        "ft",
        _TC29,
        "Selected altitude from the MCP/FCU (v2), (N - 1) x 32 ft.",
    ),
    _f(
        "nav_altitude_fms_ft",
        "f4",
        "ft",
        _TC29,
        "Selected altitude from the FMS (v2), (N - 1) x 32 ft.",
    ),
    _f(
        "nav_qnh_hpa",
        "f4",
        "hPa",
        _TC29,
        "Barometric pressure setting (v2): 800 + (N - 1) x 0.8 hPa.",
    ),
    _f(
        "nav_heading_deg",
        "f4",
        "deg",
        _TC29,
        "Selected heading (v2): N x 180/256 degrees when the status bit is 1.",
    ),
    _f("nav_modes_valid", "?", "", _TC29, "v2 mode bits below are valid (ME 47)."),
    _f("nav_autopilot", "?", "", _TC29, "Autopilot engaged (v2)."),
    _f("nav_vnav", "?", "", _TC29, "VNAV mode engaged (v2)."),
    _f("nav_alt_hold", "?", "", _TC29, "Altitude hold mode (v2)."),
    _f("nav_approach", "?", "", _TC29, "Approach mode (v2)."),
    _f("nav_lnav", "?", "", _TC29, "LNAV mode engaged (v2)."),
    _f(
        "tcas_operational",
        "?",
        "",
        "TC29 v2, TC31",
        "ACAS/TCAS operational (TC29 v2 ME 53; TC31 capability bit, inverted NOT-TCAS in v1).",
    ),
    _f(
        "target_altitude_ft",
        "f4",
        "ft",
        "TC29 v1",
        "Target altitude (v1 / DO-260A): -1000 + 100 N ft, N <= 1010.",
    ),
    _f("target_altitude_type", "u1", "", "TC29 v1", "0 flight level (pressure), 1 MSL."),
    _f(
        "vertical_data_source",
        "u1",
        "",
        "TC29 v1",
        "0 none, 1 MCP/FCU, 2 holding altitude, 3 FMS/RNAV.",
    ),
    _f("vertical_mode", "u1", "", "TC29 v1", "0 unknown, 1 acquiring, 2 capturing or maintaining."),
    _f(
        "horizontal_data_source",
        "u1",
        "",
        "TC29 v1",
        "0 none, 1 MCP/FCU, 2 maintaining current heading/track, 3 FMS/RNAV.",
    ),
    _f(
        "target_heading_deg",
        "f4",
        "deg",
        "TC29 v1",
        "Target heading or track (see target_heading_is_track), 0-359.",
    ),
    _f(
        "target_heading_is_track",
        "?",
        "",
        "TC29 v1",
        "True: target is a track angle; False: a heading.",
    ),
    _f(
        "horizontal_mode",
        "u1",
        "",
        "TC29 v1",
        "0 unknown, 1 acquiring, 2 capturing or maintaining.",
    ),
    # --- TC31 operational status (and the quality fields TC29 shares) ---
    _f("version", "u1", "", _TC31, "ADS-B version number: 0 DO-260, 1 DO-260A, 2 DO-260B."),
    _f("nic_a", "?", "", _TC31, "NIC supplement-A (v1/v2)."),
    _f("nic_c", "?", "", "TC31 surface v2", "NIC supplement-C."),
    _f("nac_p", "u1", "", "TC29, TC31", "Navigation accuracy category of position."),
    _f("sil", "u1", "", "TC29, TC31", "Source integrity level."),
    _f("sil_supplement", "?", "", "TC29 v2, TC31 v2", "SIL supplement: 0 per hour, 1 per sample."),
    _f("gva", "u1", "", "TC31 airborne v2", "Geometric vertical accuracy."),
    _f("baq", "u1", "", "TC31 airborne v1", "Barometric altitude quality (v1)."),
    _f("sda", "u1", "", "TC31 v2", "System design assurance."),
    _f("nic_baro", "?", "", "TC29, TC31 airborne", "Barometric altitude cross-checked (NICbaro)."),
    _f(
        "hrd",
        "?",
        "",
        "TC31 v1/v2",
        "Horizontal reference direction: 0 true north, 1 magnetic north.",
    ),
    _f(
        "track_heading_surface",
        "?",
        "",
        "TC31 surface v1/v2",
        "TRK/HDG (ME 53): the surface ground track field reports 1 a track angle, 0 a heading.",
    ),
    _f(
        "capability_class",
        "u2",
        "",
        _TC31,
        "Raw capability class bits (16 airborne ME 9-24, 12 surface ME 9-20).",
    ),
    _f("operational_mode", "u2", "", _TC31, "Raw operational mode bits (ME 25-40)."),
    _f("cc_1090es_in", "?", "", "TC31 v2", "Capability: 1090ES receive (ADS-B IN)."),
    _f("cc_uat_in", "?", "", "TC31 v2", "Capability: UAT receive."),
    _f("cc_cdti", "?", "", "TC31 v1", "Capability: cockpit display of traffic information."),
    _f("cc_arv", "?", "", "TC31 airborne v1/v2", "Capability: air-referenced velocity reports."),
    _f("cc_ts", "?", "", "TC31 airborne v1/v2", "Capability: target state reports."),
    _f(
        "cc_tc",
        "u1",
        "",
        "TC31 airborne v1/v2",
        "Capability: trajectory change report level (2 bits).",
    ),
    _f("cc_poa", "?", "", "TC31 surface v1/v2", "Capability: position offset applied."),
    _f(
        "cc_b2_low",
        "?",
        "",
        "TC31 surface v1/v2",
        "Capability: class B2 transmit power below 70 W.",
    ),
    _f(
        "om_tcas_ra_active",
        "?",
        "",
        "TC31 v1/v2",
        "Operational mode: ACAS resolution advisory active.",
    ),
    _f("om_ident_active", "?", "", "TC31 v1/v2", "Operational mode: IDENT switch active."),
    _f("om_atc_services", "?", "", "TC31 v1", "Operational mode: receiving ATC services."),
    _f("om_single_antenna", "?", "", "TC31 v2", "Operational mode: single antenna."),
    _f("gps_antenna_offset", "u1", "", "TC31 surface v2", "GPS antenna offset code (ME 33-40)."),
    _f(
        "length_width_code",
        "u1",
        "",
        "TC31 surface v1/v2",
        "Aircraft/vehicle length and width code (ME 21-24).",
    ),
)

FIELDS: Final[tuple[Field, ...]] = _CORE_FIELDS + COMMB_FIELDS
"""Every decoded column, in documentation order (header, ES, Comm-B)."""

FIELD_BY_NAME: Final[dict[str, Field]] = {f.name: f for f in FIELDS}

ERROR_LABELS: Final[tuple[str, ...]] = (
    "",  # 0: decoded
    "mode_ac",  # 1: a 2-byte Mode A/C reply (not decoded here)
    "wrong_length",  # 2: neither 7 nor 14 bytes, or 7 bytes of a long (112-bit) format
    "odd_hex",  # 3: hex text with an odd number of digits
    "non_hex",  # 4: text that is not hexadecimal (or an object that is neither bytes nor str)
    "unknown_df",  # 5: a DF not defined for replies (DF1-3, 6-10, 12-15, 22, 23)
    "empty",  # 6: an empty message
)
"""Labels of ``DecodedBatch.error_code``; index 0 (empty string) means decoded."""


def _dtype_label(dtype: str) -> str:
    if dtype.startswith("S"):
        return f"bytes[{dtype[1:]}]"
    if dtype.startswith("U"):
        return f"str[{dtype[1:]}]"
    if dtype == "?":
        return "bool"
    if dtype == "O":
        return "str (object)"
    kinds = {"u": "uint", "i": "int", "f": "float"}
    return f"{kinds[dtype[0]]}{8 * int(dtype[1:])}"


def fields_markdown() -> str:
    """The field table of docs/decoded-fields.md (``python -m skytrace.decode.fields``)."""
    lines = ["| name | dtype | unit | filled by | meaning |", "|---|---|---|---|---|"]
    for f in FIELDS:
        unit = f.unit or "-"
        lines.append(f"| `{f.name}` | {_dtype_label(f.dtype)} | {unit} | {f.group} | {f.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(fields_markdown(), end="")
