"""Running the MLAT stage on a simulated scenario and scoring it against the truth.

Shared by the tests, ``bench/mlat_accuracy.py`` and ``bench/bench_mlat.py``: a scenario's
receivers become ``ReceiverSite`` s (index = position in the scenario + 1, as the simulator
numbers them); frames go through decode, the tracker and the stage the way the pipeline runs
them; fixes are matched to the simulator's truth rows by address and transmit time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from skytrace.decode import decode_batch
from skytrace.geo import haversine_km
from skytrace.mlat.stage import FIX_DTYPE, MlatStage, ReceiverSite
from skytrace.model import FrameBatch
from skytrace.simulate.scenario import ReceiverSpec

__all__ = ["Score", "run_stage", "score", "sites_of"]


def sites_of(receivers: Iterable[ReceiverSpec]) -> list[ReceiverSite]:
    """The scenario's receivers as MLAT sites (simulator index = scenario position + 1)."""
    return [
        ReceiverSite(receiver=i + 1, lat=r.lat, lon=r.lon, altitude_m=r.altitude_m, name=r.name)
        for i, r in enumerate(receivers)
    ]


@dataclass(slots=True)
class Run:
    fixes: npt.NDArray[np.void]
    positions: list[npt.NDArray[np.void]] = field(default_factory=list)  # tracker output
    mlat_frames: int = 0


def run_stage(
    stage: MlatStage, batches: Iterable[FrameBatch], tracker: object | None = None
) -> Run:
    """Every batch through decode, the tracker (a new one unless given) and the stage; the
    stage's MLAT frames go back into the tracker as the pipeline does."""
    from skytrace.track import Tracker

    trk = tracker if tracker is not None else Tracker()
    fixes = []
    run = Run(np.zeros(0, FIX_DTYPE))
    for batch in batches:
        if len(batch) == 0:
            continue
        now = float(batch.time_s.max())
        decoded = decode_batch(batch)
        out = trk.ingest(batch, decoded, now)  # type: ignore[attr-defined]
        run.positions.append(out.positions)
        m = stage.process(batch, decoded, out.positions, now)
        fixes.append(m.fixes)
        if len(m.frames):
            run.mlat_frames += len(m.frames)
            back = trk.ingest(m.frames, decode_batch(m.frames), now)  # type: ignore[attr-defined]
            run.positions.append(back.positions)
    run.fixes = np.concatenate(fixes) if fixes else np.zeros(0, FIX_DTYPE)
    return run


@dataclass(frozen=True, slots=True)
class Score:
    fixes: int
    matched: int
    replies: int  # replies the Mode-S-only aircraft sent (truth rows) in the window
    median_m: float
    p95_m: float
    max_m: float
    beyond_3x: float  # fraction of fixes farther from the truth than 3 × their error estimate
    error_m: npt.NDArray[np.float64]
    estimate_m: npt.NDArray[np.float64]

    def line(self) -> str:
        return (
            f"{self.fixes} fixes of {self.replies} replies; horizontal error median "
            f"{self.median_m:.0f} m, p95 {self.p95_m:.0f} m, max {self.max_m:.0f} m; "
            f"{100 * self.beyond_3x:.2f} % beyond 3x their estimate"
        )


def score(
    fixes: npt.NDArray[np.void], truth: npt.NDArray[np.void], max_dt_s: float = 0.001
) -> Score:
    """Each fix against the truth row of the same address nearest in transmit time."""
    t_key = truth["icao24"].astype(np.float64) * 1e7 + (
        truth["time_s"] - truth["time_s"].min() if truth.size else 0
    )
    order = np.argsort(t_key)
    t_key = t_key[order]
    base = truth["time_s"].min() if truth.size else 0.0
    f_key = fixes["icao24"].astype(np.float64) * 1e7 + (fixes["time_s"] - base)
    if truth.size == 0 or fixes.size == 0:
        z = np.zeros(0)
        return Score(int(fixes.size), 0, int(truth.size), np.nan, np.nan, np.nan, np.nan, z, z)
    at = np.clip(np.searchsorted(t_key, f_key), 1, t_key.size - 1)
    best = np.where(np.abs(t_key[at - 1] - f_key) <= np.abs(t_key[at] - f_key), at - 1, at)
    ok = np.abs(t_key[best] - f_key) <= max_dt_s
    tr = truth[order[best[ok]]]
    f = fixes[ok]
    err = haversine_km(f["lat"], f["lon"], tr["lat"], tr["lon"]) * 1000.0
    est = f["error_m"].astype(np.float64)
    return Score(
        fixes=int(fixes.size),
        matched=int(ok.sum()),
        replies=int(truth.size),
        median_m=float(np.median(err)) if err.size else np.nan,
        p95_m=float(np.percentile(err, 95)) if err.size else np.nan,
        max_m=float(err.max()) if err.size else np.nan,
        beyond_3x=float(np.mean(err > 3 * est)) if err.size else 0.0,
        error_m=err,
        estimate_m=est,
    )
