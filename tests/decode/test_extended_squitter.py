"""DF17/18 ME decoding on real messages: identification, positions, velocity, status."""

from __future__ import annotations

import math

import pytest

from skytrace.decode import decode_batch
from skytrace.model import Source


def _row(hex_msg: str) -> dict[str, object]:
    return decode_batch([hex_msg]).to_pylist()[0]


def test_identification() -> None:
    row = _row("8D406B902015A678D4D220AA4BDA")
    assert row["callsign"] == "EZY85MH"
    assert row["category"] == "A0"
    assert row["bds"] == "0,8"
    assert row["es_source"] == Source.ADSB
    assert decode_batch(["8D406B902015A678D4D220AA4BDA"])["callsign"][0] == b"EZY85MH"


def test_airborne_position_baro() -> None:
    row = _row("8D40058B58C901375147EFD09357")
    assert row["typecode"] == 11
    assert row["altitude_ft"] == 39000.0
    assert row["cpr_format"] == 0
    assert (row["cpr_lat"], row["cpr_lon"]) == (39848, 83951)
    assert row["nuc_p"] == 7
    assert row["surface"] is False
    assert row["onground"] == 0


@pytest.mark.parametrize(
    ("msg", "tc", "altitude_ft", "nuc_p"),
    [
        ("8D3C4ACF4859F1736F8E8ADF4D67", 9, 16975, 9),
        ("8DA4D53A50DBF8C6330F3B35458F", 10, 42975, 8),
        ("8D44057560B9760C0B840A51C89F", 12, 35975, 6),
        ("8D4841A86841528E72D9B472DAC2", 13, 11925, 5),
        ("8D4405887099F5D9772F37F86CB6", 14, 29775, 4),
        ("8D44058880B50006B1773DC2A7E9", 16, 35000, 2),
        ("8D45CAB390C39509496CA9A32912", 18, 38025, 0),
    ],
)
def test_airborne_position_type_codes(msg: str, tc: int, altitude_ft: float, nuc_p: int) -> None:
    row = _row(msg)
    assert row["typecode"] == tc
    assert row["altitude_ft"] == altitude_ft
    assert row["nuc_p"] == nuc_p


def test_position_without_altitude() -> None:
    row = _row("8D4AB42A78000640000000FA0D0A")
    assert row["typecode"] == 15
    assert "altitude_ft" not in row
    assert (row["cpr_lat"], row["cpr_lon"], row["cpr_format"]) == (73728, 0, 1)


def test_surface_position_and_movement() -> None:
    row = _row("903A23FF426A4E65F7487A775D17")
    assert row["df"] == 18 and row["cf"] == 0
    assert row["es_source"] == Source.ADSB_NT
    assert row["typecode"] == 8
    assert row["groundspeed_kt"] == 14.5
    assert row["track_deg"] == 101.25
    assert row["surface"] is True and row["onground"] == 1
    assert (row["cpr_lat"], row["cpr_lon"], row["cpr_format"]) == (78587, 84090, 1)
    stopped = _row("8C3944F8400002ACB23CDA192B95")
    assert "groundspeed_kt" not in stopped and "track_deg" not in stopped
    slow = _row("8C394C0F389B1667E947DB7BB8BC")
    assert slow["groundspeed_kt"] == 1.0
    assert slow["track_deg"] == 137.8125


def test_velocity_ground_speed() -> None:
    row = _row("8D485020994409940838175B284F")
    assert row["velocity_subtype"] == 1
    assert row["groundspeed_kt"] == pytest.approx(159.2, abs=0.05)
    assert row["track_deg"] == pytest.approx(182.88, abs=0.01)
    assert row["vertical_rate_fpm"] == -832
    assert row["vertical_rate_source"] == 0  # ME bit 36 = 0: GNSS
    assert row["geo_minus_baro_ft"] == 550


def test_velocity_airspeed_heading() -> None:
    row = _row("8DA05F219B06B6AF189400CBC33F")
    assert row["velocity_subtype"] == 3
    assert row["tas_kt"] == 375
    assert "ias_kt" not in row
    assert row["heading_deg"] == pytest.approx(243.98, abs=0.01)
    assert row["vertical_rate_fpm"] == -2304
    assert row["vertical_rate_source"] == 1  # ME bit 36 = 1: barometric


def test_tc28_emergency_and_squawk() -> None:
    row = _row("8DA2C1B6E112B600000000760759")
    assert row["typecode"] == 28
    assert row["emergency_state"] == 0
    assert row["squawk"] == "6513"
    assert row["bds"] == "6,1"


def test_tc29_target_state_v2() -> None:
    row = _row("8DA05629EA21485CBF3F8CADAEEB")
    assert row["es_subtype"] == 1
    assert row["nav_altitude_mcp_ft"] == 16992  # (N - 1) x 32 ft, DO-260B
    assert "nav_altitude_fms_ft" not in row
    assert row["nav_qnh_hpa"] == pytest.approx(1012.8, abs=0.01)
    assert row["nav_heading_deg"] == pytest.approx(66.8, abs=0.01)
    assert row["nav_autopilot"] is True
    assert row["nav_vnav"] is True
    assert row["nav_alt_hold"] is False
    assert row["nav_approach"] is False
    assert row["nav_lnav"] is True
    assert row["tcas_operational"] is True
    assert (row["nac_p"], row["nic_baro"], row["sil"]) == (9, True, 3)


def test_tc31_operational_status_v2() -> None:
    row = _row("8D400000F8000000005A38AF6F85")
    assert row["typecode"] == 31
    assert row["version"] == 2
    assert row["nic_a"] is True
    assert row["nac_p"] == 10
    assert row["sil"] == 3
    assert row["nic_baro"] is True
    assert row["hrd"] is False
    surface = _row("903A33FFF90200040049001EA8E2")
    assert surface["es_subtype"] == 1
    assert surface["version"] == 2
    assert surface["nac_p"] == 9


def test_absent_floats_are_nan_and_masked() -> None:
    batch = decode_batch(["8D406B902015A678D4D220AA4BDA"])
    assert math.isnan(batch["altitude_ft"][0])
    assert not batch.mask("altitude_ft")[0]
    assert not batch.mask("cpr_format")[0]
    assert batch["cpr_format"][0] == -1
