"""Cost of the alert engine beside the pipeline, and the delay to a webhook.

    python bench/bench_alerts.py [--aircraft 25000] [--receivers 2000] [--duration 60]
                                 [--rules 10000]

1. World-scale simulated traffic (skytrace.simulate: cruising aircraft between real airports,
   receivers beside airports) goes through the runtime (decode, track, flights; no store) in
   the simulator's batches, and each batch's results are kept. The CPU time
   of that is the pipeline's.
2. The same results go through an AlertEngine holding ``--rules`` rules of a realistic mix
   (40 % aircraft lists of 1-20 addresses, 25 % operators, 15 % route pairs, 10 % country
   areas, 5 % callsign patterns, 5 % 7x00 squawks; triggers from takeoff, landing,
   area-entry, emergency, first-seen, squawk), drawn from the aircraft and callsigns of the
   traffic so that some fire. Its CPU time, as a share of the pipeline's, is the figure
   (target: <= 10 %).
3. Delay from an alert firing (in the batch that carries its event's frame) to the webhook
   POST arriving at a receiver on loopback — in its own process, as a real endpoint is —
   through the dispatcher's workers, while the engine goes on with the next batches: p50/p99
   over the alerts of the first 20 rules (which have a webhook). The frame's own wait before
   its batch is processed (the live batch interval, 0.1 s by default) comes on top.

Everything runs on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import http.server
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from skytrace.alerts import AlertEngine, Dispatcher, RuleBook, WatchRule  # noqa: E402
from skytrace.alerts.delivery import DeliveryOptions  # noqa: E402
from skytrace.app import RuntimeOptions, open_runtime  # noqa: E402
from skytrace.simulate.build import world_simulation  # noqa: E402


def _webhook_receiver(port_out: mp.Queue, arrivals: mp.Queue) -> None:  # type: ignore[type-arg]
    """A webhook endpoint in its own process: answers 204, reports each arrival's wall time."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            arrivals.put(time.time())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


class Keep:
    def __init__(self) -> None:
        self.batches: list[tuple[np.ndarray, list, list]] = []

    def write(self, positions, flights, events) -> None:  # type: ignore[no-untyped-def]
        self.batches.append((positions, list(flights), list(events)))


def make_rules(n: int, hexes: list[int], callsigns: list[str], rng: np.random.Generator,
               webhook: str) -> list[WatchRule]:  # fmt: skip
    ops = sorted({c[:3] for c in callsigns if len(c) >= 4 and c[:3].isalpha()}) or ["KOR"]
    countries = ["RU", "CN", "KR", "JP", "US", "DE", "FR", "GB", "KP", "MN"]
    airports = ["ZKPY", "UHWW", "RKSI", "ZBAA", "RJTT", "EGLL", "EDDF", "KJFK", "LFPG", "EHAM"]
    triggers = ["takeoff", "landing", "area-entry", "emergency", "first-seen", "squawk"]
    rules = []
    for k in range(n):
        kind = rng.random()
        values: dict = {"name": f"r{k}", "on": list(rng.choice(triggers, 2, replace=False))}
        if kind < 0.40:
            size = int(rng.integers(1, 21))
            values["aircraft"] = [f"{a:06x}" for a in rng.choice(hexes, size)]
        elif kind < 0.65:
            values["operator"] = [str(rng.choice(ops))]
        elif kind < 0.80:
            values["route_from"] = [str(rng.choice(airports))]
            values["route_to"] = [str(rng.choice(airports))]
        elif kind < 0.90:
            values["area"] = [f"country:{rng.choice(countries)}"]
            values["on"] = ["area-entry"]
        elif kind < 0.95:
            values["callsign"] = [f"{rng.choice(ops)}1*"]
        else:
            values["squawk"] = ["7700", "7600", "7500"]
            values["on"] = ["emergency", "squawk"]
        if k < 20:
            values["webhook"] = webhook
        rules.append(WatchRule.build(values))
    return rules


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aircraft", type=int, default=25_000)
    ap.add_argument("--receivers", type=int, default=2_000)
    ap.add_argument("--duration", type=float, default=60.0, help="simulated seconds")
    ap.add_argument("--rules", type=int, default=10_000)
    args = ap.parse_args()

    sim = world_simulation(args.aircraft, args.receivers, seed=1, duration_s=args.duration)
    keep = Keep()
    frames = 0
    pipeline_cpu = 0.0  # the runtime's CPU time only (the simulator's is left out)
    with open_runtime(None, RuntimeOptions(data_dir=None, extra_sinks=[keep])) as rt:
        for batch in sim.batches():
            frames += len(batch)
            cpu0 = time.process_time()
            rt.process(batch)
            pipeline_cpu += time.process_time() - cpu0
        cpu0 = time.process_time()
    pipeline_cpu += time.process_time() - cpu0  # closing: the last flights
    n_pos = sum(len(p) for p, _, _ in keep.batches)
    n_ev = sum(len(e) for _, _, e in keep.batches)
    print(
        f"pipeline: {frames:,} frames of {args.aircraft:,} aircraft / {args.receivers:,} "
        f"receivers, {args.duration:.0f} s simulated: {n_pos:,} positions, {n_ev:,} events in "
        f"{len(keep.batches):,} batches; {pipeline_cpu:.1f} CPU-s"
    )

    positions = [p for p, _, _ in keep.batches if len(p)]
    hexes = np.unique(np.concatenate(positions)["icao24"]).tolist() if positions else [0x7277CF]
    callsigns = sorted(
        {c.decode("ascii", "replace").strip() for p in positions for c in np.unique(p["callsign"])}
    )
    rng = np.random.default_rng(7)

    port_q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    arrivals: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    receiver = mp.Process(target=_webhook_receiver, args=(port_q, arrivals), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{port_q.get(timeout=30)}/hook"
    received: list[float] = []
    rules = make_rules(args.rules, hexes, callsigns, rng, url)
    book = RuleBook(None, rules)
    sent: list[float] = []
    with Dispatcher(book.rules, None, DeliveryOptions(timeout_s=2.0)) as dispatcher:

        hooked = {f"r{k}" for k in range(20)}

        def timed(alert) -> None:  # type: ignore[no-untyped-def]
            if alert.rule in hooked:
                sent.append(time.time())
            dispatcher.submit(alert)

        engine = AlertEngine(book, rt.refdata, rt.refdata.areas if rt.refdata else None,
                             listeners=[timed])  # fmt: skip
        cpu0 = time.process_time()
        fired = 0
        for p, f, e in keep.batches:
            fired += len(engine.evaluate(p, f, e))
        engine_cpu = time.process_time() - cpu0
        deadline = time.perf_counter() + 30
        while len(received) < len(sent) and time.perf_counter() < deadline:
            try:
                received.append(arrivals.get(timeout=0.5))
            except Exception:  # queue.Empty: not yet
                continue
    receiver.terminate()
    share = 100 * engine_cpu / max(pipeline_cpu, 1e-9)
    print(
        f"alerts: {args.rules:,} rules, {fired:,} alerts fired; engine {engine_cpu:.2f} CPU-s = "
        f"{share:.1f} % of the pipeline's CPU (target <= 10 %)"
    )
    if sent and received:
        n = min(len(sent), len(received))  # POSTs arrive in the order they fired, give or take
        delays = np.sort(np.asarray(received[:n])) - np.sort(np.asarray(sent[:n]))
        print(
            f"webhook: {len(received)} of {len(sent)} POSTs received; delay from firing to "
            f"arrival p50 {1000 * np.median(delays):.1f} ms, p99 "
            f"{1000 * np.percentile(delays, 99):.1f} ms"
        )
    print(json.dumps({"engine_cpu_share_pct": round(share, 2), "alerts": fired}))


if __name__ == "__main__":
    main()
