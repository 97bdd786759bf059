"""DF20/21 rows of decode_batch carry the Comm-B register fields (via skytrace.decode.commb)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from skytrace.decode import FIELDS, decode_batch
from skytrace.decode.commb import decode_commb


def test_every_commb_column_has_a_batch_field() -> None:
    cols = decode_commb(np.zeros(1, np.uint64), np.array([20]))
    names = {f.name for f in FIELDS}
    missing = [f.name for f in fields(cols) if f.name not in names]
    assert missing == []


def test_df20_identification_and_df21_track_and_turn() -> None:
    rows = decode_batch(
        [
            "A0001838201584F23468207CDFA5",
            "A000139381951536E024D4CCF6B5",
            "A000029C85E42F313000007047D3",
        ]
    ).to_pylist()
    assert rows[0]["bds"] == "2,0"
    assert rows[0]["callsign"] == "EXS2MF"
    assert rows[0]["altitude_ft"] == 38000
    assert rows[1]["bds"] == "5,0"
    assert rows[1]["groundspeed_kt"] == 438
    assert rows[1]["tas_kt"] == 424
    assert rows[2]["bds"] == "4,0"
    assert rows[2]["selected_altitude_mcp_ft"] == 3008


def test_commb_can_be_switched_off() -> None:
    row = decode_batch(["A0001838201584F23468207CDFA5"], commb=False).to_pylist()[0]
    assert "bds" not in row and "callsign" not in row
    assert row["altitude_ft"] == 38000


def test_meteorological_registers_on_request() -> None:
    msg = "A0001692185BD5CF400000DFC696"
    assert "bds" not in decode_batch([msg]).to_pylist()[0]
    row = decode_batch([msg], meteo=True).to_pylist()[0]
    assert row["bds"] == "4,4"
    assert row["wind_speed_kt"] == 22
    assert row["wind_direction_deg"] == 344.53125
    assert row["static_air_temperature_c"] == -48.75
