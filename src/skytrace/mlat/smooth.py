"""Per-aircraft smoothing of MLAT fixes: velocity from a weighted line fit, and a gate.

Each aircraft keeps its fixes of the last ``window_s`` seconds. East and north metres (about
the aircraft's newest fix) are fitted against time by weighted least squares (weight 1/error²)
for every aircraft at once (bincount sums), which is the steady state of a constant-velocity
Kalman filter over that window without its tuning. The fit gives groundspeed and track, and a
predicted position with its uncertainty at any nearby time.

Gate: a new fix farther from the prediction than ``gate_sigmas`` × the combined uncertainty
(plus ``gate_margin_m`` for a turn or a speed change) is held back as inconsistent. An
aircraft with ``reset_after`` inconsistent fixes in a row starts a new history (the old one
was the wrong one). Not thread-safe; pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["FixSmoother", "SmootherConfig"]

F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]
_M_PER_DEG: Final = 111_194.93
_MS_TO_KT: Final = 3600.0 / 1852.0


@dataclass(frozen=True, slots=True)
class SmootherConfig:
    window_s: float = 30.0
    min_fixes: int = 3
    min_span_s: float = 4.0
    gate_sigmas: float = 5.0
    gate_margin_m: float = 500.0
    reset_after: int = 5


@dataclass(slots=True)
class Velocity:
    """Per aircraft with a fit: groundspeed, track, and the fit itself for prediction."""

    icao24: U32
    groundspeed_kt: F64
    track_deg: F64
    lat0: F64
    lon0: F64
    t_mean: F64
    x_mean: F64
    y_mean: F64
    vx: F64
    vy: F64
    sigma_m: F64


class FixSmoother:
    """Recent fixes per aircraft; velocity and a consistency gate for new fixes."""

    def __init__(self, config: SmootherConfig | None = None) -> None:
        self.config = config if config is not None else SmootherConfig()
        self._icao = np.zeros(0, np.uint32)
        self._t = np.zeros(0, np.float64)
        self._lat = np.zeros(0, np.float64)
        self._lon = np.zeros(0, np.float64)
        self._err = np.zeros(0, np.float64)
        self._misses: dict[int, int] = {}
        self.inconsistent = 0

    def gate(
        self, icao24: U32, time_s: F64, lat: F64, lon: F64, error_m: F64
    ) -> npt.NDArray[np.bool_]:
        """Which new fixes agree with their aircraft's recent track (True where none yet)."""
        cfg = self.config
        ok = np.ones(icao24.shape[0], bool)
        fit = self.velocity()
        if fit.icao24.size == 0 or icao24.size == 0:
            return ok
        pos = np.minimum(np.searchsorted(fit.icao24, icao24), fit.icao24.size - 1)
        has = fit.icao24[pos] == icao24
        k = pos[has]
        dt = time_s[has] - fit.t_mean[k]
        px = fit.x_mean[k] + fit.vx[k] * dt
        py = fit.y_mean[k] + fit.vy[k] * dt
        x, y = _local(lat[has], lon[has], fit.lat0[k], fit.lon0[k])
        miss = np.hypot(x - px, y - py)
        allowed = cfg.gate_sigmas * np.hypot(error_m[has], fit.sigma_m[k]) + cfg.gate_margin_m
        ok[np.flatnonzero(has)[miss > allowed]] = False
        self.inconsistent += int(np.count_nonzero(~ok))
        self._count_misses(icao24, ok)
        return ok

    def _count_misses(self, icao24: U32, ok: npt.NDArray[np.bool_]) -> None:
        for a, good in zip(icao24.tolist(), ok.tolist(), strict=True):
            if good:
                self._misses.pop(a, None)
                continue
            n = self._misses.get(a, 0) + 1
            if n >= self.config.reset_after:
                self._drop(a)
                n = 0
            self._misses[a] = n

    def _drop(self, icao24: int) -> None:
        keep = self._icao != icao24
        self._icao, self._t = self._icao[keep], self._t[keep]
        self._lat, self._lon, self._err = self._lat[keep], self._lon[keep], self._err[keep]

    def add(self, icao24: U32, time_s: F64, lat: F64, lon: F64, error_m: F64, now_s: float) -> None:
        """Remember accepted fixes; forget those older than the window."""
        icao = np.concatenate([self._icao, icao24.astype(np.uint32)])
        t = np.concatenate([self._t, time_s])
        keep = t >= now_s - self.config.window_s
        order = np.lexsort((t[keep], icao[keep]))
        self._icao = icao[keep][order]
        self._t = t[keep][order]
        self._lat = np.concatenate([self._lat, lat])[keep][order]
        self._lon = np.concatenate([self._lon, lon])[keep][order]
        self._err = np.concatenate([self._err, error_m])[keep][order]

    def velocity(self) -> Velocity:
        """The weighted line fit of every aircraft with enough recent fixes."""
        cfg = self.config
        if self._icao.size == 0:
            z = np.zeros(0)
            return Velocity(np.zeros(0, np.uint32), z, z, z, z, z, z, z, z, z, z)
        uniq, start, inv = np.unique(self._icao, return_index=True, return_inverse=True)
        last = np.r_[start[1:], self._icao.size] - 1
        lat0, lon0 = self._lat[last], self._lon[last]
        x, y = _local(self._lat, self._lon, lat0[inv], lon0[inv])
        w = 1.0 / np.maximum(self._err, 1.0) ** 2
        sw = np.bincount(inv, w)
        tm = np.bincount(inv, w * self._t) / sw
        xm = np.bincount(inv, w * x) / sw
        ym = np.bincount(inv, w * y) / sw
        dt = self._t - tm[inv]
        stt = np.bincount(inv, w * dt * dt)
        vx = np.bincount(inv, w * dt * (x - xm[inv])) / np.maximum(stt, 1e-9)
        vy = np.bincount(inv, w * dt * (y - ym[inv])) / np.maximum(stt, 1e-9)
        n = np.bincount(inv)
        span = self._t[last] - self._t[start]
        good = (n >= cfg.min_fixes) & (span >= cfg.min_span_s)
        # uncertainty of the fitted position at the window's weighted middle
        sigma = np.sqrt(1.0 / sw)
        speed = np.hypot(vx, vy) * _MS_TO_KT
        track = np.degrees(np.arctan2(vx, vy)) % 360.0
        return Velocity(
            uniq[good], speed[good], track[good], lat0[good], lon0[good], tm[good], xm[good],
            ym[good], vx[good], vy[good], sigma[good],
        )  # fmt: skip


def _local(lat: F64, lon: F64, lat0: F64, lon0: F64) -> tuple[F64, F64]:
    """East/north metres from (lat0, lon0), row by row (flat within tens of km)."""
    dlon = (lon - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * _M_PER_DEG * np.cos(np.radians(lat0))
    y = (lat - lat0) * _M_PER_DEG
    return x, y
