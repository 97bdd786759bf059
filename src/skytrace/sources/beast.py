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
    0xe8           UTC stamp       8 bytes, NOT escaped: little-endian int64 milliseconds since
                                   1970 UTC at which the next frame was received (readsb's
                                   ``--dump-beast`` record; ``skytrace simulate`` writes it too)

The timestamp is big-endian. The value 0xFF004D4C4154 ("\\xff\\x00MLAT") marks a frame that
carries an MLAT result rather than a reception; such frames get ``FrameKind.MLAT``. The signal
byte is sqrt(power) * 255, so the level is 20 * log10(byte / 255) dBFS (byte 0: NaN).

Algorithm (escaped streams): a run of k consecutive 0x1a bytes holds floor(k / 2) escaped data
bytes, and when k is odd its last byte starts a frame. So frame starts are found for a whole
chunk at once (flatnonzero, run lengths, parity); each record's bytes are gathered as one row
of a (frames, 21) matrix with sliding-window row indexing, and only the few rows that hold an
escaped byte are unescaped (the second byte of each pair is dropped and the rest moved left);
counter, signal and message are then columns of that matrix. ``BeastParser.feed_many`` does
this for many streams in one pass (streams joined with a 0x00 byte so no run of 0x1a spans
two, each stream's end a frame boundary). A frame is accepted when its start is followed by
at least the bytes its type needs before the next start; the bytes of a shorter ("torn")
frame, of an unknown type and between frames are garbage, counted in ``BeastCounters`` by
reason. The unfinished frame at the end of a chunk
(and the last 0x1a of an odd trailing run, which may start a frame or be half of a pair) is
kept for the next ``feed``; at most one frame is held.

UTC stamps: the 8 bytes after ``0x1a 0xe8`` are raw, so a 0x1a among them would upset the
parity framing; before framing, such bytes are cleared (in a copy; the stamp is read from the
original bytes), repeating until no stamp holds a 0x1a. With ``utc_stamps=True`` (recorded
files) a stamp gives the UTC time of the frame right after it, which pairs that frame's
receiver counter with UTC (an *anchor*); every frame of a receiver is then timed from its
latest anchor by its 12 MHz counter (``anchor_s + (ticks - anchor_ticks) / 12 MHz``), so the
receivers interleaved in one stream keep their own clocks. A receiver not yet anchored is
anchored at its first frame with the stamp in force; frames without a counter (or more than an
hour from the anchor: a reset) get the stamp in force; frames before any stamp keep ``now_s``.
Without ``utc_stamps`` (live feeds: a feeder's clock is not trusted) stamps are only counted.

Unescaped streams (``escaped=False``, e.g. dumps that concatenate raw frames) cannot be
framed by parity; they are walked frame by frame (slower, for files only).

``feed`` never raises for bad data. Not thread-safe: one parser per connection or file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
TYPE_UTC_STAMP: Final = 0xE8

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
_NEED[TYPE_UTC_STAMP] = 8

_TICK_HZ: Final = 12_000_000.0
_TICK_WRAP: Final = 1 << 48
_MAX_ANCHOR_S: Final = 3600.0  # further from its anchor than this, a counter has been reset

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
    utc_stamp_frames: int = 0
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
    hex digits and their frames get that index. With ``utc_stamps``, readsb UTC stamps
    (0xe8) time the frames (see the module docstring); otherwise frames get ``now_s``.
    """

    def __init__(
        self,
        *,
        escaped: bool = True,
        receiver: int = 0,
        receiver_name: str | None = None,
        registry: ReceiverRegistry | None = None,
        utc_stamps: bool = False,
    ) -> None:
        self.escaped = escaped
        self.utc_stamps = utc_stamps
        self.receiver = receiver
        self.receiver_name = receiver_name
        self.registry = registry
        self.counters = BeastCounters()
        self.receiver_position: tuple[float, float, float] | None = None  # lat, lon, alt
        self.uuid: bytes = b""
        self._current_id: int | None = None  # last readsb receiver id seen (sticky)
        self._stamp_s = math.nan  # the UTC stamp in force (utc_stamps)
        self._stamp_waiting = False  # the stream's last record was a stamp: it times the next
        self._anchors: dict[int, tuple[float, int]] = {}  # receiver -> (UTC s, ticks)
        self._tail = b""

    # -- public -------------------------------------------------------------------------

    def feed(self, chunk: bytes, now_s: float = math.nan) -> FrameBatch:
        """Parse ``chunk`` (any size, any cut); frames get arrival time ``now_s``."""
        if self.escaped:
            return BeastParser.feed_many([self], [chunk], now_s)
        self.counters.bytes_in += len(chunk)
        buf = self._tail + bytes(chunk) if self._tail else bytes(chunk)
        self._tail = b""
        if not buf:
            return FrameBatch.empty(0)
        return self._feed_unescaped(np.frombuffer(buf, np.uint8), now_s)

    @staticmethod
    def feed_many(
        parsers: Sequence[BeastParser],
        chunks: Sequence[bytes],
        now_s: float | Sequence[float] = math.nan,
    ) -> FrameBatch:
        """Parse one chunk for each of several escaped streams in one vectorized pass.

        The result is what feeding each parser its chunk would give, concatenated in
        parser order (each parser's counters, tail and receiver id are updated); ``now_s``
        is one arrival time for all or one per parser. A server with many feeders calls
        this once per micro-batch instead of once per read.
        """
        times = [now_s] * len(parsers) if isinstance(now_s, int | float) else list(now_s)
        parts: list[bytes] = []
        owners: list[BeastParser] = []
        owner_times: list[float] = []
        for p, chunk, t in zip(parsers, chunks, times, strict=True):
            p.counters.bytes_in += len(chunk)
            buf = p._tail + bytes(chunk) if p._tail else bytes(chunk)
            p._tail = b""
            if buf[-1:] == b"\x1a" and (len(buf) - len(buf.rstrip(b"\x1a"))) % 2:
                # An odd trailing run of 0x1a: the last one starts a frame or is half of a
                # pair, known only with the next byte. (An even run is pairs either way.)
                buf = buf[:-1]
                p._tail = b"\x1a"
            if buf:
                parts.append(buf)
                owners.append(p)
                owner_times.append(float(t))
        if not parts:
            return FrameBatch.empty(0)
        return _parse_streams(owners, parts, np.asarray(owner_times))

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
        records = _rows(a[:pos], s + 2, _RECORD_BYTES)
        sid = np.zeros(s.size, np.intp)
        stamp_ms = records[:, :8].copy().view("<i8").ravel()
        return _records_to_batch([self], records, a[s + 1], sid, np.array([now_s]), stamp_ms)

    def _default_index(self) -> int:
        if self.receiver == 0 and self.registry is not None and self.receiver_name:
            self.receiver = self.registry.index_for(self.receiver_name)
        return self.receiver

    def _index_for_id(self, receiver_id: int) -> int:
        """Receiver index of a readsb id seen in this stream (needs a registry)."""
        assert self.registry is not None
        return self.registry.index_for_id(f"{receiver_id:016x}", self._default_index())

    def _name_of(self, index: int) -> str | None:
        """Name of a receiver index this parser hands out, None when it has none."""
        if self.registry is not None:
            return self.registry.name_of(index)
        if self.receiver_name and index == self.receiver:
            return self.receiver_name
        return None


def _parse_streams(
    parsers: list[BeastParser], parts: list[bytes], now_s: npt.NDArray[np.float64]
) -> FrameBatch:
    """Frame the escaped bytes of several streams at once (see the module docstring).

    Streams are joined with one 0x00 byte between them, so no run of 0x1a spans two
    streams, and each stream's end counts as a frame boundary.
    """
    k = len(parts)
    lens = np.fromiter((len(x) for x in parts), np.int64, k)
    a = np.frombuffer(b"\x00".join(parts), np.uint8)
    s_start = np.zeros(k, np.int64)
    s_start[1:] = np.cumsum(lens + 1)[:-1]
    s_end = s_start + lens
    raw = a
    starts_raw, dropped = _frame_starts(a)
    if starts_raw.size and (a[np.minimum(starts_raw + 1, a.size - 1)] == TYPE_UTC_STAMP).any():
        a, starts_raw, dropped = _clear_stamp_payloads(a, starts_raw, dropped, s_start, s_end)
    # Unescaped coordinates: raw position minus the escape bytes before it.
    if dropped.size:
        d_before = np.searchsorted(dropped, starts_raw)
        starts = starts_raw - d_before
        end_u = s_end - np.searchsorted(dropped, s_end)
        start_u = s_start - np.searchsorted(dropped, s_start)
    else:
        d_before = np.zeros(starts_raw.size, np.int64)
        starts, end_u, start_u = starts_raw, s_end, s_start
    sid = np.searchsorted(s_start, starts_raw, side="right") - 1
    has_start = np.zeros(k, np.bool_)
    has_start[sid] = True
    garbage = np.where(has_start, 0, end_u - start_u).astype(np.int64)  # streams of junk
    if starts_raw.size == 0:
        _count(parsers, garbage=garbage)
        return FrameBatch.empty(0)
    last_in = np.ones(starts.size, np.bool_)
    last_in[:-1] = sid[1:] != sid[:-1]
    first_in = np.ones(starts.size, np.bool_)
    first_in[1:] = last_in[:-1]
    nxt = np.empty(starts.size, np.int64)
    nxt[:-1] = starts[1:]
    nxt = np.where(last_in, end_u[sid], nxt)
    gap = nxt - starts - 2
    types = a[starts_raw + 1]
    need = _NEED[types]
    hold = last_in & (((need > 0) & (gap < need)) | ((need == 0) & (gap <= _MAX_UUID_BYTES)))
    for r in np.flatnonzero(hold).tolist():
        # Unfinished last frame of a stream: keep its raw bytes (and a held 0x1a).
        p = parsers[int(sid[r])]
        p._tail = raw[int(starts_raw[r]) : int(s_end[sid[r]])].tobytes() + p._tail
    active = ~hold
    known = need >= 0
    variable = need == 0
    complete = active & known & ~variable & (gap >= need)
    complete |= active & variable & (gap > 0) & (gap <= _MAX_UUID_BYTES)
    used = np.where(variable, gap, need)
    # Garbage: before each stream's first start, after each record, whole bad records.
    per_record = np.where(complete, gap - used, np.where(active, gap + 2, 0))
    garbage += np.bincount(sid, per_record, minlength=k).astype(np.int64)
    np.add.at(garbage, sid[first_in], starts[first_in] - start_u[sid[first_in]])
    _count(
        parsers,
        garbage=garbage,
        unknown=_per_stream(sid, active & ~known, k),
        torn=_per_stream(sid, active & known & ~complete, k),
    )
    keep = np.flatnonzero(complete)
    if keep.size == 0:
        return FrameBatch.empty(0)
    k_raw = starts_raw[keep]
    records = _rows(a, k_raw + 2, _RECORD_BYTES)
    if dropped.size:
        # Records with escaped bytes before the next boundary: unescape those rows only.
        d_next = np.empty(starts_raw.size, np.int64)  # escapes before the next boundary
        d_next[:-1] = d_before[1:]
        d_next[last_in] = np.searchsorted(dropped, s_end[sid[last_in]])
        esc = np.flatnonzero(d_next[keep] > d_before[keep])
        if esc.size:
            records[esc] = _unescape_rows(_rows(a, k_raw[esc] + 2, 2 * _RECORD_BYTES))
    k_types = types[keep]
    stamp_ms = np.zeros(keep.size, np.int64)
    st = np.flatnonzero(k_types == TYPE_UTC_STAMP)
    if st.size:  # the raw bytes: 0x1a among them was cleared in ``a``
        stamp_ms[st] = raw[k_raw[st, None] + 2 + np.arange(8)].copy().view("<i8").ravel()
    for r in np.flatnonzero(k_types == TYPE_UUID).tolist():
        i = int(keep[r])
        raw = a[int(starts_raw[i]) + 2 : int(s_end[sid[i]] if last_in[i] else starts_raw[i + 1])]
        p = parsers[int(sid[i])]
        p.uuid = raw.tobytes().replace(b"\x1a\x1a", b"\x1a")[: int(gap[i])]
        p.counters.uuid_frames += 1
    return _records_to_batch(parsers, records, k_types, sid[keep], now_s, stamp_ms)


def _frame_starts(a: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Frame starts and dropped escape bytes (raw positions) by the parity of 0x1a runs."""
    z = np.flatnonzero(a == BEAST_ESCAPE)
    starts_raw = z
    dropped = z[:0]
    if z.size:
        run_first = np.empty(z.size, np.bool_)
        run_first[0] = True
        np.not_equal(np.diff(z), 1, out=run_first[1:])
        if not run_first.all():
            first_idx = np.flatnonzero(run_first)
            pos_in_run = z - z[first_idx][np.cumsum(run_first) - 1]
            run_last = np.empty(z.size, np.bool_)
            run_last[-1] = True
            run_last[:-1] = run_first[1:]
            odd = (pos_in_run & 1).astype(np.bool_)
            starts_raw = z[run_last & ~odd]
            dropped = z[odd]
    return starts_raw, dropped


def _clear_stamp_payloads(
    a: npt.NDArray[np.uint8],
    starts_raw: npt.NDArray[np.intp],
    dropped: npt.NDArray[np.intp],
    s_start: npt.NDArray[np.int64],
    s_end: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """A copy of ``a`` without 0x1a in the raw 8-byte payload of any UTC stamp, and its
    framing. A stamp start inside an earlier stamp's payload waits for the next round (it
    goes away once that payload is cleared), so each round clears only true payload bytes."""
    out = a
    for _ in range(a.size):
        st = starts_raw[out[np.minimum(starts_raw + 1, out.size - 1)] == TYPE_UTC_STAMP]
        if st.size > 1:
            st = st[np.concatenate([[True], np.diff(st) >= 10])]
        end = s_end[np.searchsorted(s_start, st, side="right") - 1]
        pos = st[:, None] + 2 + np.arange(8)
        inside = pos < end[:, None]
        hit = inside & (out[np.minimum(pos, out.size - 1)] == BEAST_ESCAPE)
        if not hit.any():
            break
        if out is a:
            out = a.copy()
        out[pos[hit]] = 0
        starts_raw, dropped = _frame_starts(out)
    return out, starts_raw, dropped


def _per_stream(
    sid: npt.NDArray[np.intp], mask: npt.NDArray[np.bool_], k: int
) -> npt.NDArray[np.int64]:
    """How many rows of each stream ``mask`` selects."""
    if k == 1:
        return np.array([np.count_nonzero(mask)], np.int64)
    return np.bincount(sid[mask], minlength=k).astype(np.int64)


def _count(
    parsers: list[BeastParser],
    *,
    garbage: npt.NDArray[np.int64],
    unknown: npt.NDArray[np.int64] | None = None,
    torn: npt.NDArray[np.int64] | None = None,
) -> None:
    for i, p in enumerate(parsers):
        p.counters.garbage_bytes += int(garbage[i])
        if unknown is not None and torn is not None:
            p.counters.unknown_type += int(unknown[i])
            p.counters.torn += int(torn[i])


def _records_to_batch(
    parsers: list[BeastParser],
    records: npt.NDArray[np.uint8],
    types: npt.NDArray[np.uint8],
    sid: npt.NDArray[np.intp],
    now_s: npt.NDArray[np.float64],
    stamp_ms: npt.NDArray[np.int64],
) -> FrameBatch:
    """Complete records (unescaped bytes after the type byte, one row each, in stream order,
    ``sid`` = index of the parser they came from; ``stamp_ms`` the value of UTC-stamp rows)
    -> one batch of frames. Status, position, receiver-id and stamp records update their
    parser."""
    k = len(parsers)
    status = _per_stream(sid, types == TYPE_STATUS, k)
    stamps = _per_stream(sid, types == TYPE_UTC_STAMP, k)
    for i, p in enumerate(parsers):
        p.counters.status_frames += int(status[i])
        p.counters.utc_stamp_frames += int(stamps[i])
    for r in np.flatnonzero(types == TYPE_POSITION).tolist():
        p = parsers[int(sid[r])]
        p.counters.position_frames += 1
        lat, lon, alt = records[r, 4:16].copy().view("<f4").astype(float)
        if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
            p.receiver_position = (float(lat), float(lon), float(alt))
    fidx = np.flatnonzero(_MSG_LEN[types] > 0)
    m = int(fidx.size)
    all_frames = m == records.shape[0]
    receivers, with_ids = _receiver_column(parsers, records, types, sid, fidx)
    if m == 0:
        for r in np.flatnonzero(types == TYPE_UTC_STAMP).tolist():  # a stamp without frames
            p = parsers[int(sid[r])]
            if p.utc_stamps:
                p._stamp_s = float(stamp_ms[r]) / 1000.0
                p._stamp_waiting = True
        return FrameBatch.empty(0)
    rec = records if all_frames else records[fidx]
    ft = types if all_frames else types[fidx]
    fsid = sid if all_frames else sid[fidx]
    ticks = rec[:, 0].astype(np.uint64)
    for j in range(1, 6):  # 6-byte big-endian counter, one byte column at a time
        ticks = (ticks << np.uint64(8)) | rec[:, j]
    payload = np.ascontiguousarray(rec[:, 7:])
    length = _MSG_LEN[ft]
    # A short record's row ran into whatever followed it: clear those bytes.
    payload[:, 7:] *= (length == 14)[:, None]
    mode_ac = ft == TYPE_MODE_AC
    if mode_ac.any():
        payload[mode_ac, 2:7] = 0
    kind = np.where(mode_ac, FrameKind.MODE_AC, FrameKind.MODE_S).astype(np.uint8)
    mlat = ticks == MLAT_MAGIC_TICKS
    kind[mlat] = FrameKind.MLAT
    batch = FrameBatch(
        time_s=now_s[fsid] if now_s.size > 1 else np.full(m, now_s[0], np.float64),
        receiver=receivers,
        receiver_ticks=ticks,
        signal_dbfs=_DBFS[rec[:, 6]],
        kind=kind,
        length=length,
        payload=payload,
    )
    _stamp_times(parsers, types, sid, fidx, stamp_ms, batch)
    n_frames = np.bincount(fsid, minlength=k)
    n_mlat = _per_stream(fsid, mlat, k)
    for i, p in enumerate(parsers):
        p.counters.frames += int(n_frames[i])
        p.counters.mlat_frames += int(n_mlat[i])
    names: dict[int, str] = {}
    if with_ids:
        pairs = np.unique((fsid.astype(np.uint64) << np.uint64(32)) | receivers.astype(np.uint64))
        owners = [(v >> 32, v & 0xFFFFFFFF) for v in pairs.tolist()]
    else:  # every frame carries its parser's own receiver
        owners = [(i, parsers[i]._default_index()) for i in np.flatnonzero(n_frames).tolist()]
    for i, rcv in owners:
        name = parsers[i]._name_of(rcv)
        if name is not None:
            names[rcv] = name
    batch.receivers = names
    return batch


def _receiver_column(
    parsers: list[BeastParser],
    records: npt.NDArray[np.uint8],
    types: npt.NDArray[np.uint8],
    sid: npt.NDArray[np.intp],
    fidx: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.uint32], bool]:
    """Receiver index per frame: the last readsb id before it in its own stream (or carried
    over from an earlier feed), else its parser's own receiver. The flag says whether any
    frame got a readsb id."""
    defaults = np.fromiter((p._default_index() for p in parsers), np.uint32, len(parsers))
    out = defaults[sid[fidx]]
    is_id = types == TYPE_RECEIVER_ID
    carried = [p._current_id for p in parsers]
    if not is_id.any() and all(c is None for c in carried):
        return out, False
    n_ids = _per_stream(sid, is_id, len(parsers))
    for i, p in enumerate(parsers):
        p.counters.receiver_id_frames += int(n_ids[i])
    ids = np.zeros(types.size, np.uint64)
    ids[is_id] = records[is_id, :8].copy().view(">u8").ravel()
    last = np.maximum.accumulate(np.where(is_id, np.arange(types.size), -1))
    first_of_stream = np.searchsorted(sid, sid)  # sid is sorted: streams are in order
    own = last >= first_of_stream  # an id record earlier in the same stream
    frame_ids = np.zeros(fidx.size, np.uint64)
    have = np.zeros(fidx.size, np.bool_)
    own_f = own[fidx]
    frame_ids[own_f] = ids[last[fidx][own_f]]
    have |= own_f
    has_carried = np.array([c is not None for c in carried])
    carried_ids = np.array([c or 0 for c in carried], np.uint64)
    fsid = sid[fidx]
    rows = ~own_f & has_carried[fsid]
    frame_ids[rows] = carried_ids[fsid[rows]]
    have |= rows
    for r in np.flatnonzero(is_id).tolist():  # remember each stream's latest id
        parsers[int(sid[r])]._current_id = int(ids[r])
    have &= np.array([p.registry is not None for p in parsers])[fsid]
    if not have.any():
        return out, False
    # Each stream registers its ids under its own receiver (the registry bounds how many).
    pairs, inverse = np.unique(
        np.stack([fsid[have].astype(np.uint64), frame_ids[have]]), axis=1, return_inverse=True
    )
    index_of = np.fromiter(
        (parsers[int(s)]._index_for_id(int(v)) for s, v in pairs.T.tolist()), np.uint32
    )
    out[have] = index_of[inverse.ravel()]
    return out, True


def _stamp_times(
    parsers: list[BeastParser],
    types: npt.NDArray[np.uint8],
    sid: npt.NDArray[np.intp],
    fidx: npt.NDArray[np.intp],
    stamp_ms: npt.NDArray[np.int64],
    batch: FrameBatch,
) -> None:
    """Time the frames of streams that take UTC stamps (see the module docstring), in place;
    update each such parser's stamp in force and its receivers' anchors."""
    k = len(parsers)
    accept = np.fromiter((p.utc_stamps for p in parsers), np.bool_, k)
    if not accept.any():
        return
    is_st = (types == TYPE_UTC_STAMP) & accept[sid]
    carried = np.fromiter((p._stamp_s for p in parsers), np.float64, k)
    if not is_st.any() and np.isnan(carried[accept]).all():
        return
    n = types.size
    last_st = np.maximum.accumulate(np.where(is_st, np.arange(n), -1))
    own = last_st >= np.searchsorted(sid, sid)  # a stamp earlier in the same stream
    in_force = np.where(own, stamp_ms[np.maximum(last_st, 0)] / 1000.0, carried[sid])
    f_sid = sid[fidx]
    f_force = in_force[fidx]
    ticks = batch.receiver_ticks
    counted = (ticks != 0) & (ticks != MLAT_MAGIC_TICKS)
    # The frame right after a stamp (no frame record between them) is that stamp's anchor.
    prev_rec = np.full(fidx.size, -1, np.intp)
    prev_rec[1:] = np.where(f_sid[1:] == f_sid[:-1], fidx[:-1], -1)
    f_last = last_st[fidx]
    waiting = np.fromiter((p._stamp_waiting for p in parsers), np.bool_, k)
    first_frame = prev_rec < 0  # first frame of its stream in this feed
    after_stamp = np.where(own[fidx], f_last > prev_rec, first_frame & waiting[f_sid])
    is_anchor = after_stamp & counted & accept[f_sid]
    rx = batch.receiver
    m = fidx.size
    order = np.lexsort((np.arange(m), rx, f_sid))
    o_sid, o_rx = f_sid[order], rx[order]
    new_group = np.ones(m, np.bool_)
    new_group[1:] = (o_sid[1:] != o_sid[:-1]) | (o_rx[1:] != o_rx[:-1])
    gid = np.cumsum(new_group) - 1
    base = gid.astype(np.int64) * (m + 1)
    filled = np.maximum.accumulate(np.where(is_anchor[order], base + order + 1, base))
    a_pos = np.empty(m, np.int64)
    a_pos[order] = filled - base - 1  # latest anchor frame of the same receiver, -1: none
    anchor_s = np.full(m, np.nan)
    anchor_t = np.zeros(m, np.int64)
    have = a_pos >= 0
    anchor_s[have] = f_force[a_pos[have]]
    anchor_t[have] = ticks[a_pos[have]].astype(np.int64)
    # Frames before any anchor in this chunk: the parser's anchor of their receiver, or one
    # made at the receiver's first counted frame with the stamp in force.
    need = np.flatnonzero(~have & counted & accept[f_sid] & np.isfinite(f_force))
    made: dict[tuple[int, int], tuple[float, int]] = {}
    if need.size:
        keys = (f_sid[need].astype(np.uint64) << np.uint64(32)) | rx[need].astype(np.uint64)
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        got_s = np.empty(uniq.size)
        got_t = np.empty(uniq.size, np.int64)
        for g, (key, j) in enumerate(zip(uniq.tolist(), need[first].tolist(), strict=True)):
            owner, receiver = key >> 32, key & 0xFFFFFFFF
            got = parsers[owner]._anchors.get(receiver) or (float(f_force[j]), int(ticks[j]))
            made[(owner, receiver)] = got
            got_s[g], got_t[g] = got
        anchor_s[need] = got_s[inverse.ravel()]
        anchor_t[need] = got_t[inverse.ravel()]
    wrapped = (ticks.astype(np.int64) - anchor_t) % _TICK_WRAP
    delta = np.where(wrapped >= _TICK_WRAP // 2, wrapped - _TICK_WRAP, wrapped) / _TICK_HZ
    timed = np.where(
        counted & np.isfinite(anchor_s) & (np.abs(delta) <= _MAX_ANCHOR_S),
        anchor_s + delta,
        f_force,
    )
    use = accept[f_sid] & np.isfinite(timed)
    batch.time_s[use] = timed[use]
    # Carry the stamp in force and each receiver's latest anchor to the next feed.
    for i in np.flatnonzero(accept).tolist():
        p = parsers[i]
        rows = np.flatnonzero(sid == i)
        if rows.size:
            p._stamp_s = float(in_force[rows[-1]])
        frames_i = fidx[f_sid == i]
        stamps_i = rows[is_st[rows]]
        if stamps_i.size:
            p._stamp_waiting = not frames_i.size or int(stamps_i[-1]) > int(frames_i[-1])
        elif frames_i.size:
            p._stamp_waiting = False
    for (owner, receiver), got in made.items():
        parsers[owner]._anchors[receiver] = got
    group_last = order[np.concatenate([new_group[1:], [True]])]
    for j in group_last[have[group_last]].tolist():  # each receiver's latest anchor
        parsers[int(f_sid[j])]._anchors[int(rx[j])] = (float(anchor_s[j]), int(anchor_t[j]))
