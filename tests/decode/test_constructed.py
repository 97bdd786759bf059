"""Message kinds absent from the captured data, built bit by bit from the standard's layouts.

Each frame is assembled here from (ME bit, width, value) triples as DO-260B / Annex 10 lay
them out, with its parity computed by a plain bitwise CRC written in this file (so the
table-driven CRC of skytrace.decode.crc is checked against it too).
"""

from __future__ import annotations

import pytest

from skytrace.decode import decode_batch
from skytrace.model import Source

GENERATOR = 0x1FFF409


def _crc_bitwise(bits: int, n_data: int) -> int:
    """Remainder of the n_data-bit message (data * x^24) mod G, one bit at a time."""
    reg = bits << 24
    for i in range(n_data + 23, 23, -1):
        if reg >> i & 1:
            reg ^= GENERATOR << (i - 24)
    return reg & 0xFFFFFF


def _frame(first5: int, low3: int, address: int, field56: int, *, parity_xor: int = 0) -> str:
    data = (first5 << 83) | (low3 << 80) | (address << 56) | field56
    return f"{(data << 24) | (_crc_bitwise(data, 88) ^ parity_xor):028X}"


def _me(*fields: tuple[int, int, int]) -> int:
    me = 0
    for first, width, value in fields:
        me |= value << (57 - first - width)
    return me


def _row(msg: str) -> dict[str, object]:
    return decode_batch([msg]).to_pylist()[0]


def test_bitwise_crc_agrees_with_a_real_message() -> None:
    real = "8D406B902015A678D4D220AA4BDA"
    value = int(real, 16)
    assert _crc_bitwise(value >> 24, 88) == value & 0xFFFFFF


def test_gnss_height_position() -> None:
    me = _me((1, 5, 20), (9, 12, 1520), (22, 1, 1), (23, 17, 1234), (40, 17, 4321))
    row = _row(_frame(17, 5, 0xABCDEF, me))
    assert row["crc_ok"] is True
    assert row["typecode"] == 20
    assert row["geo_altitude_ft"] == 1520 * 25 - 1000
    assert "altitude_ft" not in row
    assert (row["cpr_format"], row["cpr_lat"], row["cpr_lon"]) == (1, 1234, 4321)
    assert row["nuc_p"] == 9 and row["nic"] == 11


def test_tc28_acas_ra_with_threat_address_and_threat_position() -> None:
    by_address = _me(
        (1, 5, 28),
        (6, 3, 2),
        (9, 14, 0x2001),
        (23, 4, 0b1010),
        (27, 1, 0),
        (28, 1, 1),
        (29, 2, 1),
        (31, 24, 0x7277CF),
    )
    row = _row(_frame(17, 5, 0x400940, by_address))
    assert row["acas_ra"] is True
    assert (row["ara"], row["rac"], row["rat"], row["mte"], row["tti"]) == (
        0x2001,
        10,
        False,
        True,
        1,
    )
    assert row["threat_icao"] == "7277cf"
    # C1 A1 C2 A2 C4 A4 M B1 Q B2 D2 B4 D4 = 0000110110000: Q = 1, N = 0b00001110000 = 112
    alt_code = 0b0000110110000
    by_position = _me(
        (1, 5, 28), (6, 3, 2), (9, 14, 1), (29, 2, 2), (31, 13, alt_code), (44, 7, 11), (51, 6, 16)
    )
    row = _row(_frame(17, 5, 0x400940, by_position))
    assert row["tti"] == 2
    assert row["threat_range_nm"] == pytest.approx(1.0)
    assert row["threat_bearing_deg"] == 90.0
    assert row["threat_altitude_ft"] == 112 * 25 - 1000
    assert "threat_icao" not in row


def test_df16_coordination_reply_carries_an_ra() -> None:
    # DF16: VS 0, SL 7 (bits 9-11), RI 3 (bits 14-17), AC 0; MV = VDS 0x30 + RA report.
    head = (16 << 27) | (0b111 << 21) | (0b0011 << 15)
    mv = _me((1, 8, 0x30), (9, 14, 0x1000), (29, 2, 1), (31, 24, 0x3C4DD7))
    data = (head << 56) | mv
    msg = f"{(data << 24) | (_crc_bitwise(data, 88) ^ 0x4CA2D4):028X}"
    row = _row(msg)
    assert row["df"] == 16
    assert row["icao"] == "4ca2d4" and row["icao_verified"] is False
    assert (row["sl"], row["ri"], row["vs"]) == (7, 3, 0)
    assert row["acas_ra"] is True and row["threat_icao"] == "3c4dd7"


def test_tc29_version1_target_state() -> None:
    me = _me(
        (1, 5, 29),
        (6, 2, 0),
        (8, 2, 1),
        (10, 1, 0),
        (14, 2, 2),
        (16, 10, 360),
        (26, 2, 1),
        (28, 9, 270),
        (37, 1, 1),
        (38, 2, 2),
        (40, 4, 10),
        (44, 1, 1),
        (45, 2, 3),
    )
    row = _row(_frame(17, 5, 0x7277CF, me))
    assert row["es_subtype"] == 0
    assert row["vertical_data_source"] == 1
    assert row["target_altitude_ft"] == -1000 + 100 * 360
    assert row["vertical_mode"] == 2
    assert row["target_heading_deg"] == 270
    assert row["target_heading_is_track"] is True
    assert (row["nac_p"], row["nic_baro"], row["sil"]) == (10, True, 3)
    assert "nav_altitude_mcp_ft" not in row


def test_tc31_version1_airborne_not_tcas_bit_is_inverted() -> None:
    me = _me(
        (1, 5, 31),
        (6, 3, 0),
        (11, 1, 1),
        (12, 1, 1),
        (15, 1, 1),
        (27, 1, 1),
        (29, 1, 1),
        (41, 3, 1),
        (44, 1, 1),
        (45, 4, 8),
        (49, 2, 2),
        (51, 2, 2),
        (53, 1, 1),
    )
    row = _row(_frame(17, 5, 0x7277CF, me))
    assert row["version"] == 1
    assert row["tcas_operational"] is False  # v1 bit 11 = NOT-TCAS
    assert row["cc_cdti"] is True and row["cc_arv"] is True
    assert row["om_tcas_ra_active"] is True and row["om_atc_services"] is True
    assert (row["nic_a"], row["nac_p"], row["baq"], row["sil"]) == (True, 8, 2, 2)
    assert "gva" not in row and "sda" not in row


def test_tc31_version2_surface() -> None:
    me = _me(
        (1, 5, 31),
        (6, 3, 1),
        (11, 1, 1),
        (17, 3, 2),
        (20, 1, 1),
        (21, 4, 9),
        (30, 1, 1),
        (31, 2, 2),
        (33, 8, 0x41),
        (41, 3, 2),
        (45, 4, 9),
        (51, 2, 3),
        (53, 1, 1),
        (55, 1, 1),
    )
    row = _row(_frame(17, 4, 0x7277CF, me))
    assert row["version"] == 2 and row["es_subtype"] == 1
    assert row["cc_poa"] is True
    assert (row["nac_v"], row["nic_c"], row["length_width_code"]) == (2, True, 9)
    assert (row["om_single_antenna"], row["sda"], row["gps_antenna_offset"]) == (True, 2, 0x41)
    assert row["track_heading_surface"] is True and row["sil_supplement"] is True
    assert "tcas_operational" not in row and "nic_baro" not in row


def test_tc31_version0_gives_the_version_only() -> None:
    me = _me((1, 5, 31), (6, 3, 0), (41, 3, 0), (45, 4, 9))
    row = _row(_frame(17, 5, 0x7277CF, me))
    assert row["version"] == 0
    assert "nac_p" not in row


@pytest.mark.parametrize(("subtype", "factor"), [(1, 1), (2, 4)])
def test_velocity_supersonic_multiplies_by_four(subtype: int, factor: int) -> None:
    me = _me(
        (1, 5, 19),
        (6, 3, subtype),
        (14, 1, 1),
        (15, 10, 101),
        (25, 1, 0),
        (26, 10, 1),
        (36, 1, 1),
        (37, 1, 1),
        (38, 9, 11),
        (49, 1, 1),
        (50, 7, 3),
    )
    row = _row(_frame(17, 5, 0x7277CF, me))
    assert row["velocity_ew_kt"] == -100 * factor
    assert row["velocity_ns_kt"] == 0
    assert row["groundspeed_kt"] == 100 * factor
    assert row["track_deg"] == 270
    assert row["vertical_rate_fpm"] == -640
    assert row["vertical_rate_source"] == 1
    assert row["geo_minus_baro_ft"] == -50


def test_velocity_airspeed_subtype4_and_unavailable_parts() -> None:
    me = _me((1, 5, 19), (6, 3, 4), (14, 1, 0), (15, 10, 512), (25, 1, 1), (26, 10, 301))
    row = _row(_frame(17, 5, 0x7277CF, me))
    assert row["tas_kt"] == 1200
    assert "heading_deg" not in row  # heading status bit 0
    assert "vertical_rate_fpm" not in row and "geo_minus_baro_ft" not in row


def test_velocity_reserved_subtype_is_not_decoded() -> None:
    row = _row(_frame(17, 5, 0x7277CF, _me((1, 5, 19), (6, 3, 0), (15, 10, 5))))
    assert row["typecode"] == 19
    assert "velocity_subtype" not in row and "groundspeed_kt" not in row


def test_fine_tisb_position_with_imf_and_anonymous_address() -> None:
    me = _me((1, 5, 11), (8, 1, 1), (9, 12, 0b110000111000), (23, 17, 5), (40, 17, 6))
    row = _row(_frame(18, 2, 0x123456, me))
    assert row["cf"] == 2 and row["es_source"] == Source.TISB
    assert row["tisb_imf"] == 1 and row["non_icao_address"] is True
    assert "nic_b" not in row  # bit 8 is the IMF here
    assert row["typecode"] == 11
    nt = _row(_frame(18, 1, 0x123456, me))
    assert nt["es_source"] == Source.ADSB_NT and nt["non_icao_address"] is True
    assert nt["nic_b"] is True
    relay = _row(_frame(18, 5, 0x123456, _me((1, 5, 11), (8, 1, 0))))
    assert relay["es_source"] == Source.TISB and relay["non_icao_address"] is True
    assert relay["tisb_imf"] == 0 and "nic_b" not in relay
    adsr = _row(_frame(18, 6, 0x123456, _me((1, 5, 11), (8, 1, 0))))
    assert adsr["es_source"] == Source.ADSR and adsr["non_icao_address"] is False


def test_coarse_tisb_is_not_read_as_a_df17_layout() -> None:
    row = _row(_frame(18, 3, 0x123456, _me((1, 5, 11), (9, 12, 1520))))
    assert row["es_source"] == Source.TISB
    assert "typecode" not in row and "altitude_ft" not in row


def test_df19_military_and_df24_comm_d() -> None:
    df19 = _row(_frame(19, 0, 0x123456, _me((1, 5, 17))))
    assert df19["df"] == 19 and df19["af"] == 0
    assert "icao" not in df19 and "typecode" not in df19
    # DF24: bits 1-2 = 11, bit 3 spare, KE bit 4, ND bits 5-8
    first5 = 0b11010  # KE = 1, first bit of ND = 0
    df24 = _row(_frame(first5, 0b101, 0, 0, parity_xor=0x7277CF))
    assert df24["df"] == 24
    assert (df24["ke"], df24["nd"]) == (1, 0b0101)
    assert df24["icao"] == "7277cf" and df24["icao_verified"] is False


def test_surface_movement_and_invalid_track() -> None:
    me = _me((1, 5, 5), (6, 7, 124), (13, 1, 0), (14, 7, 64))
    row = _row(_frame(17, 4, 0x7277CF, me))
    assert row["groundspeed_kt"] == 175 and row["movement"] == 124
    assert "track_deg" not in row
    assert row["nuc_p"] == 9 and row["nic"] == 11
