"""Compare the tracker's airborne positions with pyModeS 3.6.1's stream decoder (PipeDecoder).

Run: ``.venv/bin/python bench/compare_track_pymodes.py [PATH_TO_long_flight.csv]``

Both replay every frame of long_flight.csv in time order: skytrace as decode_batch +
Tracker.ingest in batches of 10,000 frames, pyModeS one message at a time with its timestamp.
Positions are matched by (address, frame time). Prints how many airborne positions each side
resolves, how many both resolve, and the share of those within 0.1 km of each other (the
issue asks for >= 99 %), with the largest differences. Exits 1 below 99 %.

pyModeS is GPL-3.0: it is used here, in bench/, only; src/ and tests/ never import it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyModeS

from skytrace.decode import decode_batch
from skytrace.geo import haversine_km
from skytrace.track import Tracker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.track.helpers import long_flight  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "modes" / "long_flight.csv"


def skytrace_positions(path: Path) -> dict[tuple[int, float], tuple[float, float]]:
    frames = long_flight(path)
    tracker = Tracker()
    out: dict[tuple[int, float], tuple[float, float]] = {}
    for lo in range(0, len(frames), 10_000):
        b = frames[lo : lo + 10_000]
        now = float(b.time_s[-1])
        pos = tracker.ingest(b, decode_batch(b), now).positions
        tracker.expire(now)
        for row in pos[~pos["onground"]]:
            out[(int(row["icao24"]), float(row["time_s"]))] = (float(row["lat"]), float(row["lon"]))
    return out


def pymodes_positions(path: Path) -> tuple[dict[tuple[int, float], tuple[float, float]], float]:
    decoder = pyModeS.PipeDecoder()
    out: dict[tuple[int, float], tuple[float, float]] = {}
    t0 = time.process_time()
    n = 0
    with path.open() as fh:
        for line in fh:
            ts, hexframe = line.strip().split(",")
            msg = hexframe[18:]
            n += 1
            r = decoder.decode(msg, timestamp=float(ts))
            if r.get("bds") == "0,5" and r.get("latitude") is not None:
                out[(int(r["icao"], 16), float(ts))] = (r["latitude"], r["longitude"])
    return out, n / (time.process_time() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    args = ap.parse_args()
    ours = skytrace_positions(args.path)
    theirs, rate = pymodes_positions(args.path)
    both = sorted(set(ours) & set(theirs))
    a = np.array([ours[k] for k in both])
    b = np.array([theirs[k] for k in both])
    d = haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    within = int(np.count_nonzero(d <= 0.1))
    share = within / len(both) if both else 0.0
    print(f"skytrace airborne positions   {len(ours):>8,}")
    print(f"pyModeS airborne positions    {len(theirs):>8,}  ({rate:,.0f} msgs/CPU-s)")
    print(f"resolved by both              {len(both):>8,}")
    print(
        f"only skytrace / only pyModeS  {len(set(ours) - set(theirs)):>8,} / "
        f"{len(set(theirs) - set(ours)):,}"
    )
    print(f"within 0.1 km                 {within:>8,}  = {100 * share:.2f} %")
    worst = np.argsort(d)[::-1][:5]
    for i in worst:
        icao, t = both[i]
        print(
            f"  {icao:06x} t={t:.3f} skytrace={ours[both[i]]} pyModeS={theirs[both[i]]} "
            f"{d[i]:.3f} km"
        )
    return 0 if share >= 0.99 else 1


if __name__ == "__main__":
    raise SystemExit(main())
