"""Benchmark the HTTP API under load beside a live pipeline tracking simulated traffic.

    python bench/bench_api.py [--aircraft 25000] [--receivers 2000] [--rate 2] [--seconds 60]
                              [--clients 200] [--requests 10] [--pace S] [--ws-seconds 8]
                              [--store DIR]

One process runs what ``skytrace serve`` runs: skytrace.live.LiveRuntime (the pipeline thread:
decode -> track -> flights; no store) and the API app (skytrace.api) under uvicorn on
127.0.0.1 (an ephemeral port). Real Mode S frames made by the project's encoder, each from
one of ``--receivers`` receiver ids, for ``--aircraft`` aircraft spread over the world's
inhabited latitudes: first a warm-up (every aircraft's identification and an even and an odd
position, as fast as the pipeline takes them), then a feed paced by the wall clock for
``--seconds``: every 0.5 s one position of each of 100 marker aircraft, and of every other
aircraft ``--rate`` positions a second on average (2 is what ADS-B sends; below 1/60 the
tracker's positions go stale). History requests (flight search) go to a small store filled
by the store tests' sample history (or ``--store DIR``).

A second process (this script with ``--client``) then measures, so that clients do not share
the server's interpreter:

1. ``--clients`` concurrent HTTP clients (httpx.AsyncClient, one connection each), each
   making ``--requests`` requests of each kind in turn: GET /api/v1/aircraft (all aircraft),
   GET /api/v1/aircraft/{hex} (a random tracked aircraft), GET /api/v1/flights?operator=KOR;
   latency p50/p99 per kind (ms, to the last byte of the body as sent: gzip bodies are not
   decompressed, that would be this process's cost) and requests/s. Back to back by default
   (each client sends its next request when the last is answered: the most the server
   answers); with ``--pace S`` each client sends one request every S seconds, staggered, as
   maps polling the server do;
2. the push stream: one WebSocket client with the world in view and one with a country-sized
   box (Germany, about 47-55 N, 6-15 E) for ``--ws-seconds`` each, bytes per second received;
   and for 100 marker aircraft whose latitude encodes the feeder's step, the delay from the
   step's scheduled arrival to the client receiving the moved row (p50/p99, s).

While the load runs the server samples the pipeline's lag (how far behind arrival it is)
and queue depth: "ingest kept up" means lag stayed under 2 s and no frames were left over.
Bounded: the feeder stops after ``--seconds`` of data, the clients after their requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

STEP_S = 0.5
MARKERS = 100
MARKER_STEP_DEG = 0.001  # a marker aircraft's latitude grows this much per feeder step
GERMANY = (47.0, 6.0, 55.0, 15.0)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# -- the server side ---------------------------------------------------------------------------


class Traffic:
    """Per-step frame batches for ``n`` aircraft; the first MARKERS are markers."""

    def __init__(self, n: int, receivers: int, seed: int = 1) -> None:
        from skytrace import encode

        rng = np.random.default_rng(seed)
        self.n = n
        self.receivers = receivers
        self.icao = (0x100000 + rng.choice(0xEFFFFF, n, replace=False)).astype(np.uint32)
        self.lat0 = rng.uniform(-45, 65, n)
        self.lon0 = rng.uniform(-180, 180, n)
        self.lat0[:MARKERS] = rng.uniform(-40, 40, MARKERS)
        self.heading = rng.uniform(0, 2 * np.pi, n)
        self.alt = rng.integers(20, 400, n) * 100.0
        self.rng = rng
        names = [f"T{int(a) % 100000:05d}" for a in self.icao]
        ident = encode.identification(self.icao, names, category=3)
        self.ident = ident.payload[:, :14].copy()

    def lat_lon(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        d = 0.0008 * k  # ~350 kt at 0.5 s steps
        lat = self.lat0 + d * np.cos(self.heading)
        lon = (self.lon0 + d * np.sin(self.heading) + 180.0) % 360.0 - 180.0
        lat[:MARKERS] = self.lat0[:MARKERS] + MARKER_STEP_DEG * k
        lon[:MARKERS] = self.lon0[:MARKERS]
        return lat, lon

    def batch(self, k: int, time_s: float, who: np.ndarray, ident: bool = False) -> Any:
        """Step ``k``'s positions of the aircraft ``who`` (indices), stamped ``time_s``."""
        from skytrace import encode
        from skytrace.model import FrameBatch

        lat, lon = self.lat_lon(k)
        odd = np.full(len(who), k % 2 == 1)
        pos = encode.airborne_position(self.icao[who], lat[who], lon[who], self.alt[who], odd)
        payload = pos.payload[:, :14]
        if ident:
            payload = np.concatenate([self.ident[who], payload])
        m = len(payload)
        b = FrameBatch.empty(m)
        b.payload[:] = payload
        b.length[:] = 14
        b.time_s[:] = time_s + np.linspace(0.0, 0.01, m)
        b.receiver[:] = self.rng.integers(1, self.receivers + 1, m)
        return b


def serve(args: argparse.Namespace) -> None:
    import uvicorn
    from tests.store.conftest import fill_store

    from skytrace.api import ApiContext, create_app
    from skytrace.app import RuntimeOptions, open_runtime
    from skytrace.live.runtime import LiveRuntime

    built = time.perf_counter()
    traffic = Traffic(args.aircraft, args.receivers)
    print(
        f"traffic: {args.aircraft:,} aircraft, {args.receivers:,} receiver ids "
        f"({time.perf_counter() - built:.1f} s to set up)"
    )
    if args.store:
        store_dir = Path(args.store)
    else:
        store_dir = Path(tempfile.mkdtemp(prefix="bench-api-"))
        fill_store(store_dir)
    opts = RuntimeOptions(data_dir=None, refdata=False)  # type: ignore[arg-type]
    with open_runtime(None, opts) as rt, LiveRuntime(rt) as live:
        app = create_app(ApiContext(data_dir=store_dir, live=live))
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            ws_max_queue=64,
            timeout_keep_alive=300,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"

        # Warm-up: every aircraft's identification and an even and an odd position, as fast
        # as the pipeline takes them, until all are tracked.
        everyone = np.arange(traffic.n)
        t_warm = time.perf_counter()
        warm_frames = 0
        for k in (0, 1):
            for chunk in np.array_split(everyone, max(1, traffic.n // 2000)):
                while not live.ready():
                    time.sleep(0.01)
                batch = traffic.batch(k, time.time(), chunk, ident=k == 0)
                live.submit(batch)
                warm_frames += len(batch)
        live.publish_and_wait(600)
        print(
            f"warm-up: {len(live.snapshot().aircraft):,} aircraft tracked after "
            f"{time.perf_counter() - t_warm:.1f} s"
        )

        # Paced: every step, the markers and each other aircraft with probability
        # rate x step (their positions then stay fresh: the tracker keeps a position 60 s).
        n_steps = int(args.seconds / STEP_S)
        wall0 = time.time() + 0.5
        fed = {"frames": 0, "late_s": 0.0, "steps": 0, "waits": 0}
        p_send = min(1.0, args.rate * STEP_S)

        def feed() -> None:
            for k in range(2, n_steps + 2):
                due = wall0 + k * STEP_S
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
                fed["late_s"] = max(fed["late_s"], -delay)
                pick = traffic.rng.random(traffic.n) < p_send
                pick[:MARKERS] = True
                batch = traffic.batch(k, due, np.nonzero(pick)[0])
                while not live.ready():
                    fed["waits"] += 1
                    time.sleep(0.01)
                live.submit(batch)
                fed["frames"] += len(batch)
                fed["steps"] = k - 1

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        time.sleep(3.0)
        rate = MARKERS / STEP_S + (traffic.n - MARKERS) * args.rate
        print(
            f"paced feed: {rate:,.0f} frames/s ({MARKERS} markers every {STEP_S} s, the "
            f"others {args.rate:g} positions/s each)"
        )

        lags: list[float] = []
        depth: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                s = live.stats()
                lags.append(float(s["lag_s"]))
                depth.append(int(s["queue_depth"]))
                stop.wait(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        markers = {
            f"{int(a):06x}": float(traffic.lat0[i]) for i, a in enumerate(traffic.icao[:MARKERS])
        }
        hexes = [f"{int(a):06x}" for a in traffic.icao]
        spec = {
            "url": url,
            "wall0": wall0,
            "step_s": STEP_S,
            "markers": markers,
            "hexes": random.Random(2).sample(hexes, min(2000, len(hexes))),
            "clients": args.clients,
            "requests": args.requests,
            "pace_s": args.pace,
            "ws_seconds": args.ws_seconds,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(spec, f)
        proc = subprocess.run(
            [sys.executable, __file__, "--client", f.name],
            capture_output=True,
            text=True,
            timeout=args.client_timeout,
        )
        os.unlink(f.name)
        stop.set()
        sampler.join()
        during_lag = (max(lags) if lags else float("nan"), pct(lags, 50))
        feeder.join(args.seconds + 30)
        final = live.publish_and_wait(30)
        stats = live.stats()
        server.should_exit = True
        thread.join(10)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit("the client process failed")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print()
    print(
        f"HTTP, {args.clients} concurrent clients, loopback ({result['requests']:,} requests "
        f"in {result['http_s']:.1f} s, {result['requests'] / result['http_s']:.0f} req/s, "
        f"{result['errors']} errors):"
    )
    for name in ("aircraft", "aircraft_hex", "flights"):
        lat = result["latency_ms"][name]
        print(
            f"  {name:<13} p50 {lat['p50']:8.1f} ms   p99 {lat['p99']:8.1f} ms   "
            f"(body on the wire {lat['bytes'] / 1e3:,.0f} kB)"
        )
    print("push stream (WebSocket /api/v1/live):")
    for name in ("world", "germany"):
        ws = result["ws"][name]
        print(
            f"  {name:<8} {ws['bytes_per_s'] / 1e3:9.1f} kB/s per client "
            f"({ws['messages']} messages, {ws['rows']:,} rows in {ws['seconds']:.1f} s)"
        )
    d = result["ws"]["world"]["delay_s"]
    print(
        f"  frame arrival -> client sees the move: p50 {d['p50']:.2f} s  p99 {d['p99']:.2f} s "
        f"({d['n']} marker moves)"
    )
    kept = stats["queue_depth"] == 0 and during_lag[0] < 2.0 and fed["late_s"] < 2.0
    print(
        f"ingest during the load: lag p50 {during_lag[1]:.2f} s, max {during_lag[0]:.2f} s; "
        f"feeder late by up to {fed['late_s']:.2f} s, back-pressure waits {fed['waits']}; "
        f"{stats['frames']:,} of {warm_frames + fed['frames']:,} frames processed; "
        f"{len(final.aircraft):,} aircraft at the end -> "
        f"{'kept up' if kept else 'FELL BEHIND'}"
    )


# -- the client side ---------------------------------------------------------------------------


async def http_load(spec: dict[str, Any]) -> dict[str, Any]:
    import httpx

    kinds = {
        "aircraft": lambda r: "/api/v1/aircraft",
        "aircraft_hex": lambda r: f"/api/v1/aircraft/{r.choice(spec['hexes'])}",
        "flights": lambda r: "/api/v1/flights?operator=KOR&date=2023-09-12",
    }
    lat: dict[str, list[float]] = {k: [] for k in kinds}
    size: dict[str, list[int]] = {k: [] for k in kinds}
    errors = 0

    pace_s = float(spec.get("pace_s") or 0.0)

    async def client(i: int) -> None:
        nonlocal errors
        r = random.Random(i)
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=spec["url"], limits=limits, timeout=60) as c:
            # paced: client i starts i/clients of a period late, then one request every
            # pace_s (as a map polling its aircraft); else back to back
            due = time.perf_counter() + pace_s * i / spec["clients"]
            for _ in range(spec["requests"]):
                for kind, path in kinds.items():
                    if pace_s:
                        await asyncio.sleep(max(0.0, due - time.perf_counter()))
                        due += pace_s
                    t = time.perf_counter()
                    try:
                        # the body as sent (gzip stays compressed): the latency is the
                        # server's and the wire's, not this process's decompression
                        async with c.stream("GET", path(r)) as resp:
                            n_bytes = sum([len(chunk) async for chunk in resp.aiter_raw()])
                    except httpx.HTTPError:
                        errors += 1
                        continue
                    lat[kind].append((time.perf_counter() - t) * 1000)
                    size[kind].append(n_bytes)
                    if resp.status_code not in (200, 404):  # an aircraft may just have left
                        errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(spec["clients"])))
    elapsed = time.perf_counter() - t0
    return {
        "http_s": elapsed,
        "requests": sum(len(v) for v in lat.values()),
        "errors": errors,
        "latency_ms": {
            k: {"p50": pct(v, 50), "p99": pct(v, 99), "bytes": statistics.median(size[k])}
            for k, v in lat.items()
        },
    }


async def ws_watch(spec: dict[str, Any], bbox: tuple[float, ...] | None) -> dict[str, Any]:
    import websockets

    url = spec["url"].replace("http://", "ws://") + "/api/v1/live"
    if bbox is not None:
        url += "?bbox=" + ",".join(str(v) for v in bbox)
    markers: dict[str, float] = spec["markers"]
    delays: list[float] = []
    n_bytes = messages = rows = 0
    async with websockets.connect(url, max_size=None) as ws:
        t0 = time.perf_counter()
        end = t0 + spec["ws_seconds"]
        fields: list[str] = []
        while (left := end - time.perf_counter()) > 0:
            try:
                text = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            now = time.time()
            n_bytes += len(text)
            messages += 1
            msg = json.loads(text)
            if msg["type"] == "snapshot":
                fields = msg["fields"]
                continue
            if msg["type"] != "delta":
                continue
            rows += len(msg["upsert"])
            i_hex, i_lat = fields.index("hex"), fields.index("lat")
            for row in msg["upsert"]:
                lat0 = markers.get(row[i_hex])
                if lat0 is None or row[i_lat] is None:
                    continue
                k = round((row[i_lat] - lat0) / MARKER_STEP_DEG)
                delays.append(now - (spec["wall0"] + k * spec["step_s"]))
        seconds = time.perf_counter() - t0
    return {
        "bytes_per_s": n_bytes / seconds,
        "messages": messages,
        "rows": rows,
        "seconds": seconds,
        "delay_s": {"p50": pct(delays, 50), "p99": pct(delays, 99), "n": len(delays)},
    }


def client_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())

    async def everything() -> dict[str, Any]:
        result = await http_load(spec)
        result["ws"] = {
            "world": await ws_watch(spec, None),
            "germany": await ws_watch(spec, GERMANY),
        }
        return result

    print(json.dumps(asyncio.run(everything())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aircraft", type=int, default=25_000)
    ap.add_argument("--receivers", type=int, default=2_000)
    ap.add_argument("--seconds", type=float, default=60.0, help="paced feed, in seconds")
    ap.add_argument(
        "--rate",
        type=float,
        default=2.0,
        help="positions per aircraft per second in the paced feed (ADS-B: 2)",
    )
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--requests", type=int, default=10, help="per client and kind")
    ap.add_argument(
        "--pace",
        type=float,
        default=0.0,
        metavar="S",
        help="each client sends one request every S seconds (a map polling); "
        "default 0: back to back, the most the server answers",
    )
    ap.add_argument("--ws-seconds", type=float, default=8.0)
    ap.add_argument(
        "--store",
        metavar="DIR",
        help="store for the flight search (default: the "
        "store tests' sample history in a temporary directory)",
    )
    ap.add_argument("--client-timeout", type=float, default=600.0)
    ap.add_argument("--client", metavar="SPEC", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client:
        client_main(args.client)
    else:
        serve(args)


if __name__ == "__main__":
    main()
