"""Frames for the live tests, built by the project's own encoder."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from skytrace import encode
from skytrace.model import FrameBatch

T0 = 1_694_485_000.0  # 2023-09-12 02:16:40 UTC


def cruise_frames(
    icao24: int,
    t0: float = T0,
    n: int = 40,
    *,
    step_s: float = 0.5,
    callsign: str = "KOR151",
    lat0: float = 42.9,
    lon0: float = 131.7,
    altitude_ft: float = 28_000,
    receiver: int = 1,
) -> FrameBatch:
    """An identification then ``n`` airborne positions (even and odd in turn) every
    ``step_s`` seconds, flying north-east: a flight the detector opens after 30 s."""
    k = np.arange(n)
    t = t0 + step_s * k
    position = encode.airborne_position(
        icao24, lat0 + 0.0005 * k, lon0 + 0.0005 * k, altitude_ft, k % 2 == 1
    )
    ident = encode.identification(icao24, callsign, category=3)
    return FrameBatch.from_messages(
        [bytes(ident.payload[0][:14])] + [bytes(p[:14]) for p in position.payload],
        time_s=np.append(t[0] - 0.1, t),
        receiver=receiver,
    )


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self, now_s: float) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout_s`` passes; returns whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
