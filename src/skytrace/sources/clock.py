"""A receiver's 12 MHz counter mapped to UTC: rate and offset fitted from arrival times.

Model: ``utc_s = ticks / rate_hz + offset_s``. Arrival times are the counter's true times plus
a network/buffering delay that is never negative and jitters by tens of milliseconds, so the
fit follows the *lower envelope* of ``arrival - ticks / rate``:

1. Every ``update`` contributes one point: the frame with the smallest residual (least delay)
   against the nominal 12 MHz rate. Points are kept in a bounded window (oldest halved away).
2. The rate is the least-squares slope of ticks over arrival time through the points, refitted
   on the points at or below the first fit (the least delayed half), so that delay spikes do not
   bend it. It is accepted when it lies within ``max_ppm`` of 12 MHz and the points span at
   least ``min_span_s``; before that the nominal rate is used.
3. The offset puts the least delayed point on the line: utc = ticks / rate + offset, so mapped
   times carry the smallest delay seen (a constant) instead of each frame's own jitter.

A counter reset (ticks going backwards, or a jump that puts the residual more than
``reset_s`` off the fit) discards the window and starts again; ``resets`` counts them.
Zero ticks (no timestamp) and the MLAT magic value are ignored.

``CounterTimeline`` times recorded frames that carry a counter but no UTC (Beast and AVR files
without UTC stamps): each receiver's counter runs on its own, anchored where the receiver first
appears at the latest time given so far (the file's start for the first ones):
``time_s = anchor_s + (ticks - anchor_ticks) / 12 MHz``; a counter that goes backwards
re-anchors that receiver at its last time. Receivers interleaved in one file (readsb receiver
ids) thus never shift each other's time.

Pure arithmetic on the values passed in (no clock read). Not thread-safe: one per receiver
(``ReceiverClock``) or per file (``CounterTimeline``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch, FrameKind

__all__ = ["NOMINAL_RATE_HZ", "CounterTimeline", "ReceiverClock", "apply_clocks"]

NOMINAL_RATE_HZ: Final = 12_000_000.0
_MAX_POINTS: Final = 512


@dataclass(slots=True)
class ReceiverClock:
    """Fit of one receiver's counter to UTC (see the module docstring)."""

    max_ppm: float = 2000.0
    min_span_s: float = 2.0
    reset_s: float = 2.0
    rate_hz: float = math.nan
    offset_s: float = math.nan
    resets: int = 0
    _ticks: list[float] = field(default_factory=list)
    _arrival: list[float] = field(default_factory=list)
    _last_ticks: int = -1

    @property
    def fitted(self) -> bool:
        return not math.isnan(self.offset_s)

    def update(self, ticks: npt.ArrayLike, arrival_s: npt.ArrayLike) -> None:
        """Add frames' counter values and arrival times (UTC s) to the fit."""
        t = np.asarray(ticks, np.uint64)
        a = np.asarray(arrival_s, np.float64)
        ok = (t != 0) & (t != np.uint64(0xFF004D4C4154)) & np.isfinite(a)
        if not ok.any():
            return
        t, a = t[ok], a[ok]
        if int(t.min()) < self._last_ticks or (
            self.fitted and abs(self._residual(float(t[0]), float(a[0]))) > self.reset_s
        ):
            self._reset()
        self._last_ticks = int(t.max())
        tf = t.astype(np.float64)
        rate = self.rate_hz if not math.isnan(self.rate_hz) else NOMINAL_RATE_HZ
        i = int(np.argmin(a - tf / rate))
        self._ticks.append(float(tf[i]))
        self._arrival.append(float(a[i]))
        if len(self._ticks) > _MAX_POINTS:
            self._ticks = self._ticks[::2]
            self._arrival = self._arrival[::2]
        self._fit()

    def to_utc(self, ticks: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Counter values -> UTC seconds (NaN before the first fit)."""
        tf = np.asarray(ticks, np.float64)
        if not self.fitted:
            return np.full(tf.shape, np.nan)
        return tf / self.rate_hz + self.offset_s

    def _residual(self, ticks: float, arrival: float) -> float:
        return arrival - (ticks / self.rate_hz + self.offset_s)

    def _reset(self) -> None:
        self.resets += 1
        self._ticks.clear()
        self._arrival.clear()
        self.rate_hz = math.nan
        self.offset_s = math.nan
        self._last_ticks = -1

    def _fit(self) -> None:
        tk = np.asarray(self._ticks)
        ar = np.asarray(self._arrival)
        rate = NOMINAL_RATE_HZ
        if ar.size >= 3 and ar.max() - ar.min() >= self.min_span_s:
            slope = _slope(ar, tk)
            resid = ar - tk / slope
            low = resid <= np.median(resid)
            if np.count_nonzero(low) >= 2 and np.ptp(ar[low]) > 0:
                slope = _slope(ar[low], tk[low])
            if abs(slope / NOMINAL_RATE_HZ - 1.0) * 1e6 <= self.max_ppm:
                rate = slope
        self.rate_hz = rate
        self.offset_s = float(np.min(ar - tk / rate))


def _slope(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    xm = x - x.mean()
    denom = float(np.dot(xm, xm))
    if denom == 0.0:
        return NOMINAL_RATE_HZ
    return float(np.dot(xm, y - y.mean()) / denom)


def apply_clocks(
    batch: FrameBatch, clocks: dict[int, ReceiverClock], *, fill_time: bool = False
) -> None:
    """Update each receiver's clock from ``batch``; with ``fill_time`` replace ``time_s``
    of frames that have a counter value by the fitted UTC (in place)."""
    if len(batch) == 0:
        return
    rows = np.flatnonzero((batch.kind != FrameKind.MLAT) & (batch.receiver_ticks != 0))
    if rows.size == 0:
        return
    # Group rows by receiver with one stable sort (many feeders share a batch).
    receivers = batch.receiver[rows]
    order = np.argsort(receivers, kind="stable")
    rows, receivers = rows[order], receivers[order]
    bounds = np.flatnonzero(np.diff(receivers)) + 1
    for group in np.split(rows, bounds):
        clock = clocks.setdefault(int(batch.receiver[group[0]]), ReceiverClock())
        clock.update(batch.receiver_ticks[group], batch.time_s[group])
        if fill_time and clock.fitted:
            batch.time_s[group] = clock.to_utc(batch.receiver_ticks[group])


@dataclass(slots=True)
class CounterTimeline:
    """Per-receiver counter times for a recorded file (see the module docstring)."""

    start_s: float
    latest_s: float = math.nan
    _anchor: dict[int, tuple[float, int, int]] = field(default_factory=dict)  # s, t0, last

    def times(
        self, receiver: npt.NDArray[np.uint32], ticks: npt.NDArray[np.uint64]
    ) -> npt.NDArray[np.float64]:
        """UTC seconds of frames (in file order) from their receivers' counters."""
        out = np.empty(ticks.size)
        if ticks.size == 0:
            return out
        if math.isnan(self.latest_s):
            self.latest_s = self.start_s
        order = np.argsort(receiver, kind="stable")
        rx = receiver[order]
        bounds = np.flatnonzero(np.diff(rx)) + 1
        for group in np.split(order, bounds):
            r = int(receiver[group[0]])
            tk = ticks[group].astype(np.int64)
            anchor_s, t0, last = self._anchor.get(r, (self.latest_s, int(tk[0]), int(tk[0])))
            back = np.flatnonzero(np.diff(np.concatenate([[last], tk])) < 0)
            resets = set(back.tolist())
            for a, b in itertools.pairwise([0, *sorted(resets), tk.size]):
                if a == b:
                    continue
                if a in resets:  # the counter went backwards (reset): go on from the last time
                    anchor_s += (last - t0) / NOMINAL_RATE_HZ
                    t0 = int(tk[a])
                out[group[a:b]] = anchor_s + (tk[a:b] - t0) / NOMINAL_RATE_HZ
                last = int(tk[b - 1])
            self._anchor[r] = (anchor_s, t0, last)
        self.latest_s = max(self.latest_s, float(out.max()))
        return out
