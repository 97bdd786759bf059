"""DF0/4/5/16/20/21 fields (altitude, squawk, FS, VS...) and the coded-field tables."""

from __future__ import annotations

import itertools
import math

import numpy as np

from skytrace.decode import decode_batch
from skytrace.decode.codes import ALTITUDE_AC13_FT, SQUAWK_ID13


def test_df0_acas_short_reply() -> None:
    row = decode_batch(["0061103063A012"]).to_pylist()[0]
    assert row["altitude_ft"] == 25000
    assert (row["vs"], row["sl"], row["ri"], row["cc"]) == (0, 3, 2, 0)
    assert row["onground"] == 0


def test_df4_df20_altitude_and_flight_status() -> None:
    batch = decode_batch(["A0001692185BD5CF400000DFC696", "A000029C85E42F313000007047D3"])
    assert batch["altitude_ft"].tolist() == [35050.0, 3300.0]
    assert batch["fs"].tolist() == [0, 0]
    assert not batch["alert"].any()


def test_df5_df21_squawk() -> None:
    rows = decode_batch(["28000808106DE2", "A8001EBA360C11400A800F10CBA2"]).to_pylist()
    assert [r["squawk"] for r in rows] == ["1200", "7731"]
    assert all("altitude_ft" not in r for r in rows)


def test_metric_altitude_is_flagged_not_guessed() -> None:
    row = decode_batch(["2015A678D4D220"]).to_pylist()[0]  # DF4 with M = 1
    assert row["altitude_metric"] is True
    assert "altitude_ft" not in row


def test_altitude_code_q_bit_25ft() -> None:
    # Q = 1: N = 1040 (binary without M and Q) -> 1040 * 25 - 1000 = 25000 ft.
    n = 1040
    code = ((n & 0x7E0) << 2) | ((n & 0x10) << 1) | (n & 0xF) | 0x10
    assert ALTITUDE_AC13_FT[code] == 25000.0


def _gillham_code(
    c1: int,
    a1: int,
    c2: int,
    a2: int,
    c4: int,
    a4: int,
    b1: int,
    b2: int,
    d2: int,
    b4: int,
    d4: int,
) -> int:
    bits = [c1, a1, c2, a2, c4, a4, 0, b1, 0, b2, d2, b4, d4]
    return int("".join(map(str, bits)), 2)


def test_gillham_codes() -> None:
    # The defining property of the Gillham code: every valid 100 ft step from -1200 ft to
    # 126 700 ft has exactly one code, and consecutive steps differ in exactly one bit.
    valid = [c for c in range(1 << 13) if not (c & 0x50) and not math.isnan(ALTITUDE_AC13_FT[c])]
    by_alt = {float(ALTITUDE_AC13_FT[c]): c for c in valid}
    alts = sorted(by_alt)
    assert alts[0] == -1200.0
    assert alts[-1] == 126700.0
    assert np.all(np.diff(alts) == 100.0)
    for lo, hi in itertools.pairwise(alts):
        assert bin(by_alt[lo] ^ by_alt[hi]).count("1") == 1


def test_gillham_invalid_codes() -> None:
    # all C bits zero is invalid whatever the others say
    assert math.isnan(ALTITUDE_AC13_FT[_gillham_code(0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0)])
    # C1 C2 C4 all set decodes to the unused fifth-state mirror: invalid
    assert math.isnan(ALTITUDE_AC13_FT[_gillham_code(1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0)])
    assert math.isnan(ALTITUDE_AC13_FT[0])


def test_squawk_table_reads_octal_digits() -> None:
    # ID bits C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4: all A and C bits, no B/D -> 7070.
    code = 0b1111110000000
    assert SQUAWK_ID13[code] == 7070
    assert SQUAWK_ID13[0b0101010000000] == 7000
    assert SQUAWK_ID13[0] == 0


def test_surface_movement_scale() -> None:
    from skytrace.decode.codes import MOVEMENT_KT

    known = {1: 0.0, 2: 0.125, 8: 0.875, 9: 1.0, 13: 2.0, 38: 14.5, 39: 15.0, 93: 69.0}
    known |= {94: 70.0, 108: 98.0, 109: 100.0, 123: 170.0, 124: 175.0}
    for code, speed_kt in known.items():
        assert MOVEMENT_KT[code] == speed_kt, code
    for code in (0, 125, 126, 127):
        assert math.isnan(MOVEMENT_KT[code])
    assert np.all(np.diff(MOVEMENT_KT[1:125]) > 0)


def test_lengths_beyond_a_byte_do_not_wrap() -> None:
    payload = np.zeros((1, 14), np.uint8)
    payload[0, :7] = np.frombuffer(bytes.fromhex("5D484FDEA248F5"), np.uint8)
    batch = decode_batch((payload, np.array([263])))
    assert batch.error.tolist() == ["wrong_length"]
