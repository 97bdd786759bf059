"""Accuracy of multilateration and clock sync on the simulator's MLAT scenarios.

Run: ``.venv/bin/python bench/mlat_accuracy.py [--scenario mlat_dense mlat_sparse]
[--start 600] [--duration 1800] [--sync-after 60]``

For each scenario (a Mode-S-only aircraft, GPS receivers with 30 ns and free-running ones with
150 ns of timestamp noise, ADS-B traffic to synchronise on), from ``--start`` seconds after the
scenario's start for ``--duration`` seconds, frames go through decode, the tracker and the MLAT
stage, and the fixes are compared with the simulator's truth. Prints:
  clock   after ``--sync-after`` s of traffic: every synced receiver pair's offset error against
          the simulated clocks (1σ = RMS, median, p95; target: 1σ <= 100 ns)
  fixes   fixes / replies the aircraft sent; horizontal error median and p95 (targets <= 100 m
          and <= 300 m with >= 4 well-placed receivers); the share of fixes farther from the
          truth than 3x their own error estimate (target <= 1 %)
  stage   the stage's counters (rejections by reason, receivers excluded, resets)
"""

from __future__ import annotations

import argparse

import numpy as np

from skytrace.mlat import MlatStage
from skytrace.mlat.clock import split_key
from skytrace.mlat.harness import run_stage, score, sites_of
from skytrace.simulate.build import Simulation
from skytrace.simulate.radio import ReceiverNetwork
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario
from skytrace.track import Tracker


def clock_errors_ns(stage: MlatStage, network: ReceiverNetwork, utc: float) -> np.ndarray:
    """Offset error of every synced pair at UTC ``utc`` against the simulated clocks."""
    m = stage.sync.models
    a, b = split_key(m.key)

    def local(r: np.ndarray) -> np.ndarray:
        k = r - 1
        drift = network.clock_drift_ppm[k] * 1e-6
        return (utc - network.epoch_s) * (1 + drift) + network.clock_offset_s[k]

    x = local(a)
    synced = stage.sync.synced(np.arange(m.key.size), x)
    rows = np.flatnonzero(synced)
    y, _ = m.predict(rows, x[rows])
    true = local(b[rows]) - x[rows]
    return np.asarray((y - true) * 1e9, np.float64)


def run(name: str, start: float, duration: float, sync_after: float) -> None:
    scenario = load_scenario(builtin_scenario_path(name))
    sim = Simulation.from_scenario(scenario, keep_truth=True)
    sim.start_s = scenario.start_s + start
    sim.end_s = sim.start_s + duration
    stage = MlatStage(sites_of(scenario.receivers))
    tracker = Tracker()
    batches = sim.batches()
    first = []
    for batch in batches:
        first.append(batch)
        if batch.time_s.size and batch.time_s.max() >= sim.start_s + sync_after:
            break
    head = run_stage(stage, first, tracker)
    err = clock_errors_ns(stage, sim.generator.network, sim.start_s + sync_after)
    print(f"{name}")
    if err.size:
        print(
            f"  clock   after {sync_after:.0f} s: {err.size} synced pairs, offset error 1σ "
            f"{np.sqrt(np.mean(err**2)):.0f} ns, median |e| {np.median(np.abs(err)):.0f} ns, "
            f"p95 {np.percentile(np.abs(err), 95):.0f} ns"
        )
    tail = run_stage(stage, batches, tracker)
    fixes = np.concatenate([head.fixes, tail.fixes])
    truth = sim.generator.truth()
    truth = truth[(truth["time_s"] >= sim.start_s) & (truth["time_s"] < sim.end_s)]
    s = score(fixes, truth)
    print(f"  fixes   {s.line()}")
    if s.error_m.size and s.matched == s.fixes:
        by_n = {
            int(n): float(np.median(s.error_m[fixes["n_receivers"][: s.error_m.size] == n]))
            for n in np.unique(fixes["n_receivers"])
        }
        rounded = {k: round(v) for k, v in by_n.items()}
        print(f"          median error (m) by receivers used: {rounded}")
    st = stage.stats
    states = stage.receiver_states()
    print(
        f"  stage   {st.replies:,} replies grouped, {st.sync_replies:,} used for sync, "
        f"{st.candidates:,} candidates, {st.fixes:,} fixes, {st.rescued} rescued, "
        f"{st.inconsistent} off-track; rejected {st.rejected}; excluded receivers "
        f"{sorted(stage.excluded)}; resets {stage.sync.resets}; "
        f"{sum(s.state == 'synced' for s in states)}/{len(states)} receivers synced"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", nargs="+", default=["mlat_dense", "mlat_sparse"])
    ap.add_argument("--start", type=float, default=600.0)
    ap.add_argument("--duration", type=float, default=1800.0)
    ap.add_argument("--sync-after", type=float, default=60.0)
    args = ap.parse_args()
    for name in args.scenario:
        run(name, args.start, args.duration, args.sync_after)


if __name__ == "__main__":
    main()
