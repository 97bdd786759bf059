"""SBS-1 lines out: message types from decoded frames and tracker positions."""

from __future__ import annotations

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch, empty_positions
from skytrace.outputs.sbs import SbsFormatter
from skytrace.sources.sbs import SbsParser

IDENT = "8D4840D6202CC371C32CE0576098"  # DF17 TC4 identification, callsign KLM1023
VELOCITY = "8D485020994409940838175B284F"  # DF17 TC19
DF11 = "5D4840D6A1B2C3"


def lines_of(text: str) -> list[list[str]]:
    assert text.endswith("\r\n")
    return [ln.split(",") for ln in text.split("\r\n") if ln]


def test_identification_velocity_and_all_call_lines() -> None:
    msgs = [bytes.fromhex(m) for m in (IDENT, VELOCITY)]
    frames = FrameBatch.from_messages(msgs, time_s=[1_700_000_000.25, 1_700_000_001.0])
    rows = lines_of(SbsFormatter().frames(frames, decode_batch(frames)))
    assert [r[1] for r in rows] == ["1", "4"]
    assert rows[0][4] == "4840D6" and rows[0][10] == "KLM1023"
    assert rows[0][6:8] == ["2023/11/14", "22:13:20.250"]
    assert rows[1][12] == "159" and rows[1][13] == "182.9" and rows[1][16] == "-832"
    assert all(len(r) == 22 for r in rows)


def test_address_parity_frames_only_for_verified_addresses() -> None:
    fmt = SbsFormatter()
    df4 = "20001838CA3804"  # DF4 altitude reply; address comes from the parity
    frames = FrameBatch.from_messages([bytes.fromhex(df4)], time_s=[10.0])
    decoded = decode_batch(frames)
    assert fmt.frames(frames, decoded) == ""  # address never verified: nothing written
    addr = int(decoded["icao"][0])
    ident = FrameBatch.from_messages([bytes.fromhex(IDENT)] * 2, time_s=[8.0, 9.0])
    fmt.remember(ident, decode_batch(ident))
    assert fmt._verified == {0x4840D6: 9.0}
    fmt._verified[addr] = 9.0  # as if a DF17 of the DF4's address had just been seen
    rows = lines_of(fmt.frames(frames, decoded))
    assert rows[0][1] == "5" and rows[0][4] == f"{addr:06X}"


def test_position_lines_read_back_by_the_sbs_parser() -> None:
    pos = empty_positions(2)
    pos["icao24"] = [0x7277CF, 0x7277D0]
    pos["time_s"] = [1_694_480_000.0, 1_694_480_001.0]
    pos["lat"] = [39.2241, 43.3989]
    pos["lon"] = [125.67, 132.148]
    pos["altitude_ft"] = [1200, 0]
    pos["onground"] = [False, True]
    pos["callsign"] = [b"KOR151", b""]
    text = SbsFormatter().positions(pos)
    rows = lines_of(text)
    assert [r[1] for r in rows] == ["3", "2"]
    back = SbsParser(use_message_time=True).feed(text.encode(), 0.0)
    assert back.positions["icao24"].tolist() == [0x7277CF, 0x7277D0]
    assert back.positions["lat"].tolist() == [39.2241, 43.3989]
    assert back.positions["time_s"].tolist() == [1_694_480_000.0, 1_694_480_001.0]
    assert back.updates[0].callsign == "KOR151"
