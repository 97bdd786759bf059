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

``feed`` never raises for bad data. Not thread-safe: one parser per connection or file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

import numpy as np

from skytrace.model import FrameBatch, FrameKind
from skytrace.sources.beast import MLAT_MAGIC_TICKS, signal_byte_to_dbfs

__all__ = ["AvrCounters", "AvrParser", "parse_avr_records"]

_HEX_OK: Final = re.compile(rb"[0-9A-Fa-f]*")
_MSG_HEX_LENGTHS: Final = {4: 2, 14: 7, 28: 14}


@dataclass(slots=True)
class AvrCounters:
    bytes_in: int = 0
    frames: int = 0
    bad_frames: int = 0  # records with a marker but a wrong length or non-hex characters
    garbage_bytes: int = 0  # bytes outside any record


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
        batch, bad, garbage = parse_avr_records(body.split(b";"), now_s, self.receiver)
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


def parse_avr_records(
    records: list[bytes], now_s: float, receiver: int = 0
) -> tuple[FrameBatch, int, int]:
    """Records without their ``;`` -> (batch, bad records, garbage bytes)."""
    msgs: list[bytes] = []
    ticks: list[int] = []
    signal: list[int] = []
    bad = 0
    garbage = 0
    for rec in records:
        rec = rec.strip()
        if not rec:
            continue
        first = rec[:1]
        if first not in b"*:@%<" or not first:
            at = _last_marker(rec)
            if at < 0:
                garbage += len(rec)
                continue
            garbage += at
            rec = rec[at:]
            first = rec[:1]
        body = rec[1:]
        t = 0
        sig = -1
        if first in b"@%<":
            if len(body) < 12:
                bad += 1
                continue
            try:
                t = int(body[:12], 16)
            except ValueError:
                bad += 1
                continue
            body = body[12:]
            if first == b"<":
                try:
                    sig = int(body[:2], 16)
                except ValueError:
                    bad += 1
                    continue
                body = body[2:]
        if len(body) not in _MSG_HEX_LENGTHS or _HEX_OK.fullmatch(body) is None:
            bad += 1
            continue
        msgs.append(bytes.fromhex(body.decode("ascii")))
        ticks.append(t)
        signal.append(sig)
    batch = FrameBatch.from_messages(msgs, receiver=receiver)
    batch.time_s[:] = now_s
    if msgs:
        tk = np.asarray(ticks, np.uint64)
        batch.receiver_ticks[:] = tk
        sg = np.asarray(signal, np.int64)
        has = sg >= 0
        batch.signal_dbfs[has] = signal_byte_to_dbfs(sg[has].astype(np.uint8))
        batch.kind[tk == MLAT_MAGIC_TICKS] = FrameKind.MLAT
    return batch, bad, garbage
