"""Clock synchronisation between receivers from ADS-B positions heard by pairs of them.

Each receiver stamps a reply with its own free-running 12 MHz counter. For a DF17 airborne
position message heard by receivers i and j, the aircraft's position is known (from the
message itself), so each receiver's local time of *transmission* is known on its own clock:
``z_k = ticks_k / 12 MHz - d_k / c``. The difference ``y = z_j - z_i`` is receiver j's clock
minus receiver i's at that instant, whatever the transmit time was. Per pair (i < j):

- samples (x = z_i, y) are kept for ``window_s``; the pair's model is the least-squares line
  ``y = offset + drift × (x - x_mean)`` fitted with one round of outlier rejection (samples
  more than ``reject_sigmas`` σ away are dropped and the line refitted);
- σ is the residual standard deviation; the prediction error at x is
  ``σ √(1/n + (x - x_mean)² / Sxx)`` (what a multilateration weights the converted time by);
- a pair is *synced* when it has ``min_samples`` samples, σ ≤ ``max_sigma_s`` and its last
  sample is at most ``stale_s`` old.

A new sample is checked against its pair's model first. A receiver whose clock jumped (counter
reset, GPS lost) makes nearly all of its pairs' new samples outliers while its partners stay
consistent with their other pairs: when at least ``jump_min_outliers`` of a receiver's checked
samples in a batch are outliers and they are more than ``jump_fraction`` of them, the
receiver's samples and models are discarded, its post-jump samples start a fresh window, and
it is not used until its pairs are synced again (``resets`` counts this per receiver).

A receiver whose configured position is wrong gives samples whose error depends on where the
aircraft is (``(d_true - d_assumed) / c`` varies with bearing), so every one of its pairs
shows a large σ: a receiver with at least ``suspect_min_pairs`` fitted pairs of which at
least ``suspect_fraction`` exceed ``max_sigma_s`` is marked *suspect* and excluded.

Each receiver's own timing noise is estimated from the σ² of its synced pairs
(σ²_ij ≈ s_i² + s_j²). Pure numpy over arrays of samples; state is owned by one
``ClockSync`` (not thread-safe). Units: seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["ClockSync", "PairModels", "SyncConfig", "pair_key", "split_key"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


def pair_key(i: npt.ArrayLike, j: npt.ArrayLike) -> I64:
    """Key of receiver pair (i, j), i < j (callers order them)."""
    return (np.asarray(i, np.int64) << 32) | np.asarray(j, np.int64)


def split_key(key: I64) -> tuple[I64, I64]:
    return key >> 32, key & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class SyncConfig:
    window_s: float = 30.0  # samples older than this (in x, the first receiver's clock) go
    min_samples: int = 6
    max_sigma_s: float = 400e-9  # a pair noisier than this is not used
    stale_s: float = 20.0  # a pair whose last sample is older is not used
    reject_sigmas: float = 4.0
    sigma_floor_s: float = 20e-9  # never trust a fit more than this (12 MHz is 83 ns a tick)
    jump_s: float = 2e-6  # a new sample this far from a synced model is an outlier for sure
    jump_min_outliers: int = 3
    jump_fraction: float = 0.6
    suspect_min_pairs: int = 2
    suspect_fraction: float = 0.75
    max_samples_per_pair: int = 60  # the oldest go beyond this
    refit_every_s: float = 1.0
    model_floor_s: float = 50e-9  # smallest error of a pair model's prediction (bias, not noise)
    sample_interval_s: float = 0.5  # one sample per pair per interval (a busy pair would
    # otherwise dominate the cost; more adds little to a 30 s line fit)


@dataclass(slots=True)
class PairModels:
    """Fitted line per pair, sorted by key."""

    key: I64
    x_mean: F64
    offset: F64
    drift: F64
    sigma: F64
    n: I64
    sxx: F64
    last_x: F64

    @classmethod
    def empty(cls) -> PairModels:
        f = np.zeros(0, np.float64)
        i = np.zeros(0, np.int64)
        return cls(i, f, f, f, f, i, f, f)

    def find(self, key: I64) -> I64:
        """Row of each key, -1 where there is no model."""
        if self.key.size == 0:
            return np.full(key.shape, -1, np.int64)
        pos = np.minimum(np.searchsorted(self.key, key), self.key.size - 1)
        return np.where(self.key[pos] == key, pos, -1).astype(np.int64)

    def predict(self, row: I64, x: F64) -> tuple[F64, F64]:
        """Offset (y) and its 1σ prediction error at x for models ``row`` (all >= 0)."""
        dx = x - self.x_mean[row]
        y = self.offset[row] + self.drift[row] * dx
        n = np.maximum(self.n[row], 1)
        var = self.sigma[row] ** 2 * (1.0 / n + dx * dx / np.maximum(self.sxx[row], 1e-9))
        return y, np.sqrt(var)


@dataclass(slots=True)
class _Samples:
    key: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    x: F64 = field(default_factory=lambda: np.zeros(0, np.float64))
    y: F64 = field(default_factory=lambda: np.zeros(0, np.float64))


class ClockSync:
    """Pairwise clock models of a receiver network, updated batch by batch."""

    def __init__(self, config: SyncConfig | None = None) -> None:
        self.config = config if config is not None else SyncConfig()
        self.models = PairModels.empty()
        self._samples = _Samples()
        self.resets: dict[int, int] = {}
        self.suspect: set[int] = set()
        self.noise_s: dict[int, float] = {}
        self.outliers = 0
        self.samples_used = 0
        self._refit_at_s = -np.inf
        self._jumped_last = False

    # ------------------------------------------------------------------ updating

    def add(self, i: I64, j: I64, x: F64, y: F64, now_s: float | None = None) -> None:
        """New samples of pairs (i < j): x on receiver i's clock (s), y = clock j - clock i.

        With ``now_s`` (the stream's time) the models are refitted at most every
        ``refit_every_s``: live micro-batches of 0.1 s would otherwise refit the whole
        window ten times a second for nothing; a jump always refits at once."""
        cfg = self.config
        key = pair_key(i, j)
        keep = np.ones(key.shape[0], bool)
        row = self.models.find(key)
        checked = row >= 0
        if checked.any():
            pred, err = self.models.predict(row[checked], x[checked])
            resid = np.abs(y[checked] - pred)
            limit = np.maximum(
                cfg.reject_sigmas * np.hypot(self.models.sigma[row[checked]], err), cfg.jump_s
            )
            bad = np.zeros(key.shape[0], bool)
            bad[np.flatnonzero(checked)[resid > limit]] = True
            jumped = self._jumped(i, j, checked, bad)
            self._jumped_last = bool(jumped.size)
            if jumped.size:
                self._forget(jumped)
                # the post-jump samples of a jumped receiver start its new window
                involved = np.isin(i, jumped) | np.isin(j, jumped)
                keep &= ~(involved & ~bad & checked)
                bad &= ~involved
            keep &= ~bad
            self.outliers += int(bad.sum())
        key, x, y = _thinned(key[keep], x[keep], y[keep], cfg.sample_interval_s)
        self.samples_used += int(key.size)
        s = self._samples
        # both parts sorted by (pair, x): a stable sort by pair merges them in one pass
        key = np.concatenate([s.key, key])
        order = np.argsort(key, kind="stable")
        s.key = key[order]
        s.x = np.concatenate([s.x, x])[order]
        s.y = np.concatenate([s.y, y])[order]
        jumped_now = bool(checked.any()) and self._jumped_last
        if now_s is None or jumped_now or now_s - self._refit_at_s >= cfg.refit_every_s:
            self._refit_at_s = -np.inf if now_s is None else now_s
            self._expire()
            self._refit()

    def _jumped(self, i: I64, j: I64, checked: B, bad: B) -> I64:
        """Receivers most of whose checked samples in this batch are outliers."""
        cfg = self.config
        rx = np.concatenate([i[checked], j[checked]])
        out = np.concatenate([bad[checked], bad[checked]])
        if rx.size == 0:
            return np.zeros(0, np.int64)
        uniq, inv = np.unique(rx, return_inverse=True)
        total = np.bincount(inv)
        outl = np.bincount(inv, weights=out.astype(np.float64))
        hit = (outl >= cfg.jump_min_outliers) & (outl > cfg.jump_fraction * total)
        jumped = uniq[hit]
        for r in jumped.tolist():
            self.resets[int(r)] = self.resets.get(int(r), 0) + 1
        return jumped.astype(np.int64)

    def _forget(self, receivers: I64) -> None:
        s = self._samples
        a, b = split_key(s.key)
        keep = ~(np.isin(a, receivers) | np.isin(b, receivers))
        s.key, s.x, s.y = s.key[keep], s.x[keep], s.y[keep]

    def _expire(self) -> None:
        """Drop samples older than the window (by each pair's newest x) and thin long runs."""
        cfg = self.config
        s = self._samples
        if s.key.size == 0:
            return
        key, x, y = s.key, s.x, s.y
        # rows sorted by (pair, x): the last row of each run is the pair's newest sample
        ends = np.flatnonzero(np.r_[key[1:] != key[:-1], True])
        run = np.searchsorted(ends, np.arange(key.size))
        keep = x >= x[ends][run] - cfg.window_s
        keep &= ends[run] - np.arange(key.size) < cfg.max_samples_per_pair
        s.key, s.x, s.y = key[keep], x[keep], y[keep]

    def _refit(self) -> None:
        cfg = self.config
        s = self._samples
        if s.key.size == 0:
            self.models = PairModels.empty()
            return
        uniq, inv = np.unique(s.key, return_inverse=True)
        fit = _line_fit(inv, s.x, s.y, np.ones(s.key.size, bool), uniq.size)
        resid = s.y - (fit.offset[inv] + fit.drift[inv] * (s.x - fit.x_mean[inv]))
        sigma = np.maximum(fit.sigma, cfg.sigma_floor_s)
        fit = _line_fit(inv, s.x, s.y, np.abs(resid) <= cfg.reject_sigmas * sigma[inv], uniq.size)
        last_x = np.full(uniq.size, -np.inf)
        np.maximum.at(last_x, inv, s.x)
        self.models = PairModels(
            key=uniq, x_mean=fit.x_mean, offset=fit.offset, drift=fit.drift,
            sigma=np.maximum(fit.sigma, cfg.sigma_floor_s), n=fit.n, sxx=fit.sxx, last_x=last_x,
        )  # fmt: skip
        self._judge()

    def _judge(self) -> None:
        """Suspect receivers (every pair noisy) and each receiver's own timing noise."""
        cfg = self.config
        m = self.models
        fitted = m.n >= cfg.min_samples
        a, b = split_key(m.key[fitted])
        noisy = m.sigma[fitted] > cfg.max_sigma_s
        rx = np.concatenate([a, b])
        if rx.size == 0:
            self.suspect = set()
            return
        uniq, inv = np.unique(rx, return_inverse=True)
        total = np.bincount(inv)
        bad = np.bincount(inv, weights=np.concatenate([noisy, noisy]).astype(np.float64))
        flagged = (total >= cfg.suspect_min_pairs) & (bad >= cfg.suspect_fraction * total)
        self.suspect = {int(r) for r in uniq[flagged]}
        # noise per receiver: σ²_ij ≈ s_i² + s_j², solved by a few rounds of medians
        good = ~noisy
        ga, gb = a[good], b[good]
        var = m.sigma[fitted][good] ** 2
        s2 = np.full(int(rx.max()) + 1, float(np.median(var)) / 2.0 if var.size else 0.0)
        for _ in range(3):
            who = np.concatenate([ga, gb])
            est = np.concatenate([var - s2[gb], var - s2[ga]])
            s2 = _median_by(who, np.maximum(est, cfg.sigma_floor_s**2), s2)
        self.noise_s = {
            int(r): float(np.sqrt(s2[r])) for r in np.unique(np.concatenate([ga, gb])).tolist()
        }

    # ------------------------------------------------------------------ reading

    def synced(self, row: I64, now_x: F64) -> B:
        """Whether models ``row`` (-1 = none) may be used at x (the first receiver's clock)."""
        cfg = self.config
        m = self.models
        r = np.maximum(row, 0)
        if m.key.size == 0:
            return np.zeros(row.shape, bool)
        a, b = split_key(m.key[r])
        ok = (row >= 0) & (m.n[r] >= cfg.min_samples) & (m.sigma[r] <= cfg.max_sigma_s)
        ok &= np.abs(now_x - m.last_x[r]) <= cfg.stale_s
        if self.suspect:
            bad = np.array(sorted(self.suspect), np.int64)
            ok &= ~(np.isin(a, bad) | np.isin(b, bad))
        return np.asarray(ok, np.bool_)

    def receiver_noise(self, receivers: I64) -> F64:
        """Each receiver's own timing noise (s); the median of those known for the others."""
        known = np.array(list(self.noise_s.values())) if self.noise_s else np.array([100e-9])
        default = float(np.median(known))
        return np.array(
            [self.noise_s.get(int(r), default) for r in receivers.ravel()], np.float64
        ).reshape(receivers.shape)


@dataclass(slots=True)
class _Fit:
    x_mean: F64
    offset: F64
    drift: F64
    sigma: F64
    n: I64
    sxx: F64


def _line_fit(group: I64, x: F64, y: F64, use: B, n_groups: int) -> _Fit:
    """Least-squares line per group over the rows where ``use`` (bincount sums)."""
    w = use.astype(np.float64)
    n = np.bincount(group, weights=w, minlength=n_groups)
    safe = np.maximum(n, 1.0)
    xm = np.bincount(group, weights=w * x, minlength=n_groups) / safe
    ym = np.bincount(group, weights=w * y, minlength=n_groups) / safe
    dx = x - xm[group]
    dy = y - ym[group]
    sxx = np.bincount(group, weights=w * dx * dx, minlength=n_groups)
    sxy = np.bincount(group, weights=w * dx * dy, minlength=n_groups)
    # a short span cannot tell drift from noise: below 1 s of span, the drift is taken as 0
    drift = np.where(sxx > 1.0 * np.maximum(n, 1) * 0.01, sxy / np.maximum(sxx, 1e-12), 0.0)
    resid = dy - drift[group] * dx
    ss = np.bincount(group, weights=w * resid * resid, minlength=n_groups)
    dof = np.maximum(n - 2.0, 1.0)
    sigma = np.sqrt(ss / dof)
    sigma = np.where(n >= 3, sigma, np.inf)
    f64 = np.float64
    return _Fit(xm, ym, np.asarray(drift, f64), sigma, n.astype(np.int64), np.asarray(sxx, f64))


def _thinned(key: I64, x: F64, y: F64, interval_s: float) -> tuple[I64, F64, F64]:
    """The samples sorted by (pair, x), at most one per pair in each ``interval_s`` of x
    (whatever the batch length: a 70 s file batch and a 0.1 s live one thin alike)."""
    if len(key) == 0:  # a quiet live batch: nothing to thin
        return key, x, y
    order = np.lexsort((x, key))
    key, x, y = key[order], x[order], y[order]
    bucket = np.floor(x / interval_s)
    keep = np.r_[True, (key[1:] != key[:-1]) | (bucket[1:] != bucket[:-1])]
    return key[keep], x[keep], y[keep]


def _median_by(who: I64, values: F64, previous: F64) -> F64:
    """Per-index median of ``values`` grouped by ``who``; ``previous`` where no values."""
    out = previous.copy()
    if who.size == 0:
        return out
    order = np.lexsort((values, who))
    w, v = who[order], values[order]
    starts = np.r_[0, np.flatnonzero(w[1:] != w[:-1]) + 1]
    ends = np.r_[starts[1:], w.size]
    mid = (starts + ends - 1) // 2
    mid2 = (starts + ends) // 2
    out[w[starts]] = 0.5 * (v[mid] + v[mid2])
    return out
