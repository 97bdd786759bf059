"""Benchmark-sized chaos run (issue 18): hostile feeders beside good ones, and bombs under a
memory ceiling. The small versions run in the test suite (tests/chaos/); this one prints figures.

    python bench/bench_chaos.py [--good 10] [--repeats 20] [--dribblers 1000]
                                [--receiver-ids 150000] [--escape-mib 64] [--big-keys 200]
                                [--stuck-clients 250] [--out-mib 256] [--bomb-gib 4]
                                [--no-bombs]

Feeders: the scenario of tests/chaos/feeders.py on loopback (hostile peers bind 127.0.x.y):
prints whether every good feeder delivered every frame in order, the server's counters, how
many receivers it holds, the log lines written, the Beast-out clients refused and dropped, the
wall time and this process's peak resident memory.

Bombs: ``skytrace import`` / ``skytrace refdata import`` of gzip bombs decompressing to
``--bomb-gib`` GiB, each in a child process under RLIMIT_AS (2 GiB of growth allowed), with the
default input limits: prints exit code, the error and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from tests.chaos.bombs import gzip_bomb, import_under_ceiling  # noqa: E402
from tests.chaos.feeders import ChaosConfig, run_chaos  # noqa: E402
from tests.conftest import shared_data_dir  # noqa: E402
from tests.refdata.test_bad_input import RUNWAY_HEADER  # noqa: E402

from skytrace.outputs.feeds import Broadcaster  # noqa: E402
from skytrace.sources.server import ServerLimits  # noqa: E402

BOMBS = [
    ("import", "trace_full_7277cf.json.gz", b'{"icao": "7277cf", "timestamp": 0, "trace": ['),
    ("import", "states.csv.gz", b"time,icao24,lat,lon,baroaltitude\n"),
    ("aircraft", "aircraft.csv.gz", b"icao24,registration,typecode\n"),
    ("runways", "runways.csv.gz", RUNWAY_HEADER.encode() + b"\n"),
    ("area", "area.geojson.gz", b'{"type": "FeatureCollection", "features": ['),
]


def feeders(args: argparse.Namespace) -> None:
    sample = (shared_data_dir() / "modes" / "sample_dump1090.beast").read_bytes()
    cfg = ChaosConfig(
        good_feeders=args.good,
        repeats=args.repeats,
        dribblers=args.dribblers,
        escape_flood_bytes=args.escape_mib << 20,
        receiver_ids=args.receiver_ids,
        big_key_lines=args.big_keys,
        stuck_clients=args.stuck_clients,
        limits=ServerLimits(handshake_timeout_s=2.0),  # the defaults but a shorter deadline
    )
    r = run_chaos(sample, cfg, timeout_s=600)
    whole = sum(msgs == r.expected for msgs in r.delivered.values())
    c = r.counters
    print(f"good feeders whole and in order: {whole} of {cfg.good_feeders} "
          f"({r.expected_per_feeder:,} frames each)")  # fmt: skip
    print(f"accepted {c.accepted:,}, refused {c.refused:,} (full {c.refused_full:,}, "
          f"per address {c.refused_address:,}), dropped: handshake {c.dropped_handshake:,}, "
          f"garbage {c.dropped_garbage:,}, idle {c.dropped_idle:,}")  # fmt: skip
    print(f"receivers held {r.receivers:,}; readsb ids not registered {r.refused_ids:,}")
    print(f"log lines {r.log_records:,} (longest {r.longest_log_chars} chars)")
    print(f"Beast out: {r.out_clients_refused:,} clients refused, {r.out_clients_dropped:,} "
          f"dropped, reader got {r.out_reader_bytes:,} bytes")  # fmt: skip
    print(f"wall {r.elapsed_s:.1f} s, peak RSS {r.peak_rss_mib:,.0f} MiB")


def out_clients(args: argparse.Namespace) -> None:
    """Beast out with ``--stuck-clients`` clients that never read and one that does, fed
    ``--out-mib`` MiB in 64 KiB chunks, with the default caps."""

    async def run() -> tuple[Broadcaster, int, int]:
        b = Broadcaster("beast")
        port = await b.start("127.0.0.1", 0)
        reader, reader_w = await asyncio.open_connection("127.0.0.1", port)
        stuck = []
        for _ in range(args.stuck_clients):
            _, w = await asyncio.open_connection("127.0.0.1", port, limit=1024)
            w.transport.pause_reading()  # type: ignore[attr-defined]
            stuck.append(w)
        await asyncio.sleep(0.5)
        chunk, most, got = b"x" * 65536, 0, 0
        for _ in range(args.out_mib * 16):
            b.send(chunk)
            most = max(most, sum(t.get_write_buffer_size() for t in b.clients))
            got += len(await reader.read(1 << 20))
        for w in [*stuck, reader_w]:
            w.close()
        await b.close()
        return b, most, got

    b, most, got = asyncio.run(run())
    print(f"Beast out, {args.stuck_clients} never-reading clients, {args.out_mib} MiB sent: "
          f"{b.refused_clients} refused, {b.dropped_clients} dropped, most unsent at once "
          f"{most / (1 << 20):.1f} MiB (cap {b.max_total_buffer_bytes >> 20} MiB), "
          f"reader got {got / (1 << 20):.0f} MiB")  # fmt: skip


def bombs(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for kind, name, head in BOMBS:
            bomb = gzip_bomb(Path(tmp) / name, head, args.bomb_gib << 10)
            data = str(Path(tmp) / "data")
            if kind == "import":
                argv = ["import", str(bomb), "--data-dir", data]
            else:
                argv = ["refdata", "import", str(bomb), "--kind", kind, "--data-dir", data]
                argv += ["--name", "bomb"] if kind == "area" else []
            o = import_under_ceiling(argv, 2048, {})
            error = next((ln for ln in o.stderr.splitlines() if "error" in ln.lower()), "?")
            print(f"{kind:9s} {name:26s} {bomb.stat().st_size / 1e6:6.1f} MB -> "
                  f"{args.bomb_gib} GiB: exit {o.exit_code}, peak RSS {o.peak_mib:,.0f} MiB; "
                  f"{error.split(': ', 2)[-1][:90]}")  # fmt: skip
            bomb.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--good", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--dribblers", type=int, default=1000)
    ap.add_argument("--receiver-ids", type=int, default=150_000)
    ap.add_argument("--escape-mib", type=int, default=64)
    ap.add_argument("--big-keys", type=int, default=200)
    ap.add_argument("--stuck-clients", type=int, default=250)
    ap.add_argument("--out-mib", type=int, default=256)
    ap.add_argument("--bomb-gib", type=int, default=4)
    ap.add_argument("--no-bombs", action="store_true")
    args = ap.parse_args()
    feeders(args)
    out_clients(args)
    if not args.no_bombs:
        bombs(args)


if __name__ == "__main__":
    main()
