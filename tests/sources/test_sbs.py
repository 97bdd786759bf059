"""SBS-1 BaseStation lines in: positions and identity updates, malformed lines counted."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from skytrace.model import Source
from skytrace.sources.sbs import SbsParser

LINES = [
    "MSG,1,1,1,7277CF,1,2023/09/12,01:02:03.000,2023/09/12,01:02:03.000,KOR151,,,,,,,,,,,0",
    "MSG,4,1,1,7277CF,1,2023/09/12,01:02:04.000,2023/09/12,01:02:04.000,,,412,45.5,,,-1216,,,,,0",
    "MSG,6,1,1,7277CF,1,2023/09/12,01:02:05.000,2023/09/12,01:02:05.000,,,,,,,,2000,0,0,0,0",
    "MSG,3,1,1,7277CF,1,2023/09/12,01:02:06.500,2023/09/12,01:02:06.500,,24000,,,39.5,125.75,,,0,0,0,0",
    "MSG,2,1,1,7277D0,1,2023/09/12,01:02:07.000,2023/09/12,01:02:07.000,,0,12,90,39.2,125.67,,,,,,-1",
]


def test_positions_carry_latest_identity_speed_and_squawk() -> None:
    p = SbsParser(use_message_time=True)
    batch = p.feed(("\r\n".join(LINES) + "\r\n").encode(), 0.0)
    assert len(batch.updates) == 5
    pos = batch.positions
    assert len(pos) == 2
    first = pos[0]
    assert first["icao24"] == 0x7277CF
    assert first["callsign"] == b"KOR151"
    assert first["squawk"] == b"2000"
    assert first["altitude_ft"] == 24000
    assert first["groundspeed_kt"] == 412 and first["track_deg"] == 45.5
    assert first["vertical_rate_fpm"] == -1216
    assert first["lat"] == 39.5 and first["lon"] == 125.75
    assert first["source"] == Source.OTHER
    assert not first["onground"]
    expected = datetime(2023, 9, 12, 1, 2, 6, 500000, tzinfo=UTC).timestamp()
    assert first["time_s"] == expected
    assert pos[1]["onground"]  # MSG,2 surface position
    assert batch.updates[2].squawk == "2000" and batch.updates[2].spi is False
    assert batch.updates[4].onground is True


def test_arrival_time_by_default_and_split_lines() -> None:
    text = ("\n".join(LINES) + "\n").encode()
    p = SbsParser()
    a = p.feed(text[:200], 50.0)
    b = p.feed(text[200:], 60.0)
    assert len(a.updates) + len(b.updates) == 5
    assert all(u.time_s in (50.0, 60.0) for u in a.updates + b.updates)


def test_malformed_lines_are_counted_and_good_lines_kept() -> None:
    bad = [
        "MSG,9,1,1,7277CF,1,,,,,,,,,,,,,,,,",  # transmission type out of range
        "MSG,3,1,1,XYZ,1,,,,,,,,,,,,,,,,",  # not hex
        "MSG,3,1,1,7277CF,1,,,,,,abc,,,39.5,125.7,,,,,,",  # altitude not a number
        "MSG,3,1,1,7277CF,1,,,,,,1000,,,95.0,125.7,,,,,,",  # latitude out of range
        "STA,,5,179,400AA5,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
        "\xff\xfe garbage",
    ]
    text = "\n".join([LINES[0], *bad, LINES[3]]) + "\n"
    p = SbsParser()
    batch = p.feed(text.encode("latin-1"), 1.0)
    assert [u.transmission for u in batch.updates] == [1, 3]
    assert p.counters.bad_lines == len(bad)
    assert len(batch.positions) == 1
    assert math.isnan(batch.updates[0].lat)


def test_unterminated_last_line_on_flush() -> None:
    p = SbsParser()
    assert p.feed(LINES[3].encode(), 1.0).updates == []
    assert len(p.flush(1.0).positions) == 1
