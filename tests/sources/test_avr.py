"""AVR text parser: every record variant, CR/LF, cut anywhere, garbage and bad records."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from skytrace.model import FrameKind
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import MLAT_MAGIC_TICKS

LONG = "8d4840d6202cc371c32ce0576098"
SHORT = "5d4840d6a1b2c3"


def messages(parser: AvrParser, chunks: list[bytes]) -> list[tuple[str, int]]:
    out = []
    for c in chunks:
        b = parser.feed(c, 3.0)
        out += [(b.message_bytes(i).hex(), int(b.receiver_ticks[i])) for i in range(len(b))]
    return out


def test_all_variants_with_and_without_cr() -> None:
    text = (
        f"*{LONG};\r\n*{SHORT};\n@0000000012AB{LONG};\r\n%00000000FFFF{SHORT};\n"
        f"<00000000100080{LONG};\n:{SHORT};*1234;"
    ).encode()
    p = AvrParser()
    b = p.feed(text, 9.0)
    assert [b.message_bytes(i).hex() for i in range(len(b))] == [
        LONG, SHORT, LONG, SHORT, LONG, SHORT, "1234"
    ]  # fmt: skip
    assert b.receiver_ticks.tolist() == [0, 0, 0x12AB, 0xFFFF, 0x1000, 0, 0]
    assert math.isnan(b.signal_dbfs[0])
    assert b.signal_dbfs[4] == np.float32(20 * math.log10(0x80 / 255))
    assert b.kind[-1] == FrameKind.MODE_AC
    assert (b.time_s == 9.0).all()
    assert p.counters.bad_frames == 0 and p.counters.garbage_bytes == 0


def test_every_split_point_gives_the_same_frames() -> None:
    text = (f"*{LONG};\r\n@0000000012AB{SHORT};\n<00000000100080{LONG};\n" * 3).encode()
    ref = messages(AvrParser(), [text])
    assert len(ref) == 9
    for k in range(len(text) + 1):
        assert messages(AvrParser(), [text[:k], text[k:]]) == ref


def test_garbage_and_bad_records_are_counted_and_good_ones_kept() -> None:
    text = (
        f"junk*{LONG};\n"  # garbage before a marker: resync
        f"*{LONG[:-1]};\n"  # odd length: bad
        f"*{SHORT[:-2]}zz;\n"  # non-hex: bad
        f"@12{LONG[:5]};\n"  # shorter than its timestamp: bad
        "no marker at all;\n"
        f"*{SHORT};\n"
    ).encode()
    p = AvrParser()
    got = messages(p, [text])
    assert [m for m, _ in got] == [LONG, SHORT]
    assert p.counters.bad_frames == 3
    assert p.counters.garbage_bytes == len("junk") + len("nomarkeratall")  # blanks not counted


def test_oversized_junk_without_terminator_is_dropped() -> None:
    p = AvrParser(max_record_bytes=256)
    p.feed(b"x" * 100_000, 0.0)
    assert p.pending_bytes == 0
    assert p.counters.garbage_bytes == 100_000
    assert messages(p, [f"*{LONG};\n".encode()]) == [(LONG, 0)]


def test_mlat_magic_in_avr() -> None:
    b = AvrParser().feed(f"@{MLAT_MAGIC_TICKS:012X}{LONG};\n".encode(), 0.0)
    assert b.kind.tolist() == [FrameKind.MLAT]


def test_dump1090_expected_output_file(shared_data: Path) -> None:
    text = (shared_data / "modes" / "modes1_expected.avr.txt").read_bytes()
    lines = [ln.strip()[1:-1] for ln in text.decode().splitlines() if ln.strip()]
    p = AvrParser()
    got = [m for m, _ in messages(p, [text[i : i + 97] for i in range(0, len(text), 97)])]
    assert got == [ln.lower() for ln in lines]
    assert len(got) == 217
