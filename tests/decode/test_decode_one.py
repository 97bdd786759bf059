"""decode_one: typed record on the batch path; only DecodeError escapes."""

from __future__ import annotations

import dataclasses

import pytest

from skytrace.decode import FIELDS, DecodedMessage, decode_batch, decode_one
from skytrace.errors import DecodeError, InvalidMessageError


def test_decode_one_matches_the_batch_row() -> None:
    msg = "8D485020994409940838175B284F"
    one = decode_one(msg)
    assert isinstance(one, DecodedMessage)
    assert one.present() == decode_batch([msg]).to_pylist()[0]
    assert one.icao == "485020"
    assert one.vertical_rate_fpm == -832
    assert one.callsign is None


def test_decode_one_accepts_bytes_and_padded_short() -> None:
    one = decode_one(bytes.fromhex("5D484FDEA248F5") + bytes(7))
    assert one.df == 11
    assert one.short_padded is True


def test_record_is_frozen_and_has_every_field() -> None:
    one = decode_one("8D406B902015A678D4D220AA4BDA")
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.callsign = "X"  # type: ignore[misc]
    names = {f.name for f in dataclasses.fields(DecodedMessage)}
    assert names == {f.name for f in FIELDS}


@pytest.mark.parametrize(
    ("message", "actual", "expected_part"),
    [
        ("", "", "hex"),
        ("8D406B902015A678D4D220AA4BD", 27, "hex digits"),
        ("8D406B902015A678D4D220AA4BDZ", "8D406B902015A678D4D220AA4BDZ", "hex"),
        ("FFFFFFFFFFFFFF", 7, "14 bytes"),
        ("30000000000000", 6, "DF 0"),
        (b"\x8d\x40\x6b", 3, "bytes"),
        (b"", 0, "bytes"),
        ("8D406B902015A678D4D220AA4BDA00", 15, "bytes"),
    ],
)
def test_bad_input_raises_invalid_message(
    message: str | bytes, actual: object, expected_part: str
) -> None:
    with pytest.raises(InvalidMessageError) as exc:
        decode_one(message)
    assert exc.value.actual == actual
    assert expected_part in str(exc.value.expected)
    assert str(exc.value)


def test_wrong_type_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode_one(1234)  # type: ignore[arg-type]
