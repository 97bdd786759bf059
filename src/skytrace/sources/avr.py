"""AVR text format in (dump1090/readsb port 30002 and its timestamped variants).

Records, each ended by ``;`` and usually CR LF or LF::

    *HEX;                           message only (4, 14 or 28 hex digits: Mode A/C, short, long)
    :HEX;                           same as ``*``
    @TTTTTTTTTTTTHEX;               12 hex digits of the 12 MHz counter, then the message
    %TTTTTTTTTTTTHEX;               same layout as ``@`` (CRC already checked by the sender)
    <TTTTTTTTTTTTSSHEX;             counter, then the signal byte (sqrt(power) * 255), message

Whitespace around records is ignored. Anything else before a record's marker is garbage: the
parser counts it and resyncs at the last marker character before the ``;``. A record whose
hex part has the wrong length or non-hex characters is a bad frame (counted, skipped). A run
of more than ``max_record_bytes`` without a ``;`` is counted as garbage and dropped, so a
hostile stream cannot grow the buffer.

Records are parsed for a whole chunk at once: ``;`` and marker positions by flatnonzero, the
last marker before each ``;`` by searchsorted, hex validity by counting (searchsorted) the
sparse non-hex characters inside each record, and digits turned into bytes through a nibble
table and sliding-window rows.

``feed`` never raises for bad data. Not thread-safe: one parser per connection or file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from skytrace.model import FrameBatch, FrameKind
from skytrace.sources.beast import MLAT_MAGIC_TICKS, signal_byte_to_dbfs

__all__ = ["AvrCounters", "AvrParser", "parse_avr_block", "parse_avr_records"]


@dataclass(slots=True)
class AvrCounters:
    bytes_in: int = 0
    frames: int = 0
    bad_frames: int = 0  # records with a marker but a wrong length or non-hex characters
    garbage_bytes: int = 0  # non-blank bytes outside any record


class AvrParser:
    """Feed any chunk of AVR text, get the complete frames in it as a FrameBatch."""

    def __init__(
        self, *, receiver: int = 0, receiver_name: str | None = None, max_record_bytes: int = 256
    ) -> None:
        self.receiver = receiver
        self.receiver_name = receiver_name
        self.max_record_bytes = max_record_bytes
        self.counters = AvrCounters()
        self._tail = b""

    def feed(self, chunk: bytes, now_s: float = math.nan) -> FrameBatch:
        """Parse ``chunk``; complete records become frames with arrival time ``now_s``."""
        self.counters.bytes_in += len(chunk)
        buf = self._tail + bytes(chunk) if self._tail else bytes(chunk)
        cut = buf.rfind(b";")
        if cut < 0:
            self._tail = buf
            body = b""
        else:
            self._tail = buf[cut + 1 :]
            body = buf[:cut]
        if len(self._tail) > self.max_record_bytes:
            # No record end in sight: drop all but what could still start a record.
            keep = self._tail[-self.max_record_bytes :]
            at = _last_marker(keep)
            kept = keep[at:] if at >= 0 else b""
            self.counters.garbage_bytes += len(self._tail) - len(kept)
            self._tail = kept
        if not body:
            return FrameBatch.empty(0)
        batch, bad, garbage = parse_avr_records(body, now_s, self.receiver)
        self.counters.frames += len(batch)
        self.counters.bad_frames += bad
        self.counters.garbage_bytes += garbage
        if self.receiver_name:
            batch.receivers = {self.receiver: self.receiver_name}
        return batch

    def flush(self) -> None:
        """End of stream: an unterminated last record is counted as bad."""
        if self._tail.strip():
            self.counters.bad_frames += 1
            self.counters.garbage_bytes += len(self._tail)
        self._tail = b""

    @property
    def pending_bytes(self) -> int:
        """Bytes of an unfinished record held for the next feed (whitespace not counted)."""
        return len(self._tail.strip())


def _last_marker(text: bytes) -> int:
    """Index of the last record marker in ``text``, -1 when there is none."""
    return max(text.rfind(m) for m in (b"*", b":", b"@", b"%", b"<"))


def _table(chars: bytes, value: int, default: int) -> npt.NDArray[np.uint8]:
    t = np.full(256, default, np.uint8)
    t[np.frombuffer(chars, np.uint8)] = value
    return t


_NIBBLE = np.full(256, 255, np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _NIBBLE[_c] = _i
    _NIBBLE[ord(chr(_c).upper())] = _i
_IS_MARKER = _table(b"*:@%<", 1, 0).astype(np.bool_)
_IS_SPACE = _table(b" \t\r\n", 1, 0).astype(np.bool_)
_HEADER_DIGITS = np.zeros(256, np.int64)  # hex digits before the message, by marker
_HEADER_DIGITS[np.frombuffer(b"@%", np.uint8)] = 12
_HEADER_DIGITS[ord("<")] = 14


def _hex_rows(nib: npt.NDArray[np.uint8], pos: npt.NDArray[np.int64], digits: int) -> Any:
    """Hex digits (as nibbles) at ``pos`` -> rows of ``digits // 2`` bytes."""
    n = sliding_window_view(nib, digits)[pos]
    return (n[:, 0::2] << 4) | n[:, 1::2]


def parse_avr_records(
    records: bytes, now_s: float, receiver: int = 0
) -> tuple[FrameBatch, int, int]:
    """Whole records, each ended by ``;`` (the last ``;`` may be left off) ->
    (batch, bad records, garbage bytes). Vectorized over the whole text."""
    batch, _, bad_at, garbage = parse_avr_block(records, now_s, receiver)
    return batch, int(bad_at.size), garbage


def parse_avr_block(
    records: bytes, now_s: float, receiver: int = 0
) -> tuple[FrameBatch, npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
    """``parse_avr_records`` with places: (batch, byte offset of each frame's marker, byte
    offset of each bad record's marker, garbage bytes); offsets index ``records``."""
    text = records if records.endswith(b";") else records + b";"
    a = np.frombuffer(text, np.uint8)
    semi = np.flatnonzero(a == ord(";"))
    rec_start = np.concatenate([[0], semi[:-1] + 1])
    markers = np.flatnonzero(_IS_MARKER[a])
    j = np.searchsorted(markers, semi) - 1  # the last marker before each ';'
    mpos = markers[np.maximum(j, 0)] if markers.size else np.full(semi.size, -1)
    has = (j >= 0) & (mpos >= rec_start)
    # Garbage: non-blank bytes before a record's marker, or in a record without one.
    blanks = np.flatnonzero(_IS_SPACE[a])
    pre_end = np.where(has, mpos, semi)
    in_range = np.searchsorted(blanks, pre_end) - np.searchsorted(blanks, rec_start)
    garbage = int(np.sum(pre_end - rec_start - in_range))
    m, end = mpos[has], semi[has]
    head = _HEADER_DIGITS[a[m]]
    msg_digits = end - m - 1 - head
    nib = _NIBBLE[a]
    nonhex = np.flatnonzero(nib == 255)  # sparse: markers, ';', line ends, junk
    clean = np.searchsorted(nonhex, end) == np.searchsorted(nonhex, m + 1)
    ok = clean & ((msg_digits == 28) | (msg_digits == 14) | (msg_digits == 4))
    bad_at = m[~ok].astype(np.int64)
    m, head, msg_digits = m[ok], head[ok], msg_digits[ok]
    n = int(m.size)
    batch = FrameBatch.empty(n)
    batch.time_s[:] = now_s
    batch.receiver[:] = receiver
    if n == 0:
        return batch, m.astype(np.int64), bad_at, garbage
    for digits in (28, 14, 4):
        rows = np.flatnonzero(msg_digits == digits)
        if rows.size:
            batch.payload[rows, : digits // 2] = _hex_rows(nib, m[rows] + 1 + head[rows], digits)
    batch.length[:] = msg_digits // 2
    batch.kind[msg_digits == 4] = FrameKind.MODE_AC
    timed = np.flatnonzero(head > 0)
    if timed.size:
        t = _hex_rows(nib, m[timed] + 1, 12).astype(np.uint64)
        ticks = t[:, 0]
        for k in range(1, 6):
            ticks = (ticks << np.uint64(8)) | t[:, k]
        batch.receiver_ticks[timed] = ticks
        batch.kind[timed[ticks == MLAT_MAGIC_TICKS]] = FrameKind.MLAT
    signal = np.flatnonzero(head == 14)
    if signal.size:
        byte = _hex_rows(nib, m[signal] + 13, 2)[:, 0]
        batch.signal_dbfs[signal] = signal_byte_to_dbfs(byte)
    return batch, m.astype(np.int64), bad_at, garbage
