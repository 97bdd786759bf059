"""Receiver (feeder) identities and their running statistics.

This module owns two things every source shares:

* ``ReceiverRegistry`` — a stable mapping from a feeder's name (a readsb receiver id as 16 hex
  digits, a feeder key's configured name, ``host:port`` for pull connections, a file name) to
  the small integer used in ``FrameBatch.receiver``. Index 0 is reserved for "unknown".
* ``ReceiverCounters`` — mutable per-receiver counters (frames, bad frames, bytes, first and
  last frame, a smoothed frame rate) that a source updates as it reads and that turn into
  ``skytrace.model.ReceiverStats`` records on demand.

Bounded state: a receiver named by a readsb receiver id (0xe3) inside a stream is a *child* of
the connection's own receiver. ``index_for_id`` registers at most ``id_budget(parent)`` children
per parent (``default_id_budget`` unless the server set one with ``set_id_budget``) and at most
``max_receivers`` receivers in all; an id beyond either bound is not registered (its frames
keep the parent's index; ``refused_ids`` counts them). ``disconnect`` marks a receiver and its
children disconnected (``disconnected_s``); ``expire`` forgets receivers that are neither
pinned (configured feeders, pull targets) nor active for ``silent_s``. Indexes are never
reused: a receiver that returns after being forgotten gets a new one.

``write_receivers_json`` / ``read_receivers_json`` store those records in
``<data_dir>/receivers.json`` (written atomically: temp file + rename) so that
``skytrace receivers`` can print what a running server sees; each row may carry
``disconnected_since_s`` besides the ``ReceiverStats`` fields (``read_receivers_file``).

Not thread-safe: one registry is used by one event loop or one replay.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from skytrace.errors import SourceError
from skytrace.fileio import write_text_atomic
from skytrace.model import ReceiverStats

__all__ = [
    "RECEIVERS_JSON",
    "ReceiverCounters",
    "ReceiverRegistry",
    "ReceiverRow",
    "ReceiversFile",
    "json_value",
    "read_receivers_file",
    "read_receivers_json",
    "write_receivers_json",
]

RECEIVERS_JSON: Final = "receivers.json"
UNKNOWN_RECEIVER: Final = "unknown"

# Frame-rate smoothing: exponential moving average with this time constant.
_RATE_TAU_S: Final = 10.0


@dataclass(slots=True)
class ReceiverCounters:
    """Running counters of one receiver; ``snapshot()`` turns them into a ReceiverStats."""

    receiver: int
    name: str
    address: str = ""
    connected_since_s: float = math.nan
    last_frame_s: float = math.nan
    frames: int = 0
    bad_frames: int = 0
    garbage_bytes: int = 0
    bytes_in: int = 0
    frames_per_s: float = 0.0
    lat: float = math.nan
    lon: float = math.nan
    clock_rate_hz: float = math.nan
    clock_offset_s: float = math.nan
    connected: bool = False
    disconnected_s: float = math.nan  # when the last connection closed (NaN: never / open)
    _rate_t_s: float = math.nan
    _rate_frames: int = 0

    def add(self, frames: int, bad: int, garbage_bytes: int, nbytes: int, now_s: float) -> None:
        """Count one chunk's worth of traffic received at ``now_s``."""
        self.frames += frames
        self.bad_frames += bad
        self.garbage_bytes += garbage_bytes
        self.bytes_in += nbytes
        if frames:
            self.last_frame_s = now_s
        if self._rate_t_s != self._rate_t_s:  # NaN: first chunk
            self._rate_t_s = now_s
            self._rate_frames = self.frames
            return
        dt = now_s - self._rate_t_s
        if dt >= 1.0:
            rate = (self.frames - self._rate_frames) / dt
            weight = 1.0 - math.exp(-dt / _RATE_TAU_S)
            if self.frames_per_s == 0.0:
                weight = 1.0
            self.frames_per_s += weight * (rate - self.frames_per_s)
            self._rate_t_s = now_s
            self._rate_frames = self.frames

    def rate_at(self, now_s: float) -> float:
        """The smoothed frame rate as of ``now_s``: no frames since the last update decay it,
        and a disconnected receiver sends none."""
        if not self.connected:
            return 0.0
        quiet_s = now_s - self._rate_t_s
        if quiet_s >= 1.0:  # nothing counted since: the rate observed since then is zero
            return self.frames_per_s * math.exp(-quiet_s / _RATE_TAU_S)
        return self.frames_per_s

    def last_active_s(self) -> float:
        """Latest sign of life: a frame, a connect or a disconnect (NaN: none)."""
        times = [t for t in (self.last_frame_s, self.connected_since_s, self.disconnected_s)
                 if not math.isnan(t)]  # fmt: skip
        return max(times) if times else math.nan

    def snapshot(self, now_s: float | None = None) -> ReceiverStats:
        """The counters as a record; with ``now_s`` the frame rate is brought up to then."""
        return ReceiverStats(
            receiver=self.receiver,
            name=self.name,
            connected_since_s=self.connected_since_s,
            last_frame_s=self.last_frame_s,
            frames=self.frames,
            bad_frames=self.bad_frames,
            bytes_in=self.bytes_in,
            frames_per_s=self.frames_per_s if now_s is None else self.rate_at(now_s),
            lat=self.lat,
            lon=self.lon,
            clock_rate_hz=self.clock_rate_hz,
            clock_offset_s=self.clock_offset_s,
            address=self.address,
            connected=self.connected,
            garbage_bytes=self.garbage_bytes,
        )


@dataclass(slots=True)
class ReceiverRegistry:
    """Feeder name <-> receiver index, and the counters of each receiver (see the module
    docstring for the bounds on receiver ids and for expiry)."""

    max_receivers: int = 20_000
    default_id_budget: int = 20_000
    refused_ids: int = 0  # readsb ids not registered: over a parent's budget or the total
    expired: int = 0
    _index: dict[str, int] = field(default_factory=dict)
    counters: dict[int, ReceiverCounters] = field(default_factory=dict)
    _next: int = 1
    _parent: dict[int, int] = field(default_factory=dict)  # child index -> parent index
    _children: dict[int, set[int]] = field(default_factory=dict)
    _budget: dict[int, int] = field(default_factory=dict)
    _pinned: set[int] = field(default_factory=set)

    def index_for(self, name: str, address: str = "") -> int:
        """The receiver index of ``name``, registering it on first sight (never 0)."""
        idx = self._index.get(name)
        if idx is None:
            idx = self._next
            self._next += 1
            self._index[name] = idx
            self.counters[idx] = ReceiverCounters(receiver=idx, name=name, address=address)
        return idx

    def index_for_id(self, name: str, parent: int) -> int:
        """The index of a receiver named inside the stream of ``parent`` (a readsb id), or
        ``parent`` itself when registering it would pass the parent's budget or the total."""
        idx = self._index.get(name)
        if idx is not None:
            return idx
        kids = self._children.get(parent, set())
        budget = self._budget.get(parent, self.default_id_budget)
        if len(kids) >= budget or len(self.counters) >= self.max_receivers:
            self.refused_ids += 1
            return parent
        parent_counters = self.counters.get(parent)
        idx = self.index_for(name, parent_counters.address if parent_counters else "")
        self._children.setdefault(parent, set()).add(idx)
        self._parent[idx] = parent
        return idx

    def set_id_budget(self, parent: int, budget: int) -> None:
        """How many readsb ids the stream of ``parent`` may register."""
        self._budget[parent] = budget

    def pin(self, index: int) -> None:
        """Never expire this receiver (a configured feeder, a pull target)."""
        self._pinned.add(index)

    def parent_of(self, index: int) -> int | None:
        return self._parent.get(index)

    def disconnect(self, index: int, now_s: float) -> None:
        """The connection of ``index`` closed: it and the receivers named in its stream are
        disconnected as of ``now_s``."""
        for i in (index, *self._children.get(index, ())):
            c = self.counters.get(i)
            if c is not None and c.connected:
                c.connected = False
                c.disconnected_s = now_s

    def disconnect_all(self, now_s: float) -> None:
        for i in list(self.counters):
            self.disconnect(i, now_s)

    def expire(self, now_s: float, silent_s: float) -> list[int]:
        """Forget receivers not pinned and not active for ``silent_s`` (a connected parent is
        active; a child is active while it sends frames). Returns the indexes forgotten."""
        gone = []
        for i, c in self.counters.items():
            if i in self._pinned or (c.connected and i not in self._parent):
                continue
            last = c.last_active_s()
            if math.isnan(last) or now_s - last > silent_s:
                gone.append(i)
        for i in gone:
            c = self.counters.pop(i)
            self._index.pop(c.name, None)
            self._budget.pop(i, None)
            parent = self._parent.pop(i, None)
            if parent is not None:
                self._children.get(parent, set()).discard(i)
            for child in self._children.pop(i, set()):
                self._parent.pop(child, None)
        self.expired += len(gone)
        return gone

    def name_of(self, index: int) -> str:
        c = self.counters.get(index)
        return c.name if c is not None else UNKNOWN_RECEIVER

    def names(self) -> dict[int, str]:
        return {i: c.name for i, c in self.counters.items()}

    def stats(self, now_s: float | None = None) -> list[ReceiverStats]:
        """A snapshot of every receiver's statistics, by index, with frame rates as of
        ``now_s`` (default: the wall clock; a live registry counts wall-clock arrivals)."""
        now = time.time() if now_s is None else now_s
        return [self.counters[i].snapshot(now) for i in sorted(self.counters)]

    def disconnected_since(self) -> dict[int, float]:
        """When each disconnected receiver's connection closed, by index."""
        return {
            i: c.disconnected_s
            for i, c in self.counters.items()
            if not c.connected and not math.isnan(c.disconnected_s)
        }


@dataclass(frozen=True, slots=True)
class ReceiverRow:
    """One row of receivers.json: the statistics and, when it left, since when."""

    stats: ReceiverStats
    disconnected_since_s: float = math.nan
    mlat: Mapping[str, Any] | None = None  # what MLAT knows of it (state, pairs, noise, fixes)


@dataclass(frozen=True, slots=True)
class ReceiversFile:
    """What ``read_receivers_file`` read: when it was written, and the rows."""

    written_s: float
    rows: tuple[ReceiverRow, ...]


def write_receivers_json(
    path: Path,
    stats: list[ReceiverStats],
    now_s: float,
    disconnected_since: Mapping[int, float] | None = None,
    mlat: Mapping[int, Mapping[str, Any]] | None = None,
) -> None:
    """Write receiver statistics atomically (temp file in the same folder + rename);
    ``disconnected_since`` (receiver index -> UTC s) adds when each one left, ``mlat``
    (receiver index -> ReceiverSyncState.as_json()) what multilateration knows of it."""
    left = disconnected_since or {}
    rows = []
    for s in stats:
        row = {k: json_value(v) for k, v in asdict(s).items()}
        if s.receiver in left:
            row["disconnected_since_s"] = json_value(left[s.receiver])
        if mlat and s.receiver in mlat:
            row["mlat"] = dict(mlat[s.receiver])
        rows.append(row)
    write_text_atomic(path, json.dumps({"now": now_s, "receivers": rows}, indent=1))


def json_value(v: object) -> object:
    """JSON has no NaN: an unknown (NaN) number is written as null."""
    return None if isinstance(v, float) and math.isnan(v) else v


_STATS_FIELDS: Final = frozenset(f.name for f in fields(ReceiverStats))
_TEXT_FIELDS: Final = frozenset({"name", "address"})
_FLAG_FIELDS: Final = frozenset({"connected"})


def _checked(key: str, value: object) -> object:
    """A receivers.json value of the type its field needs (TypeError otherwise)."""
    if value is None:
        return math.nan
    if key in _TEXT_FIELDS:
        ok = isinstance(value, str)
    elif key in _FLAG_FIELDS:
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise TypeError(f"{key} is {str(value)[:40]!r}")
    return value


def read_receivers_file(path: Path) -> ReceiversFile:
    """Read what ``write_receivers_json`` wrote; SourceError when absent or malformed."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("receivers"), list):
            raise TypeError("no 'receivers' list")
        rows = []
        for row in doc["receivers"]:
            if not isinstance(row, dict):
                raise TypeError(f"a receiver row is a {type(row).__name__}, not an object")
            values: dict[str, Any] = {
                k: _checked(k, v) for k, v in row.items() if k in _STATS_FIELDS
            }
            left = row.get("disconnected_since_s")
            mlat = row.get("mlat")
            if mlat is not None and not isinstance(mlat, dict):
                raise TypeError(f"'mlat' of a receiver is a {type(mlat).__name__}, not an object")
            rows.append(
                ReceiverRow(
                    ReceiverStats(**values), math.nan if left is None else float(left), mlat
                )
            )
        return ReceiversFile(float(doc["now"]), tuple(rows))
    except FileNotFoundError as exc:
        raise SourceError(
            f"no receiver statistics at {path} (is `skytrace serve` running with this data dir?)"
        ) from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise SourceError(f"{path}: not a receivers.json file ({str(exc)[:200]})") from exc


def read_receivers_json(path: Path) -> tuple[float, list[ReceiverStats]]:
    """Read what ``write_receivers_json`` wrote: (time written, statistics)."""
    f = read_receivers_file(path)
    return f.written_s, [r.stats for r in f.rows]
