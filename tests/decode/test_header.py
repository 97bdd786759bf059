"""Header fields, parity, address recovery and row labels of decode_batch on real replies."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.decode import ERROR_LABELS, decode_batch
from skytrace.model import FrameBatch


def _row(hex_msg: str) -> dict[str, object]:
    return decode_batch([hex_msg]).to_pylist()[0]


def test_df17_identification_header() -> None:
    row = _row("8D406B902015A678D4D220AA4BDA")
    assert row["df"] == 17
    assert row["icao"] == "406b90"
    assert row["crc_ok"] is True
    assert row["icao_verified"] is True
    assert row["crc_corrected"] is False
    assert row["ca"] == 5
    assert row["typecode"] == 4


def test_address_parity_formats_recover_the_address_unverified() -> None:
    batch = decode_batch(["0061103063A012", "28000808106DE2", "80001030FFFFFFFFFFFFFFE8E47B"])
    assert batch["icao"].tolist() == [0x400940] * 3
    assert not batch["icao_verified"].any()
    assert batch.mask("icao").all()
    assert not batch.mask("crc_ok").any()  # parity of DF0/5/16 cannot be checked alone


def test_df11_interrogator_code_and_bad_parity() -> None:
    batch = decode_batch(["5D484FDEA248F5", "5D4CA2D4000000"])
    rows = batch.to_pylist()
    assert rows[0]["crc_ok"] is True
    assert rows[0]["iid"] == 22
    assert rows[0]["icao_verified"] is False  # IID != 0: not the squitter, address not proven
    assert rows[1]["crc_ok"] is False
    assert "iid" not in rows[1]


def test_df18_with_wrong_parity_decodes_but_is_not_verified() -> None:
    row = _row("90406B902015A678D4D220AA4BDA")
    assert row["df"] == 18
    assert row["crc_ok"] is False
    assert row["icao_verified"] is False
    assert row["callsign"] == "EZY85MH"


def test_single_bit_error_is_corrected_and_flagged() -> None:
    good = bytes.fromhex("8D406B902015A678D4D220AA4BDA")
    for bit in (5, 40, 87, 111):
        bad = bytearray(good)
        bad[bit // 8] ^= 0x80 >> (bit % 8)
        row = decode_batch([bytes(bad)]).to_pylist()[0]
        assert row["crc_corrected"] is True, bit
        assert row["corrected_bit"] == bit
        assert row["crc_ok"] is True
        assert row["icao"] == "406b90"
        assert row["callsign"] == "EZY85MH"
    uncorrected = decode_batch([bytes(bad)], correct_errors=False).to_pylist()[0]
    assert uncorrected["crc_ok"] is False
    assert uncorrected["crc_corrected"] is False


def test_two_bit_error_is_not_corrected() -> None:
    bad = bytearray(bytes.fromhex("8D406B902015A678D4D220AA4BDA"))
    bad[6] ^= 0x81
    row = decode_batch([bytes(bad)]).to_pylist()[0]
    assert row["crc_ok"] is False
    assert row["crc_corrected"] is False


def test_df_bits_are_never_corrected() -> None:
    bad = bytearray(bytes.fromhex("8D406B902015A678D4D220AA4BDA"))
    bad[0] ^= 0x08  # DF17 -> DF16 flips the format, not a fixable error
    row = decode_batch([bytes(bad)]).to_pylist()[0]
    assert row["df"] == 16
    assert "crc_corrected" not in row


def test_short_df_in_14_bytes_is_decoded_from_7_and_flagged() -> None:
    padded = bytes.fromhex("5D484FDEA248F5") + bytes(7)
    row = decode_batch([padded]).to_pylist()[0]
    assert row["short_padded"] is True
    assert row["icao"] == "484fde"
    assert row["crc_ok"] is True


def test_bad_rows_are_labelled_and_good_rows_around_them_decode() -> None:
    messages: list[bytes | str] = [
        "8D406B902015A678D4D220AA4BDA",
        "8D406B902015A678D4D220AA4BD",  # odd
        "zz406B902015A678D4D220AA4BDA",  # non-hex
        "",
        "30000000000000",  # DF6
        "FFFFFFFFFFFFFF",  # DF24 needs 112 bits
        b"\x8d\x40\x00",  # three bytes
        b"\x12\x34",  # a Mode A/C reply
        "28000808106DE2",
    ]
    batch = decode_batch(messages)
    assert len(batch) == len(messages)
    assert batch.error.tolist() == [
        "",
        "odd_hex",
        "non_hex",
        "empty",
        "unknown_df",
        "wrong_length",
        "wrong_length",
        "mode_ac",
        "",
    ]
    assert batch["icao"][0] == 0x406B90 and batch["icao"][8] == 0x400940
    assert batch["df"][4] == 6 and batch.mask("df")[4]
    rows = batch.to_pylist()
    assert rows[1] == {"error": "odd_hex"}
    assert set(ERROR_LABELS) >= set(batch.error.tolist())


def test_frame_batch_input_labels_mode_ac() -> None:
    frames = FrameBatch.from_messages(
        [
            bytes.fromhex("8D406B902015A678D4D220AA4BDA"),
            b"\x12\x34",
            bytes.fromhex("5D484FDEA248F5"),
        ]
    )
    batch = decode_batch(frames)
    assert batch.error.tolist() == ["", "mode_ac", ""]
    assert batch["icao"][[0, 2]].tolist() == [0x406B90, 0x484FDE]


def test_tuple_input_matches_hex_input() -> None:
    hexes = ["8D406B902015A678D4D220AA4BDA", "5D484FDEA248F5", "A8001EBCFFFB23286004A73F6A5B"]
    payload = np.zeros((3, 14), np.uint8)
    lengths = np.zeros(3, np.uint8)
    for i, h in enumerate(hexes):
        raw = bytes.fromhex(h)
        payload[i, : len(raw)] = np.frombuffer(raw, np.uint8)
        lengths[i] = len(raw)
    assert decode_batch((payload, lengths)).to_pylist() == decode_batch(hexes).to_pylist()


def test_take_and_mask() -> None:
    batch = decode_batch(["8D406B902015A678D4D220AA4BDA", "0061103063A012"])
    assert batch.mask("callsign").tolist() == [True, False]
    sub = batch.take(np.array([1]))
    assert len(sub) == 1
    assert sub["altitude_ft"][0] == pytest.approx(25000.0)
    assert sub.to_pylist()[0]["icao"] == "400940"


def test_unknown_column_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        decode_batch(["5D484FDEA248F5"])["altitude"]


def test_empty_input() -> None:
    batch = decode_batch([])
    assert len(batch) == 0
    assert batch["icao"].shape == (0,)
    assert batch.to_pylist() == []


def test_later_values_override_earlier_ones_and_masks_follow() -> None:
    from skytrace.decode import DecodedBatch

    batch = DecodedBatch(4)
    batch._put("onground", np.array([0, 1, 2]), np.array([0, 0, 0], np.int8))
    batch._put("onground", np.array([1]), np.int8(1))
    batch._put("nac_p", np.array([0, 3]), np.array([5, 7]), np.array([True, False]))
    batch._put("altitude_ft", np.array([2, 3]), np.array([100.0, 200.0]), np.array([False, True]))
    assert batch["onground"].tolist() == [0, 1, 0, -1]
    assert batch.mask("onground").tolist() == [True, True, True, False]
    assert batch["nac_p"].tolist() == [5, 0, 0, 0]
    assert batch.mask("nac_p").tolist() == [True, False, False, False]
    assert batch.mask("altitude_ft").tolist() == [False, False, False, True]
    sub = batch.take(np.array([True, True, False, True]))
    assert sub["onground"].tolist() == [0, 1, -1]
    assert sub.mask("nac_p").tolist() == [True, False, False]


def test_header_only_fills_the_routing_fields_like_a_full_decode() -> None:
    msgs = [
        "8D406B902015A678D4D220AA4BDA",
        "5D484FDEA248F5",
        "A8001EBCFFFB23286004A73F6A5B",
        "903A23FF426A4E65F7487A775D17",
        "zz",
    ]
    full = decode_batch(msgs)
    head = decode_batch(msgs, header_only=True)
    assert head.error.tolist() == full.error.tolist()
    for name in ("df", "icao", "icao_verified", "crc_ok", "crc_corrected", "ca", "typecode"):
        assert head.mask(name).tolist() == full.mask(name).tolist(), name
        m = full.mask(name)
        assert head[name][m].tolist() == full[name][m].tolist(), name
    assert not head.mask("callsign").any()
    assert not head.mask("altitude_ft").any()


def test_items_with_a_byte_buffer_are_messages() -> None:
    row = np.frombuffer(bytes.fromhex("8D406B902015A678D4D220AA4BDA"), np.uint8)
    batch = decode_batch([row, bytearray(row.tobytes()), row.astype(np.int64), 5])
    assert batch.error.tolist() == ["", "", "non_hex", "non_hex"]
    assert batch["icao"][:2].tolist() == [0x406B90, 0x406B90]
