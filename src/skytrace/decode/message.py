"""``decode_one``: one Mode S message to a typed ``DecodedMessage``, on the batch code path.

For people and tests. It decodes a batch of one with ``decode_batch`` and turns the row into
a frozen dataclass whose attributes are the documented fields (None when absent), with the
same JSON-style values as ``DecodedBatch.to_pylist()`` (``icao`` as 6 hex digits, ``squawk``
as 4 digits, ``callsign`` as str). Bad input raises ``InvalidMessageError`` (a
``DecodeError``) carrying ``actual`` and ``expected``; nothing else escapes.
Pure; thread-safe.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

from skytrace.decode.decoder import decode_batch
from skytrace.errors import DecodeError, InvalidMessageError

__all__ = ["DecodedMessage", "decode_one"]

_HEX: Final = frozenset("0123456789abcdefABCDEF")
_LONG_DF: Final = frozenset({16, 17, 18, 19, 20, 21, 24})


@dataclass(frozen=True, slots=True)
class DecodedMessage:
    """One decoded message; every field is documented in docs/decoded-fields.md."""

    df: int | None = None
    icao: str | None = None
    icao_verified: bool | None = None
    crc_ok: bool | None = None
    crc_corrected: bool | None = None
    corrected_bit: int | None = None
    parity_syndrome: int | None = None
    short_padded: bool | None = None
    ca: int | None = None
    cf: int | None = None
    af: int | None = None
    fs: int | None = None
    dr: int | None = None
    um: int | None = None
    vs: int | None = None
    cc: int | None = None
    sl: int | None = None
    ri: int | None = None
    iid: int | None = None
    ke: int | None = None
    nd: int | None = None
    onground: int | None = None
    alert: bool | None = None
    spi: bool | None = None
    altitude_ft: float | None = None
    altitude_metric: bool | None = None
    squawk: str | None = None
    typecode: int | None = None
    es_subtype: int | None = None
    es_source: int | None = None
    non_icao_address: bool | None = None
    tisb_imf: int | None = None
    bds: str | None = None
    callsign: str | None = None
    category: str | None = None
    emitter_category: int | None = None
    cpr_format: int | None = None
    cpr_lat: int | None = None
    cpr_lon: int | None = None
    surface: bool | None = None
    time_sync: bool | None = None
    surveillance_status: int | None = None
    nic_b: bool | None = None
    geo_altitude_ft: float | None = None
    nuc_p: int | None = None
    nic: int | None = None
    movement: int | None = None
    groundspeed_kt: float | None = None
    track_deg: float | None = None
    velocity_subtype: int | None = None
    intent_change: bool | None = None
    ifr_capability: bool | None = None
    nac_v: int | None = None
    velocity_ew_kt: float | None = None
    velocity_ns_kt: float | None = None
    heading_deg: float | None = None
    ias_kt: float | None = None
    tas_kt: float | None = None
    vertical_rate_fpm: float | None = None
    vertical_rate_source: int | None = None
    geo_minus_baro_ft: float | None = None
    emergency_state: int | None = None
    acas_ra: bool | None = None
    ara: int | None = None
    rac: int | None = None
    rat: bool | None = None
    mte: bool | None = None
    tti: int | None = None
    threat_icao: str | None = None
    threat_altitude_ft: float | None = None
    threat_range_nm: float | None = None
    threat_bearing_deg: float | None = None
    nav_altitude_mcp_ft: float | None = None
    nav_altitude_fms_ft: float | None = None
    nav_qnh_hpa: float | None = None
    nav_heading_deg: float | None = None
    nav_modes_valid: bool | None = None
    nav_autopilot: bool | None = None
    nav_vnav: bool | None = None
    nav_alt_hold: bool | None = None
    nav_approach: bool | None = None
    nav_lnav: bool | None = None
    tcas_operational: bool | None = None
    target_altitude_ft: float | None = None
    target_altitude_type: int | None = None
    vertical_data_source: int | None = None
    vertical_mode: int | None = None
    horizontal_data_source: int | None = None
    target_heading_deg: float | None = None
    target_heading_is_track: bool | None = None
    horizontal_mode: int | None = None
    version: int | None = None
    nic_a: bool | None = None
    nic_c: bool | None = None
    nac_p: int | None = None
    sil: int | None = None
    sil_supplement: bool | None = None
    gva: int | None = None
    baq: int | None = None
    sda: int | None = None
    nic_baro: bool | None = None
    hrd: bool | None = None
    track_heading_surface: bool | None = None
    capability_class: int | None = None
    operational_mode: int | None = None
    cc_1090es_in: bool | None = None
    cc_uat_in: bool | None = None
    cc_cdti: bool | None = None
    cc_arv: bool | None = None
    cc_ts: bool | None = None
    cc_tc: int | None = None
    cc_poa: bool | None = None
    cc_b2_low: bool | None = None
    om_tcas_ra_active: bool | None = None
    om_ident_active: bool | None = None
    om_atc_services: bool | None = None
    om_single_antenna: bool | None = None
    gps_antenna_offset: int | None = None
    length_width_code: int | None = None
    bds_candidates: str | None = None
    bds_reason: str | None = None
    dl_continuation: bool | None = None
    dl_overlay_capability: bool | None = None
    dl_acas_operational: bool | None = None
    dl_subnetwork_version: int | None = None
    dl_level5_transponder: bool | None = None
    dl_specific_services: bool | None = None
    dl_uplink_elm_capability: int | None = None
    dl_downlink_elm_capability: int | None = None
    dl_identification_capability: bool | None = None
    dl_squitter_capability: bool | None = None
    dl_surveillance_identifier: bool | None = None
    dl_gicb_capability: bool | None = None
    dl_acas_hybrid_surveillance: bool | None = None
    dl_acas_ra_capability: bool | None = None
    dl_acas_rtca_version: int | None = None
    dl_dte_status: int | None = None
    gicb_capability_mask: int | None = None
    gicb_registers: str | None = None
    selected_altitude_mcp_ft: float | None = None
    selected_altitude_fms_ft: float | None = None
    baro_setting_hpa: float | None = None
    mcp_vnav: bool | None = None
    mcp_alt_hold: bool | None = None
    mcp_approach: bool | None = None
    target_altitude_source: int | None = None
    roll_deg: float | None = None
    track_rate_deg_s: float | None = None
    mach: float | None = None
    vertical_rate_baro_fpm: float | None = None
    vertical_rate_inertial_fpm: float | None = None
    meteo_source: int | None = None
    wind_speed_kt: float | None = None
    wind_direction_deg: float | None = None
    static_air_temperature_c: float | None = None
    static_pressure_hpa: float | None = None
    turbulence: int | None = None
    humidity_pct: float | None = None
    wind_shear: int | None = None
    microburst: int | None = None
    icing: int | None = None
    wake_vortex: int | None = None
    radio_height_ft: float | None = None

    def present(self) -> dict[str, Any]:
        """The fields that hold a value, as a dict (like one row of ``to_pylist()``)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not None
        }


_FIELD_NAMES: Final = frozenset(f.name for f in dataclasses.fields(DecodedMessage))


def decode_one(message: bytes | bytearray | memoryview | str) -> DecodedMessage:
    """Decode one Mode S message (7 or 14 bytes, or its hex) into a ``DecodedMessage``.

    Raises ``InvalidMessageError`` for input that is not a decodable Mode S message
    (not bytes/str, empty, not hex, odd hex length, wrong length for its DF, unknown DF).
    A message whose parity fails is still decoded (see ``crc_ok``).
    """
    raw = _raw_bytes(message)
    try:
        batch = decode_batch([raw])
        row = batch.to_pylist()[0]
    except DecodeError:
        raise
    except Exception as exc:  # a decoder bug must still surface as a DecodeError
        raise DecodeError(f"cannot decode {raw.hex()}: {exc}") from exc
    label = row.pop("error", "")
    if label:
        raise _error_for(label, raw, row.get("df"))
    return DecodedMessage(**{k: v for k, v in row.items() if k in _FIELD_NAMES})


def _raw_bytes(message: object) -> bytes:
    if isinstance(message, str):
        text = message.strip()
        if not text:
            raise InvalidMessageError("empty message", actual="", expected="14 or 28 hex digits")
        bad = sorted(set(text) - _HEX)
        if bad:
            raise InvalidMessageError(
                f"not hexadecimal: {message!r} contains {''.join(bad)!r}",
                actual=message,
                expected="hex digits 0-9 a-f",
            )
        if len(text) % 2:
            raise InvalidMessageError(
                f"odd number of hex digits ({len(text)}) in {message!r}",
                actual=len(text),
                expected="14 or 28 hex digits",
            )
        return bytes.fromhex(text)
    if isinstance(message, bytes | bytearray | memoryview):
        raw = bytes(message)
        if not raw:
            raise InvalidMessageError("empty message", actual=0, expected="7 or 14 bytes")
        return raw
    raise InvalidMessageError(
        f"a message is bytes or a hex str, not {type(message).__name__}",
        actual=type(message).__name__,
        expected="bytes | str",
    )


def _error_for(label: str, raw: bytes, df: object) -> InvalidMessageError:
    if label == "unknown_df":
        return InvalidMessageError(
            f"unknown downlink format DF{df} in {raw.hex()}",
            actual=df,
            expected="DF 0, 4, 5, 11, 16, 17, 18, 19, 20, 21 or 24",
        )
    if label in ("wrong_length", "mode_ac"):
        expected = "14 bytes (112 bits)" if df in _LONG_DF else "7 or 14 bytes"
        which = f"DF{df}" if df is not None else "a Mode S message"
        return InvalidMessageError(
            f"{which} needs {expected}, got {len(raw)} bytes: {raw.hex()}",
            actual=len(raw),
            expected=expected,
        )
    return InvalidMessageError(f"cannot decode {raw.hex()}: {label}", actual=label, expected="")
