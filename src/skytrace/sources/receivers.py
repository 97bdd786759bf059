"""Receiver (feeder) identities and their running statistics.

This module owns two things every source shares:

* ``ReceiverRegistry`` — a stable mapping from a feeder's name (a readsb receiver id as 16 hex
  digits, a feeder key's configured name, ``host:port`` for pull connections, a file name) to
  the small integer used in ``FrameBatch.receiver``. Index 0 is reserved for "unknown".
* ``ReceiverCounters`` — mutable per-receiver counters (frames, bad frames, bytes, first and
  last frame, a smoothed frame rate) that a source updates as it reads and that turn into
  ``skytrace.model.ReceiverStats`` records on demand.

``write_receivers_json`` / ``read_receivers_json`` store those records in
``<data_dir>/receivers.json`` (written atomically: temp file + rename) so that
``skytrace receivers`` can print what a running server sees.

Not thread-safe: one registry is used by one event loop or one replay.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from skytrace.errors import SourceError
from skytrace.fileio import write_text_atomic
from skytrace.model import ReceiverStats

__all__ = [
    "RECEIVERS_JSON",
    "ReceiverCounters",
    "ReceiverRegistry",
    "json_value",
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

    def snapshot(self) -> ReceiverStats:
        return ReceiverStats(
            receiver=self.receiver,
            name=self.name,
            connected_since_s=self.connected_since_s,
            last_frame_s=self.last_frame_s,
            frames=self.frames,
            bad_frames=self.bad_frames,
            bytes_in=self.bytes_in,
            frames_per_s=self.frames_per_s,
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
    """Feeder name <-> receiver index, and the counters of each receiver."""

    _index: dict[str, int] = field(default_factory=dict)
    counters: dict[int, ReceiverCounters] = field(default_factory=dict)

    def index_for(self, name: str, address: str = "") -> int:
        """The receiver index of ``name``, registering it on first sight (never 0)."""
        idx = self._index.get(name)
        if idx is None:
            idx = len(self._index) + 1
            self._index[name] = idx
            self.counters[idx] = ReceiverCounters(receiver=idx, name=name, address=address)
        return idx

    def name_of(self, index: int) -> str:
        c = self.counters.get(index)
        return c.name if c is not None else UNKNOWN_RECEIVER

    def names(self) -> dict[int, str]:
        return {i: c.name for i, c in self.counters.items()}

    def stats(self) -> list[ReceiverStats]:
        """A snapshot of every receiver's statistics, by index."""
        return [self.counters[i].snapshot() for i in sorted(self.counters)]


def write_receivers_json(path: Path, stats: list[ReceiverStats], now_s: float) -> None:
    """Write receiver statistics atomically (temp file in the same folder + rename)."""
    doc = {
        "now": now_s,
        "receivers": [{k: json_value(v) for k, v in asdict(s).items()} for s in stats],
    }
    write_text_atomic(path, json.dumps(doc, indent=1))


def json_value(v: object) -> object:
    """JSON has no NaN: an unknown (NaN) number is written as null."""
    return None if isinstance(v, float) and math.isnan(v) else v


def read_receivers_json(path: Path) -> tuple[float, list[ReceiverStats]]:
    """Read what ``write_receivers_json`` wrote: (time written, statistics)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for row in doc["receivers"]:
            values: dict[str, Any] = {k: (math.nan if v is None else v) for k, v in row.items()}
            out.append(ReceiverStats(**values))
        return float(doc["now"]), out
    except FileNotFoundError as exc:
        raise SourceError(
            f"no receiver statistics at {path} (is `skytrace serve` running with this data dir?)"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{path}: not a receivers.json file ({exc})") from exc
