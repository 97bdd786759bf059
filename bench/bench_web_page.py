"""The live map page in headless Chromium (software rendering): first map with aircraft, and
the time per live update (WebSocket message parsed, applied and drawn) at 1,000 and 25,000
aircraft, every aircraft on screen (world view). Target: <= 0.5 s per update at 25,000.

    .venv/bin/python bench/bench_web_page.py [--counts 1000,25000] [--updates 10]

The server is the real API and pages (skytrace.api.create_app) on 127.0.0.1 with an ephemeral
port, fed by a synthetic live view: N aircraft spread over the world, all moving, a new
snapshot every second (so every aircraft changes in every delta, the worst case for the push
stream). Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.conftest import CHROMIUM_ARGS, chromium_path
from tests.web.site import serve_app

from skytrace.live.view import LiveSnapshot, empty_live_aircraft, frozen_array


class SyntheticLive:
    """A LiveView of ``n`` aircraft cruising over the world, republished every ``period_s``."""

    def __init__(self, n: int, period_s: float = 1.0, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        rows = empty_live_aircraft(n)
        rows["icao24"] = np.sort(rng.choice(0xFFFFFF, n, replace=False)).astype(np.uint32)
        rows["lat"] = rng.uniform(-55, 70, n)
        rows["lon"] = rng.uniform(-180, 180, n)
        rows["altitude_ft"] = rng.choice([0, 3000, 12000, 24000, 35000, 39000], n)
        rows["onground"] = (rows["altitude_ft"] == 0).astype(np.int8)
        rows["groundspeed_kt"] = rng.uniform(120, 500, n)
        rows["track_deg"] = rng.uniform(0, 360, n)
        rows["vertical_rate_fpm"] = 0
        rows["callsign"] = [f"TST{i % 10000:04d}".encode() for i in range(n)]
        rows["category"] = rng.choice([b"A3", b"A1", b"A7", b"A5"], n, p=[0.7, 0.15, 0.05, 0.1])
        rows["type_code"] = b"A320"
        self.rows = rows
        self.period_s = period_s
        self.version = 0
        self._snapshot = self._publish(time.time())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _publish(self, now_s: float) -> LiveSnapshot:
        self.version += 1
        self.rows["last_seen_s"] = now_s
        self.rows["last_position_s"] = now_s
        return LiveSnapshot(
            now_s=now_s,
            wall_s=now_s,
            version=self.version,
            aircraft=frozen_array(self.rows.copy()),
            document={"now": now_s, "messages": 0, "aircraft": []},
        )

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            r = self.rows
            step_deg = r["groundspeed_kt"] * self.period_s / 3600.0 / 60.0
            rad = np.radians(r["track_deg"])
            r["lat"] = np.clip(r["lat"] + step_deg * np.cos(rad), -80, 80)
            r["lon"] = (
                r["lon"] + step_deg * np.sin(rad) / np.cos(np.radians(r["lat"])) + 540
            ) % 360 - 180
            self._snapshot = self._publish(time.time())

    def stop(self) -> None:
        self._stop.set()

    # -- LiveView
    def snapshot(self) -> LiveSnapshot:
        return self._snapshot

    def aircraft(self, icao24: int) -> None:
        return None

    def events_since(self, seq: int, limit: int = 1000) -> tuple[list[Any], int]:
        return [], seq

    async def wait(self, version: int, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while self._snapshot.version <= version and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self._snapshot.version

    def stats(self) -> dict[str, Any]:
        return {"aircraft": len(self.rows), "snapshot_version": self.version}


def measure(browser: Any, n: int, updates: int) -> dict[str, float]:
    from skytrace.api import ApiContext, create_app

    live = SyntheticLive(n)
    try:
        app = create_app(ApiContext(data_dir=None, live=live))  # type: ignore[arg-type]
        with serve_app(app) as url:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            started = time.perf_counter()
            page.goto(url + "/")
            page.wait_for_function("window.skytraceReady === true", timeout=120_000)
            first_s = time.perf_counter() - started
            ready_ms = page.evaluate("window.skytraceStats.readyMs")
            aircraft_ms = page.evaluate("window.skytraceStats.firstAircraftMs")
            page.evaluate("() => { window.skytraceMap.setView([20, 0], 2, {animate: false}); }")
            page.evaluate("() => { window.skytraceStats.updates.length = 0; }")
            page.wait_for_function(
                f"window.skytraceStats.updates.length >= {updates}", timeout=updates * 20_000
            )
            costs = page.evaluate("window.skytraceStats.updates.slice()")[:updates]
            drawn = page.evaluate("window.skytraceLayer.drawn.n")
            redraw_ms = page.evaluate(
                "() => { const t = performance.now(); window.skytraceLayer.redraw(); "
                "return performance.now() - t; }"
            )
            page.close()
    finally:
        live.stop()
    return {
        "aircraft": n,
        "drawn": drawn,
        "first_map_s": first_s,
        "ready_in_page_ms": ready_ms,
        "first_aircraft_ms": aircraft_ms,
        "update_median_ms": statistics.median(costs),
        "update_max_ms": max(costs),
        "redraw_only_ms": redraw_ms,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1000,25000")
    parser.add_argument("--updates", type=int, default=10)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium_path()), headless=True, args=CHROMIUM_ARGS
        )
        try:
            print(
                f"{'aircraft':>9} {'drawn':>7} {'aircraft in':>12} {'map ready':>10} "
                f"{'update p50':>11} {'update max':>11} {'redraw':>8}"
            )
            for n in (int(c) for c in args.counts.split(",")):
                r = measure(browser, n, args.updates)
                print(
                    f"{r['aircraft']:>9,} {r['drawn']:>7,} {r['first_aircraft_ms'] / 1e3:>11.2f}s "
                    f"{r['ready_in_page_ms'] / 1e3:>9.2f}s "
                    f"{r['update_median_ms']:>9.0f}ms {r['update_max_ms']:>9.0f}ms "
                    f"{r['redraw_only_ms']:>6.0f}ms",
                    flush=True,
                )
        finally:
            browser.close()
    print(
        f"aircraft in / map ready: from navigation start to the first aircraft drawn / to the "
        f"outlines and aircraft drawn; update: median and max of {args.updates} live updates "
        "(WebSocket message parsed, applied, drawn); redraw: one redraw alone"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
