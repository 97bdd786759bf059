"""Beast binary format in: an incremental, vectorized parser.

Layout (Mode-S Beast, as spoken by dump1090-fa / readsb on ports 30005 / 30004)::

    0x1a <type> <payload>          every 0x1a inside <payload> is sent twice (0x1a 0x1a)

    type '1' 0x31  Mode A/C        6-byte 12 MHz timestamp, 1 signal byte, 2 message bytes
    type '2' 0x32  Mode S short    6 + 1 + 7
    type '3' 0x33  Mode S long     6 + 1 + 14
    type '4' 0x34  status          21 bytes (Radarcape status; counted, not decoded)
    type '5' 0x35  receiver place  21 bytes; lat, lon, alt as little-endian float32 at 4, 8, 12
    0xe3           receiver id     8 bytes (readsb); names the receiver of the frames after it
    0xe4           receiver UUID   variable length up to the next frame start (readsb)

The timestamp is big-endian. The value 0xFF004D4C4154 ("\\xff\\x00MLAT") marks a frame that
carries an MLAT result rather than a reception; such frames get ``FrameKind.MLAT``. The signal
byte is sqrt(power) * 255, so the level is 20 * log10(byte / 255) dBFS (byte 0: NaN).

Algorithm (escaped streams): a run of k consecutive 0x1a bytes holds floor(k / 2) escaped data
bytes, and when k is odd its last byte starts a frame. So frame starts are found for a whole
chunk at once (flatnonzero, run lengths, parity); each record's bytes are gathered as one row
of a (frames, 21) matrix with sliding-window row indexing, and only the few rows that hold an
escaped byte are unescaped (a stable argsort that moves the second byte of each pair out);
counter, signal and message are then columns of that matrix. A frame is
accepted when its start is followed by at least the bytes its type needs before the next
start; the bytes of a shorter ("torn") frame, of an unknown type and between frames are
garbage, counted in ``BeastCounters`` by reason. The unfinished frame at the end of a chunk
(and the last 0x1a of an odd trailing run, which may start a frame or be half of a pair) is
kept for the next ``feed``; at most one frame is held.

Unescaped streams (``escaped=False``, e.g. dumps that concatenate raw frames) cannot be
framed by parity; they are walked frame by frame (slower, for files only).

``feed`` never raises for bad data. Not thread-safe: one parser per connection or file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from skytrace.model import FrameBatch, FrameKind
from skytrace.sources.receivers import ReceiverRegistry

__all__ = [
    "BEAST_ESCAPE",
    "MLAT_MAGIC_TICKS",
    "BeastCounters",
    "BeastParser",
    "signal_byte_to_dbfs",
]

BEAST_ESCAPE: Final = 0x1A
MLAT_MAGIC_TICKS: Final = 0xFF004D4C4154

TYPE_MODE_AC: Final = 0x31
TYPE_SHORT: Final = 0x32
TYPE_LONG: Final = 0x33
TYPE_STATUS: Final = 0x34
TYPE_POSITION: Final = 0x35
TYPE_RECEIVER_ID: Final = 0xE3
TYPE_UUID: Final = 0xE4

_MAX_UUID_BYTES: Final = 64
_RECORD_BYTES: Final = 21  # longest fixed record after the type byte

# Unescaped bytes after the type byte, by type; -1 unknown type, 0 variable length.
_NEED = np.full(256, -1, np.int64)
_NEED[TYPE_MODE_AC] = 9
_NEED[TYPE_SHORT] = 14
_NEED[TYPE_LONG] = 21
_NEED[TYPE_STATUS] = 21
_NEED[TYPE_POSITION] = 21
_NEED[TYPE_RECEIVER_ID] = 8
_NEED[TYPE_UUID] = 0

_MSG_LEN = np.zeros(256, np.uint8)
_MSG_LEN[TYPE_MODE_AC] = 2
_MSG_LEN[TYPE_SHORT] = 7
_MSG_LEN[TYPE_LONG] = 14

with np.errstate(divide="ignore"):
    _DBFS = (20.0 * np.log10(np.arange(256) / 255.0)).astype(np.float32)
_DBFS[0] = np.nan


def _rows(
    u: npt.NDArray[np.uint8], pos: npt.NDArray[np.int64], width: int
) -> npt.NDArray[np.uint8]:
    """``u[p : p + width]`` for each (sorted) ``p`` as rows, zero-padded past the end of ``u``."""
    k = int(np.searchsorted(pos, u.size - width, side="right"))
    out = np.empty((pos.size, width), np.uint8)
    if k:
        out[:k] = sliding_window_view(u, width)[pos[:k]]
    if k < pos.size:
        first = int(pos[k])
        tail = np.zeros(u.size - first + width, np.uint8)
        tail[: u.size - first] = u[first:]
        out[k:] = sliding_window_view(tail, width)[pos[k:] - first]
    return out


def _unescape_rows(w: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Rows of escaped record bytes -> the first _RECORD_BYTES unescaped bytes of each.

    Within a record every 0x1a is doubled, so a 0x1a with an even running count in its row
    is the second of a pair: it is dropped and the bytes after it move one place left.
    """
    n, width = w.shape
    is1a = w == BEAST_ESCAPE
    count = np.cumsum(is1a, axis=1, dtype=np.uint8)
    second = is1a & ((count & 1) == 0)
    dest = np.arange(width, dtype=np.int16)[None, :] - np.cumsum(second, axis=1, dtype=np.int16)
    put = ~second & (dest < _RECORD_BYTES)
    out = np.zeros((n, _RECORD_BYTES), np.uint8)
    rows = np.broadcast_to(np.arange(n)[:, None], w.shape)
    out[rows[put], dest[put]] = w[put]
    return out


def signal_byte_to_dbfs(byte: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Beast signal byte(s) -> dBFS (NaN for 0)."""
    return _DBFS[np.asarray(byte, np.uint8)]


@dataclass(slots=True)
class BeastCounters:
    """What a parser has seen so far. Bad frames = torn + unknown_type."""

    bytes_in: int = 0
    frames: int = 0  # Mode S and Mode A/C frames handed out
    mlat_frames: int = 0
    status_frames: int = 0
    position_frames: int = 0
    receiver_id_frames: int = 0
    uuid_frames: int = 0
    torn: int = 0  # a frame start cut short by the next frame start
    unknown_type: int = 0  # 0x1a followed by a byte that is no known type
    garbage_bytes: int = 0  # bytes outside any accepted frame (unescaped count)

    @property
    def bad_frames(self) -> int:
        return self.torn + self.unknown_type


class BeastParser:
    """Feed any chunk of a Beast stream, get the complete frames in it as a FrameBatch.

    ``receiver`` is the index given to frames that carry no readsb receiver id; with a
    ``registry``, readsb receiver ids (0xe3) are registered as receivers named by their 16
    hex digits and their frames get that index.
    """

    def __init__(
        self,
        *,
        escaped: bool = True,
        receiver: int = 0,
        receiver_name: str | None = None,
        registry: ReceiverRegistry | None = None,
    ) -> None:
        self.escaped = escaped
        self.receiver = receiver
        self.receiver_name = receiver_name
        self.registry = registry
        self.counters = BeastCounters()
        self.receiver_position: tuple[float, float, float] | None = None  # lat, lon, alt
        self.uuid: bytes = b""
        self._current_id: int | None = None  # last readsb receiver id seen (sticky)
        self._tail = b""

    # -- public -------------------------------------------------------------------------

    def feed(self, chunk: bytes, now_s: float = math.nan) -> FrameBatch:
        """Parse ``chunk`` (any size, any cut); frames get arrival time ``now_s``."""
        self.counters.bytes_in += len(chunk)
        buf = self._tail + bytes(chunk) if self._tail else bytes(chunk)
        self._tail = b""
        if not buf:
            return FrameBatch.empty(0)
        a = np.frombuffer(buf, np.uint8)
        if self.escaped:
            return self._feed_escaped(a, now_s)
        return self._feed_unescaped(a, now_s)

    def flush(self) -> None:
        """End of stream: whatever is left in the tail is a torn frame."""
        if self._tail:
            self.counters.torn += 1
            self.counters.garbage_bytes += len(self._tail)
            self._tail = b""

    @property
    def pending_bytes(self) -> int:
        """Bytes held back for the next feed (an unfinished frame)."""
        return len(self._tail)

    # -- escaped ------------------------------------------------------------------------

    def _feed_escaped(self, a: npt.NDArray[np.uint8], now_s: float) -> FrameBatch:
        n = int(a.size)
        end = n
        if a[-1] == BEAST_ESCAPE:
            # A trailing run of 0x1a: an even run is escape pairs whatever comes next; in an
            # odd run the last byte is a frame start or half of a pair, known only later.
            rev = a[::-1] != BEAST_ESCAPE
            run = int(rev.argmax()) if rev.any() else n
            if run % 2:
                end = n - 1
                self._tail = b"\x1a"
        body = a[:end]
        z = np.flatnonzero(body == BEAST_ESCAPE)
        if z.size == 0:
            self.counters.garbage_bytes += end
            return FrameBatch.empty(0)
        run_first = np.empty(z.size, np.bool_)
        run_first[0] = True
        np.not_equal(np.diff(z), 1, out=run_first[1:])
        if run_first.all():
            starts_raw = z  # the common case: no escaped bytes at all
            dropped = z[:0]
        else:
            first_idx = np.flatnonzero(run_first)
            run_id = np.cumsum(run_first) - 1
            pos_in_run = z - z[first_idx][run_id]
            run_last = np.empty(z.size, np.bool_)
            run_last[-1] = True
            run_last[:-1] = run_first[1:]
            odd = (pos_in_run & 1).astype(np.bool_)
            starts_raw = z[run_last & ~odd]
            dropped = z[odd]
        if starts_raw.size == 0:
            self.counters.garbage_bytes += end - dropped.size
            return FrameBatch.empty(0)
        c = self.counters
        all_raw = starts_raw
        if dropped.size:
            d_before = np.searchsorted(dropped, starts_raw)  # escapes before each start
            starts = starts_raw - d_before  # positions in the unescaped stream
        else:
            d_before = None
            starts = starts_raw
        size = end - int(dropped.size)  # unescaped length of the body
        types = body[starts_raw + 1]
        need = _NEED[types]
        gap = np.empty(starts.size, np.int64)
        gap[:-1] = starts[1:] - starts[:-1] - 2
        gap[-1] = size - int(starts[-1]) - 2
        lead = int(starts[0])
        last_need, last_gap = int(need[-1]), int(gap[-1])
        if (last_need > 0 and last_gap < last_need) or (
            last_need == 0 and last_gap <= _MAX_UUID_BYTES
        ):
            # Unfinished last frame: keep its raw bytes (and any trailing 0x1a) for later.
            self._tail = body[int(starts_raw[-1]) :].tobytes() + self._tail
            starts_raw, types, need, gap = starts_raw[:-1], types[:-1], need[:-1], gap[:-1]
        known = need >= 0
        variable = need == 0
        complete = known & ~variable & (gap >= need)
        complete |= variable & (gap > 0) & (gap <= _MAX_UUID_BYTES)
        used = np.where(variable, gap, need)
        c.unknown_type += int(np.count_nonzero(~known))
        c.torn += int(np.count_nonzero(known & ~complete))
        # Garbage: bytes before the first start, after each accepted record, whole bad records.
        c.garbage_bytes += lead + int(np.sum(np.where(complete, gap - used, gap + 2)))
        keep = np.flatnonzero(complete)
        if keep.size == 0:
            return FrameBatch.empty(0)
        k_raw = starts_raw[keep]
        records = _rows(body, k_raw + 2, _RECORD_BYTES)
        if d_before is not None:
            # Records with escaped bytes between their start and the next start: unescape
            # those rows only (a 0x1a with an even running count is the second of a pair).
            d_after = np.append(d_before[1:], dropped.size)[: starts_raw.size]
            esc = np.flatnonzero(d_after[keep] != d_before[: starts_raw.size][keep])
            if esc.size:
                records[esc] = _unescape_rows(_rows(body, k_raw[esc] + 2, 2 * _RECORD_BYTES))
        uuid = b""
        if (types[keep] == TYPE_UUID).any():
            i = int(keep[np.flatnonzero(types[keep] == TYPE_UUID)[-1]])
            stop = int(all_raw[i + 1]) if i + 1 < all_raw.size else end
            raw = body[int(starts_raw[i]) + 2 : stop].tobytes()
            uuid = raw.replace(b"\x1a\x1a", b"\x1a")[: int(gap[i])]
        return self._records(records, types[keep], now_s, uuid)

    # -- unescaped ----------------------------------------------------------------------

    def _feed_unescaped(self, a: npt.NDArray[np.uint8], now_s: float) -> FrameBatch:
        buf = a.tobytes()
        n = len(buf)
        starts: list[int] = []
        pos = 0
        garbage = 0
        while pos < n:
            if buf[pos] != BEAST_ESCAPE:
                nxt = buf.find(b"\x1a", pos)
                if nxt < 0:
                    garbage += n - pos
                    pos = n
                    break
                garbage += nxt - pos
                pos = nxt
            if pos + 1 >= n:
                break
            need = int(_NEED[buf[pos + 1]])
            if need <= 0:  # unknown type, or a variable-length record we cannot frame here
                self.counters.unknown_type += 1
                garbage += 1
                pos += 1
                continue
            if pos + 2 + need > n:
                break
            starts.append(pos)
            pos += 2 + need
        self.counters.garbage_bytes += garbage
        if pos < n:
            self._tail = buf[pos:]
        if not starts:
            return FrameBatch.empty(0)
        s = np.asarray(starts, np.int64)
        return self._records(_rows(a[:pos], s + 2, _RECORD_BYTES), a[s + 1], now_s, b"")

    # -- shared -------------------------------------------------------------------------

    def _records(
        self,
        records: npt.NDArray[np.uint8],
        types: npt.NDArray[np.uint8],
        now_s: float,
        uuid: bytes,
    ) -> FrameBatch:
        """Turn complete records (unescaped bytes after the type byte, one row each, in
        stream order) into a batch of frames; note status, position, id and UUID records."""
        c = self.counters
        c.status_frames += int(np.count_nonzero(types == TYPE_STATUS))
        pos = np.flatnonzero(types == TYPE_POSITION)
        c.position_frames += int(pos.size)
        if pos.size:
            lat, lon, alt = records[pos[-1], 4:16].copy().view("<f4").astype(float)
            if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
                self.receiver_position = (float(lat), float(lon), float(alt))
        if uuid:
            c.uuid_frames += int(np.count_nonzero(types == TYPE_UUID))
            self.uuid = uuid
        fidx = np.flatnonzero(_MSG_LEN[types] > 0)
        receivers = self._receiver_column(records, types, fidx)
        m = int(fidx.size)
        if m == 0:
            return FrameBatch.empty(0)
        rec = records if m == records.shape[0] else records[fidx]
        ft = types if m == records.shape[0] else types[fidx]
        ticks = rec[:, 0].astype(np.uint64)
        for j in range(1, 6):  # 6-byte big-endian counter, one byte column at a time
            ticks = (ticks << np.uint64(8)) | rec[:, j]
        payload = np.ascontiguousarray(rec[:, 7:])
        length = _MSG_LEN[ft]
        # A short record's row ran into whatever followed it: clear those bytes.
        payload[:, 7:] *= (length == 14)[:, None]
        payload[:, 2:7] *= (length >= 7)[:, None]
        kind = np.where(ft == TYPE_MODE_AC, FrameKind.MODE_AC, FrameKind.MODE_S).astype(np.uint8)
        mlat = ticks == MLAT_MAGIC_TICKS
        kind[mlat] = FrameKind.MLAT
        batch = FrameBatch(
            time_s=np.full(m, now_s, np.float64),
            receiver=receivers,
            receiver_ticks=ticks,
            signal_dbfs=_DBFS[rec[:, 6]],
            kind=kind,
            length=length,
            payload=payload,
        )
        c.frames += m
        c.mlat_frames += int(np.count_nonzero(mlat))
        batch.receivers = self._receiver_names(receivers)
        return batch

    def _receiver_column(
        self,
        records: npt.NDArray[np.uint8],
        types: npt.NDArray[np.uint8],
        fidx: npt.NDArray[np.intp],
    ) -> npt.NDArray[np.uint32]:
        """Receiver index per frame: the last readsb id before it, else the parser's own."""
        rid = np.flatnonzero(types == TYPE_RECEIVER_ID)
        self.counters.receiver_id_frames += int(rid.size)
        out = np.full(fidx.size, self._default_index(), np.uint32)
        if rid.size == 0 and self._current_id is None:
            return out
        ids = np.zeros(rid.size + 1, np.uint64)
        if self._current_id is not None:
            ids[0] = self._current_id
        if rid.size:
            ids[1:] = records[rid, :8].copy().view(">u8").ravel()
        which = np.searchsorted(rid, fidx)  # number of id records before each frame
        have = (which > 0) | (self._current_id is not None)
        if rid.size:
            self._current_id = int(ids[-1])
        if self.registry is None:
            return out
        index_of = {}
        for value in np.unique(ids[which[have]]):
            index_of[int(value)] = self.registry.index_for(f"{int(value):016x}")
        lut_vals = np.array([index_of.get(int(v), 0) for v in ids], np.uint32)
        out[have] = lut_vals[which[have]]
        return out

    def _default_index(self) -> int:
        if self.receiver == 0 and self.registry is not None and self.receiver_name:
            self.receiver = self.registry.index_for(self.receiver_name)
        return self.receiver

    def _receiver_names(self, receivers: npt.NDArray[np.uint32]) -> dict[int, str]:
        names: dict[int, str] = {}
        if self.registry is not None:
            for idx in np.unique(receivers):
                names[int(idx)] = self.registry.name_of(int(idx))
        elif self.receiver_name:
            names[self.receiver] = self.receiver_name
        return names
