"""Times for frames that carry none (AVR ``*`` records, hex lines), paced by the squitters.

An untimed recording still says how much time passed: every ADS-B transponder broadcasts its
position squitter (DF17/18, type codes 5-18 and 20-22) about twice a second (DO-260B 2.4.3.3:
airborne position every 0.4-0.6 s, surface position every 0.4-0.6 s when moving and every
4.8-5.2 s when stationary). ``n`` position squitters of one aircraft therefore span at least
about ``(n - 1) * SQUITTER_INTERVAL_S``, and the best estimate of the time elapsed between two
frames is the largest such bound over the aircraft heard between them.

``SquitterPace`` keeps that bound as one clock per aircraft, in one pass in file order:

    at a position squitter of aircraft a:  c[a] = max(c[a] + interval, T)   (c[a] = T if new)
                                           T    = max(T, c[a])
    at a frame with its own time t:        T    = max(T, t)

so ``T`` is the smallest clock that satisfies every aircraft's bound: two aircraft heard at
the same time move it at their common rate (not twice it), and an aircraft back after a gap
only catches up. Frames between two steps of ``T`` get ``T`` plus ``STEP_S`` (1 us) per frame
since the step, so times are strictly increasing and the de-duplication window slides.

What it cannot know: silence. A gap with no aircraft heard takes no time, and a receiver that
hears only part of an aircraft's squitters makes the clock run slow, so the times are a lower
bound (on long_flight.csv, heard from on board one aircraft: 6,100 s for 7,065 s, 297 s per
300 s in cruise). The CRC is not checked here: a corrupted squitter names an aircraft heard
once, whose clock starts at ``T`` and never moves it.

Pure arithmetic on the columns passed in; one loop step per position squitter (a few per cent
of the frames), the rest is numpy. Not thread-safe: one per file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["SQUITTER_INTERVAL_S", "STEP_S", "SquitterPace", "position_squitters"]

SQUITTER_INTERVAL_S: Final = 0.5
STEP_S: Final = 1e-6


def position_squitters(
    payload: npt.NDArray[np.uint8], length: npt.NDArray[np.uint8]
) -> npt.NDArray[np.bool_]:
    """Rows that are ADS-B position squitters (DF17/18, type code 5-18 or 20-22)."""
    df = payload[:, 0] >> 3
    tc = payload[:, 4] >> 3
    es = (length == 14) & ((df == 17) | (df == 18))
    return es & (((tc >= 5) & (tc <= 18)) | ((tc >= 20) & (tc <= 22)))


@dataclass(slots=True)
class SquitterPace:
    """Clock for untimed frames (see the module docstring); ``now_s`` is ``T``."""

    start_s: float
    interval_s: float = SQUITTER_INTERVAL_S
    now_s: float = math.nan
    _aircraft: dict[int, float] = field(default_factory=dict)
    _step_row: int = 0  # row of T's last step, counted from the next batch's first row

    def observe(self, time_s: npt.NDArray[np.float64]) -> None:
        """A batch whose frames all carry a time: ``T`` moves on to the latest."""
        if time_s.size == 0:
            return
        latest = float(time_s.max())
        if math.isnan(self.now_s) or latest > self.now_s:
            self.now_s = latest
        self._step_row -= time_s.size

    def fill(
        self,
        time_s: npt.NDArray[np.float64],
        timed: npt.NDArray[np.bool_],
        payload: npt.NDArray[np.uint8],
        length: npt.NDArray[np.uint8],
    ) -> None:
        """Give every row where ``timed`` is False a time, in place (rows in file order)."""
        n = time_s.size
        if n == 0:
            return
        if math.isnan(self.now_s):
            self.now_s = self.start_s
            self._step_row = 0  # the first frame gets start_s itself
        icao = (
            payload[:, 1].astype(np.int64) << 16
            | payload[:, 2].astype(np.int64) << 8
            | payload[:, 3].astype(np.int64)
        )
        rows = np.flatnonzero((position_squitters(payload, length) & ~timed) | timed)
        step_s = np.full(n, np.nan)
        now, last = self.now_s, self._step_row
        carried_s = now
        clocks, interval = self._aircraft, self.interval_s
        for i, is_timed, a, t in zip(
            rows.tolist(), timed[rows].tolist(), icao[rows].tolist(), time_s[rows].tolist(),
            strict=True,
        ):  # fmt: skip
            if is_timed:
                new = t
            else:
                c = clocks.get(a)
                new = now if c is None or c + interval < now else c + interval
                clocks[a] = new
            if new > now:
                # never at or behind the frames handed out since the last step
                now = max(new, now + (i - last) * STEP_S)
                last = i
                step_s[i] = now
        at = np.arange(n)
        is_step = ~np.isnan(step_s)
        in_batch = np.maximum.accumulate(np.where(is_step, at, -1))  # last step in this batch
        carried = in_batch < 0
        step_row = np.where(carried, self._step_row, in_batch)
        base = np.where(carried, carried_s, step_s[np.maximum(in_batch, 0)])
        untimed = ~timed
        time_s[untimed] = base[untimed] + (at - step_row)[untimed] * STEP_S
        self.now_s, self._step_row = now, last - n
