"""Virtual receivers: who hears which aircraft, when, how loud, with which clock and errors.

Owns the reception model:
- coverage: the radio horizon d = 4.12 km × (√h_rx + √h_ac) with heights in metres above
  mean sea level (4/3 Earth radius), capped by each receiver's ``max_range_km``;
- candidate pairs come from receivers sorted by latitude (only those within the widest possible
  range in latitude are tested), so 25,000 aircraft × 2,000 receivers stay cheap;
- signal: −3 dBFS at 10 km falling 20 dB per decade of distance, ±2 dB of noise, capped at
  −1 dBFS; loss: 3 % of frames always, rising to 90 % as the signal approaches −38 dBFS;
- bit errors: a fraction of frames gets one flipped bit (the decoder's CRC must catch them);
- clocks: each receiver has a free-running 12 MHz counter with its own offset (0-1000 s)
  and drift (±20 ppm), wrapping at 2^48 like a Beast timestamp; optionally (for MLAT) white
  timestamp noise of ``clock_noise_ns`` (1σ) and counter resets at ``clock_resets_s`` (the
  counter restarts from 0 and counts on with the same drift);
- propagation: surface distance / c by default; with ``slant_range`` (scenarios that use MLAT
  features) the straight-line WGS84 distance from where the aircraft was when it sent.

Pure numpy, deterministic for the Generator it is given; not thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.geo import haversine_km
from skytrace.mlat.geodesy import geodetic_to_ecef
from skytrace.simulate.scenario import ReceiverSpec

__all__ = ["Pairs", "ReceiverNetwork", "horizon_km"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

C_KM_S: Final = 299_792.458
TICKS_PER_S: Final = 12_000_000
TICK_WRAP: Final = 1 << 48


def horizon_km(receiver_altitude_m: F64 | float, aircraft_altitude_m: F64 | float) -> F64:
    """Radio line of sight over a smooth 4/3 Earth, both heights in metres above MSL."""
    h_rx = np.sqrt(np.maximum(receiver_altitude_m, 0.0))
    h_ac = np.sqrt(np.maximum(aircraft_altitude_m, 0.0))
    return np.asarray(4.12 * (h_rx + h_ac), np.float64)


@dataclass(slots=True)
class Pairs:
    """Aircraft/receiver pairs in range, grouped by aircraft (CSR: ``start[a]`` .. ``+count``)."""

    receiver: I64
    distance_km: F64
    start: I64  # per aircraft state row
    count: I64


class ReceiverNetwork:
    """A set of receivers with positions, ranges and clocks."""

    def __init__(
        self,
        receivers: list[ReceiverSpec] | tuple[ReceiverSpec, ...],
        rng: np.random.Generator,
        *,
        epoch_s: float = 0.0,
        loss_base: float = 0.03,
        bit_error_rate: float = 0.002,
        slant_range: bool = False,
    ) -> None:
        self.specs = tuple(receivers)
        self.names = [r.name for r in self.specs]
        self.lat = np.array([r.lat for r in self.specs], np.float64)
        self.lon = np.array([r.lon for r in self.specs], np.float64)
        self.altitude_m = np.array([r.altitude_m for r in self.specs], np.float64)
        self.max_range_km = np.array([r.max_range_km for r in self.specs], np.float64)
        n = len(self.specs)
        self.clock_offset_s = rng.uniform(0.0, 1000.0, n)
        self.clock_drift_ppm = rng.normal(0.0, 8.0, n).clip(-20.0, 20.0)
        self.epoch_s = epoch_s
        self.loss_base = loss_base
        self.bit_error_rate = bit_error_rate
        self.slant_range = slant_range
        self._ecef = geodetic_to_ecef(self.lat, self.lon, self.altitude_m)
        self.clock_noise_s = np.array([r.clock_noise_ns for r in self.specs], np.float64) * 1e-9
        self._resets = [np.sort(np.asarray(r.clock_resets_s, np.float64)) for r in self.specs]
        self._by_lat = np.argsort(self.lat, kind="stable")
        self._sorted_lat = self.lat[self._by_lat]

    def __len__(self) -> int:
        return len(self.specs)

    def pairs(self, lat: F64, lon: F64, altitude_ft: F64) -> Pairs:
        """Every (aircraft, receiver) pair within line of sight and receiver range."""
        n = lat.shape[0]
        if n == 0 or len(self) == 0:
            z = np.zeros(0, np.int64)
            return Pairs(z, np.zeros(0), np.zeros(n, np.int64), np.zeros(n, np.int64))
        alt_m = np.maximum(altitude_ft, 0.0) * 0.3048
        reach_km = np.minimum(horizon_km(self.altitude_m.max(), alt_m), self.max_range_km.max())
        reach_deg = reach_km / 111.0 + 0.01
        lo = np.searchsorted(self._sorted_lat, lat - reach_deg, side="left")
        hi = np.searchsorted(self._sorted_lat, lat + reach_deg, side="right")
        counts = hi - lo
        ac = np.repeat(np.arange(n), counts)
        offsets = np.arange(ac.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        rx = self._by_lat[np.repeat(lo, counts) + offsets]
        dist = haversine_km(lat[ac], lon[ac], self.lat[rx], self.lon[rx])
        limit = np.minimum(horizon_km(self.altitude_m[rx], alt_m[ac]), self.max_range_km[rx])
        keep = dist <= limit
        ac, rx, dist = ac[keep], rx[keep], dist[keep]
        count = np.bincount(ac, minlength=n).astype(np.int64)
        start = (np.cumsum(count) - count).astype(np.int64)
        return Pairs(rx.astype(np.int64), dist, start, count)

    def signal_dbfs(self, distance_km: F64, rng: np.random.Generator) -> F64:
        level = -3.0 - 20.0 * np.log10(np.maximum(distance_km, 0.5) / 10.0)
        level = level + rng.normal(0.0, 2.0, distance_km.shape[0])
        return np.asarray(np.minimum(level, -1.0), np.float64)

    def lost(self, signal_dbfs: F64, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
        weak = np.clip((-signal_dbfs - 28.0) / 10.0, 0.0, 1.0) * 0.9
        p = np.maximum(weak, self.loss_base)
        return np.asarray(rng.random(signal_dbfs.shape[0]) < p, np.bool_)

    def ticks(
        self, receiver: I64, time_s: F64, rng: np.random.Generator | None = None
    ) -> npt.NDArray[np.uint64]:
        """Each receiver's 12 MHz counter at the given UTC times (noise drawn from ``rng``
        only for receivers that have some, so networks without it give the same stream)."""
        start = np.full(time_s.shape[0], self.epoch_s)
        offset = self.clock_offset_s[receiver].copy()
        for r, resets in enumerate(self._resets):
            if resets.size == 0:
                continue
            mine = receiver == r
            k = np.searchsorted(resets, time_s[mine], side="right")
            after = k > 0
            idx = np.flatnonzero(mine)[after]
            start[idx] = resets[k[after] - 1]
            offset[idx] = 0.0
        local = (time_s - start) * (1.0 + self.clock_drift_ppm[receiver] * 1e-6) + offset
        if rng is not None and self.clock_noise_s.any():
            local = local + rng.normal(0.0, 1.0, time_s.shape[0]) * self.clock_noise_s[receiver]
        return (np.rint(local * TICKS_PER_S).astype(np.uint64)) % np.uint64(TICK_WRAP)

    def propagation_s(self, distance_km: F64) -> F64:
        return np.asarray(distance_km / C_KM_S, np.float64)

    def slant_propagation_s(self, receiver: I64, lat: F64, lon: F64, altitude_ft: F64) -> F64:
        """Straight-line (WGS84) delay from each aircraft position to its receiver, for
        multilateration; the default ``propagation_s`` uses the surface distance."""
        aircraft = geodetic_to_ecef(lat, lon, np.maximum(altitude_ft, -1000.0) * 0.3048)
        distance_m = np.linalg.norm(aircraft - self._ecef[receiver], axis=1)
        return np.asarray(distance_m / (C_KM_S * 1000.0), np.float64)
