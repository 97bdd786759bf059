"""Time-difference-of-arrival solving: many replies at once, by vectorized Gauss-Newton.

Each group is one reply heard by up to ``M`` receivers (padded rows masked out). With the
receivers' times already on one clock (``skytrace.mlat.clock``), the arrival time at receiver
i is ``T + |p - r_i| / c`` for the unknown position ``p`` (ECEF) and transmit time ``T``. In
metres, with ``b = c T``, the residual of receiver i is

    e_i = |p - r_i| + b - c t_i,         Jacobian row [ (p - r_i)/|p - r_i| , 1 ]

and, when a barometric altitude is known, one more row ties the height of ``p`` to it:
``e_alt = h(p) - alt`` with Jacobian [up(p), 0] (up = the ellipsoid normal). Rows are weighted
by 1/σ² (σ_i = c × the receiver's timing error, σ_alt a fixed altitude tolerance). The normal
equations (G, 4, 4) are solved together for every group on each of a fixed number of
iterations, starting from the receivers' centroid lifted to the altitude.

Quality of each fix: the covariance (JᵀWJ)⁻¹ gives a horizontal error estimate (the root of
the east and north variances, scaled up by √(χ²/dof) when the residuals are larger than the
σ's say); GDOP is the unweighted √trace((JᵀJ)⁻¹) over position and time; χ² per degree of
freedom flags inconsistent timing; the limits are those of ``SolverLimits``.

Two answers: with receivers nearly in a line (or an aircraft outside the network) the
equations have a second solution, mirrored across the receivers' main axis, that fits as
well and which no covariance reveals. Every accepted group is therefore solved again from
that mirrored start; when it also converges to an acceptable fix far from the first, the
reply is rejected as ambiguous. Sparse geometry thus gives fewer fixes, not wrong ones.

Pure numpy, thread-safe. Units: metres, seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skytrace.mlat.geodesy import (
    C_M_S,
    ecef_to_geodetic,
    enu_axes,
    geodetic_to_ecef,
    height_and_up,
)

__all__ = ["Solution", "SolverLimits", "solve_groups"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class SolverLimits:
    """When a solution becomes a fix."""

    iterations: int = 10
    altitude_sigma_m: float = 150.0  # barometric altitude vs. the ellipsoidal height solved
    min_dof: int = 0  # measurements minus unknowns (0: 3 receivers + altitude suffice)
    unchecked_error_scale: float = 2.0  # error estimate × this when dof = 0
    min_dof_without_altitude: int = 1  # without one, the height is too loose to trust dof 0
    max_chi2_per_dof: float = 8.0
    max_error_m: float = 2_000.0  # horizontal error estimate above which no fix is given
    max_gdop: float = 50.0
    max_range_m: float = 600_000.0  # from the nearest receiver that heard the reply
    min_height_m: float = -1_000.0
    max_height_m: float = 20_000.0
    converged_step_m: float = 1.0
    max_step_m: float = 50_000.0
    ambiguity_sigmas: float = 5.0  # a second answer this many error estimates away ...
    ambiguity_min_m: float = 1_000.0  # ... and at least this far makes the reply ambiguous


@dataclass(slots=True)
class Solution:
    """One row per group: position, transmit time, quality and whether it passed."""

    ecef: F64  # (G, 3)
    lat: F64
    lon: F64
    height_m: F64
    transmit_m: F64  # c × transmit time, on the clock of the group's times
    error_m: F64  # horizontal error estimate
    gdop: F64
    chi2: F64
    dof: npt.NDArray[np.int64]
    ok: B
    why: npt.NDArray[np.uint8]  # 0 ok, else a REJECT_* code

    def __len__(self) -> int:
        return int(self.lat.shape[0])


REJECT_OK = 0
REJECT_DOF = 1
REJECT_DIVERGED = 2
REJECT_RESIDUAL = 3
REJECT_GEOMETRY = 4
REJECT_PLACE = 5
REJECT_AMBIGUOUS = 6


def solve_groups(
    receivers: F64,
    time_s: F64,
    sigma_s: F64,
    valid: B,
    altitude_m: F64,
    limits: SolverLimits | None = None,
) -> Solution:
    """Solve G groups at once.

    receivers (G, M, 3) ECEF metres; time_s (G, M) arrival times on one clock (relative to
    any per-group origin); sigma_s (G, M) their 1σ errors; valid (G, M) which slots hold a
    receiver; altitude_m (G,) the reply's height constraint, NaN for none.
    """
    lim = limits if limits is not None else SolverLimits()
    # a slot without a finite time or place is not a measurement
    valid = valid & np.isfinite(time_s) & np.isfinite(sigma_s) & np.isfinite(receivers).all(axis=2)
    receivers = np.where(valid[..., None], receivers, 0.0)
    time_s = np.where(valid, time_s, 0.0)
    prob = _Problem.build(receivers, time_s, sigma_s, valid, altitude_m, lim)
    # start: the receivers' centroid, at the altitude (or a typical cruise height)
    n_rx = np.maximum(valid.sum(axis=1), 1)
    centroid = (receivers * valid[..., None]).sum(axis=1) / n_rx[:, None]
    lat0, lon0, _ = ecef_to_geodetic(centroid)
    p0 = geodetic_to_ecef(lat0, lon0, prob.alt)
    sol = _finish(prob, *_iterate(prob, p0, lim), lim)
    # a second start on the other side of the receivers' main axis: when it also ends in a
    # fit as good, far from the first, the reply has two answers (receivers nearly in a line,
    # or an aircraft outside the network) and neither is given
    ok = np.flatnonzero(sol.ok)
    if ok.size:
        sub = prob.take(ok)
        start = _mirrored(sol.ecef[ok], centroid[ok], receivers[ok], valid[ok], sub.alt)
        other = _finish(sub, *_iterate(sub, start, lim), lim)
        apart = np.linalg.norm(other.ecef - sol.ecef[ok], axis=1)
        twin = other.ok & (
            apart > np.maximum(lim.ambiguity_sigmas * sol.error_m[ok], lim.ambiguity_min_m)
        )
        sol.why[ok[twin]] = REJECT_AMBIGUOUS
        sol.ok[ok[twin]] = False
    return sol


@dataclass(slots=True)
class _Problem:
    receivers: F64
    pr: F64
    w_rx: F64
    valid: B
    has_alt: B
    alt: F64
    w_alt: F64

    @classmethod
    def build(
        cls, receivers: F64, time_s: F64, sigma_s: F64, valid: B, altitude_m: F64,
        lim: SolverLimits,
    ) -> _Problem:  # fmt: skip
        has_alt = ~np.isnan(altitude_m)
        return cls(
            receivers=receivers,
            pr=np.where(valid, time_s * C_M_S, 0.0),
            w_rx=np.where(valid, 1.0 / np.square(np.maximum(sigma_s, 1e-10) * C_M_S), 0.0),
            valid=valid,
            has_alt=has_alt,
            alt=np.where(has_alt, altitude_m, 9_000.0),
            w_alt=np.where(has_alt, 1.0 / lim.altitude_sigma_m**2, 0.0),
        )

    def take(self, i: npt.NDArray[np.intp]) -> _Problem:
        return _Problem(
            self.receivers[i], self.pr[i], self.w_rx[i], self.valid[i], self.has_alt[i],
            self.alt[i], self.w_alt[i],
        )  # fmt: skip


def _normal(prob: _Problem, jac: F64, up: F64) -> F64:
    normal: F64 = np.matmul((jac * prob.w_rx[..., None]).transpose(0, 2, 1), jac)
    normal[:, :3, :3] += prob.w_alt[:, None, None] * (up[:, :, None] * up[:, None, :])
    return normal


def _iterate(prob: _Problem, p: F64, lim: SolverLimits) -> tuple[F64, F64, F64]:
    """Gauss-Newton from ``p``: position, c × transmit time, and the last step's length.

    Groups whose step fell below a tenth of ``converged_step_m`` stop iterating (the rest go
    on alone), which halves the work on typical batches."""
    n_rx = np.maximum(prob.valid.sum(axis=1), 1)
    dist = np.linalg.norm(p[:, None, :] - prob.receivers, axis=2)
    b = np.where(prob.valid, prob.pr - dist, 0.0).sum(axis=1) / n_rx
    step = np.full(p.shape[0], np.inf)
    p = p.copy()
    active = np.arange(p.shape[0])
    sub = prob
    for _ in range(lim.iterations):
        pa, ba = p[active], b[active]
        jac, res, up, h = _linearise(pa, ba, sub.receivers, sub.pr, sub.valid)
        normal = _normal(sub, jac, up)
        rhs = np.einsum("gmi,gm->gi", jac, sub.w_rx * res)
        rhs[:, :3] += (sub.w_alt * (h - sub.alt))[:, None] * up
        normal += (1e-12 * np.trace(normal, axis1=1, axis2=2))[:, None, None] * np.eye(4)
        delta = _cholesky_solve(normal, -rhs)
        # a step longer than max_step_m is shortened: far from the answer the linear model
        # overshoots and would land on the wrong side of the receivers
        length = np.linalg.norm(delta[:, :3], axis=1)
        delta *= np.minimum(1.0, lim.max_step_m / np.maximum(length, 1e-9))[:, None]
        p[active] = pa + delta[:, :3]
        b[active] = ba + delta[:, 3]
        moved = np.linalg.norm(delta[:, :3], axis=1)
        step[active] = np.where(np.isfinite(moved), moved, np.inf)
        going = ~(step[active] < 0.1 * lim.converged_step_m)
        if not going.all():
            active = active[going]
            if active.size == 0:
                break
            sub = sub.take(np.flatnonzero(going))
    return p, b, step


def _finish(prob: _Problem, p: F64, b: F64, step: F64, lim: SolverLimits) -> Solution:
    """Covariance, error estimate, GDOP, χ² and the verdict at the solved point."""
    valid, has_alt = prob.valid, prob.has_alt
    g = p.shape[0]
    jac, res, up, h = _linearise(p, b, prob.receivers, prob.pr, valid)
    cov = _safe_inverse(_normal(prob, jac, up))
    chi2 = (prob.w_rx * res * res).sum(axis=1) + prob.w_alt * (h - prob.alt) ** 2
    dof = (valid.sum(axis=1) + has_alt.astype(np.int64) - 4).astype(np.int64)
    lat, lon, height = ecef_to_geodetic(p)
    east, north, _ = enu_axes(lat, lon)
    pcov = cov[:, :3, :3]
    var_h = np.einsum("gi,gij,gj->g", east, pcov, east)
    var_h += np.einsum("gi,gij,gj->g", north, pcov, north)
    # with no degree of freedom nothing checks the timing, so a clock model's bias goes
    # unseen: such fixes get a wider estimate (``unchecked_error_scale``, squared here)
    unchecked = lim.unchecked_error_scale**2
    scale = np.where(dof > 0, np.maximum(1.0, chi2 / np.maximum(dof, 1)), unchecked)
    error_m = np.sqrt(np.maximum(var_h, 0.0) * scale)
    sigma_pos = np.sqrt(np.maximum(np.trace(pcov, axis1=1, axis2=2), 0.0))

    geo = np.einsum("gmi,gm,gmj->gij", jac, valid.astype(np.float64), jac)
    geo[:, :3, :3] += has_alt[:, None, None] * np.einsum("gi,gj->gij", up, up)
    gdop = np.sqrt(np.maximum(np.trace(_safe_inverse(geo), axis1=1, axis2=2), 0.0))

    dist = np.linalg.norm(p[:, None, :] - prob.receivers, axis=2)
    nearest = np.where(valid, dist, np.inf).min(axis=1)
    why = np.zeros(g, np.uint8)
    place = (nearest > lim.max_range_m) | (height < lim.min_height_m) | (height > lim.max_height_m)
    geometry = ~(error_m <= lim.max_error_m) | ~(gdop <= lim.max_gdop)
    residual = chi2 > lim.max_chi2_per_dof * np.maximum(dof, 1)
    # converged: the last step was small against the fix's own uncertainty (a badly
    # determined height keeps moving by metres without changing the answer)
    settled = step <= np.maximum(lim.converged_step_m, 0.2 * sigma_pos)
    diverged = ~settled | ~np.isfinite(p).all(axis=1)
    for code, bad in (
        (REJECT_PLACE, place),
        (REJECT_GEOMETRY, geometry),
        (REJECT_RESIDUAL, residual),
        (REJECT_DIVERGED, diverged),
        (REJECT_DOF, dof < np.where(has_alt, lim.min_dof, lim.min_dof_without_altitude)),
    ):
        why[bad] = code
    return Solution(
        ecef=p, lat=lat, lon=lon, height_m=height, transmit_m=b, error_m=error_m, gdop=gdop,
        chi2=chi2, dof=dof, ok=why == REJECT_OK, why=why,
    )  # fmt: skip


def _mirrored(p: F64, centroid: F64, receivers: F64, valid: B, alt: F64) -> F64:
    """``p`` reflected across the receivers' main horizontal axis through their centroid."""
    lat0, lon0, _ = ecef_to_geodetic(centroid)
    east, north, _ = enu_axes(lat0, lon0)
    rel = np.where(valid[..., None], receivers - centroid[:, None, :], 0.0)
    e = np.einsum("gmi,gi->gm", rel, east)
    n = np.einsum("gmi,gi->gm", rel, north)
    see, snn, sen = (e * e).sum(axis=1), (n * n).sum(axis=1), (e * n).sum(axis=1)
    angle = 0.5 * np.arctan2(2.0 * sen, see - snn)  # main axis of the receivers' spread
    ax = np.cos(angle)[:, None] * east + np.sin(angle)[:, None] * north
    d = p - centroid
    de = np.einsum("gi,gi->g", d, east)
    dn = np.einsum("gi,gi->g", d, north)
    along = de * np.cos(angle) + dn * np.sin(angle)
    flat = de[:, None] * east + dn[:, None] * north
    mirror = centroid + 2.0 * along[:, None] * ax - flat
    lat, lon, _ = ecef_to_geodetic(mirror)
    return geodetic_to_ecef(lat, lon, alt)


def _linearise(p: F64, b: F64, receivers: F64, pr: F64, valid: B) -> tuple[F64, F64, F64, F64]:
    """Jacobian (G, M, 4), receiver residuals (G, M), up vectors and heights at ``p``."""
    diff = p[:, None, :] - receivers
    dist = np.linalg.norm(diff, axis=2)
    unit = diff / np.maximum(dist, 1.0)[..., None]
    jac = np.concatenate([unit, np.ones((*dist.shape, 1))], axis=2)
    res = np.where(valid, dist + b[:, None] - pr, 0.0)
    h, up = height_and_up(p)
    return jac, res, up, h


def _cholesky_solve(a: F64, b: F64) -> F64:
    """Solve every symmetric positive definite system a x = b (a: (G, n, n), b: (G, n)) by a
    Cholesky factorisation written out over the batch: numpy's LAPACK loop costs more per
    4 x 4 matrix than the arithmetic. A matrix that is not positive definite gives NaN."""
    n = a.shape[1]
    low = np.zeros_like(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(n):
            d = a[:, j, j] - np.einsum("gk,gk->g", low[:, j, :j], low[:, j, :j])
            low[:, j, j] = np.sqrt(np.where(d > 0, d, np.nan))
            for i in range(j + 1, n):
                dot = np.einsum("gk,gk->g", low[:, i, :j], low[:, j, :j])
                low[:, i, j] = (a[:, i, j] - dot) / low[:, j, j]
        y = np.zeros_like(b)
        for i in range(n):
            y[:, i] = (b[:, i] - np.einsum("gk,gk->g", low[:, i, :i], y[:, :i])) / low[:, i, i]
        x = np.zeros_like(b)
        for i in reversed(range(n)):
            dot = np.einsum("gk,gk->g", low[:, i + 1 :, i], x[:, i + 1 :])
            x[:, i] = (y[:, i] - dot) / low[:, i, i]
    return x


def _safe_inverse(a: F64) -> F64:
    """Inverse of each (4, 4) matrix; a singular one gives infinities (so it is rejected)."""
    det = np.linalg.det(a)
    good = np.isfinite(det) & (np.abs(det) > 0)
    out = np.full(a.shape, np.inf)
    if good.any():
        out[good] = np.linalg.inv(a[good])
    return out
