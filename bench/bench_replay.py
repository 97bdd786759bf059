"""End-to-end replay benchmark: ``skytrace replay`` on the 10x long_flight corpus, beside
pyModeS and dump1090-mutability.

    .venv/bin/python bench/bench_replay.py [--runs 3] [--copies 10] [--formats beast,csv,avr]
                                           [--no-store] [--no-others] [--workdir DIR]

The corpus is long_flight.csv's 172,432 real frames repeated ``--copies`` times, each copy
shifted in time by the span of the file (so time runs forward, one receiver throughout), as

    beast     escaped Beast stream (as on port 30005), the 12 MHz counters shifted per copy
    csv       ``ts,hex`` CSV (the hex a whole unescaped Beast frame, as long_flight.csv)
    avr       AVR ``*HEX;`` lines (no time: the reader spaces frames 1 us apart)
    avr-ts    AVR ``@CCCCCCCCCCCCHEX;`` lines (12 MHz counter)

written once to ``--workdir`` (default: the system temp dir). Each format is replayed by
``skytrace replay FILE --json`` in a child process (into a fresh data dir, or ``--no-store``),
``--runs`` times; the figure is the median of frames per CPU-second of the child (user + system
time from getrusage, start-up included) and of frames per wall second.

``--src DIR`` (repeatable) replays with another source tree, e.g. a copy of src/ taken before
a change, so before and after are measured in one run on the same machine load.

Others, in the same run: pyModeS on ``--pymodes-copies`` copies (default 1), dump1090 on all:
  pyModeS 3.6.1 ``PipeDecoder`` (decode plus CPR pairing per aircraft, one message at a time;
  GPL, dev only, imported here and nowhere in the package), CPU time of this process;
  dump1090-mutability (Debian's C decoder/tracker) started ``--net-only`` on loopback ports,
  fed the Beast corpus over TCP to its Beast input port, its CPU time read from /proc until it
  has taken everything; skipped with a note when it is not installed.
Ratios are skytrace's frames per CPU-second over theirs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "modes" / "long_flight.csv"
SKYTRACE = [sys.executable, "-m", "skytrace"]
TICK_HZ = 12_000_000


def _corpus_rows() -> tuple[np.ndarray, list[bytes]]:
    times, frames = [], []
    for line in DATA.read_text().split():
        ts, hx = line.split(",")
        times.append(float(ts))
        frames.append(bytes.fromhex(hx))
    return np.asarray(times), frames


def build_corpus(workdir: Path, copies: int) -> dict[str, Path]:
    """Write the corpus in every format (once; reused when the files exist)."""
    out = {
        "beast": workdir / f"long_flight_x{copies}.beast",
        "csv": workdir / f"long_flight_x{copies}.csv",
        "avr": workdir / f"long_flight_x{copies}.avr",
        "avr-ts": workdir / f"long_flight_x{copies}_ts.avr",
    }
    if all(p.exists() for p in out.values()):
        return out
    times, frames = _corpus_rows()
    span_s = float(times[-1] - times[0]) + 1.0
    ticks = np.array([int.from_bytes(f[2:8], "big") for f in frames], np.int64)
    beast, csv, avr, avr_ts = [], [], [], []
    for k in range(copies):
        shift_ticks = int(k * span_s * TICK_HZ)
        for t, f, tk in zip(times, frames, ticks, strict=True):
            c = (int(tk) + shift_ticks) % (1 << 48)
            frame = f[:2] + c.to_bytes(6, "big") + f[8:]
            beast.append(frame[:2] + frame[2:].replace(b"\x1a", b"\x1a\x1a"))
            csv.append(f"{t + k * span_s:.6f},{frame.hex()}\n")
            avr.append(f"*{f[9:].hex()};\n")
            avr_ts.append(f"@{c:012x}{f[9:].hex()};\n")
    out["beast"].write_bytes(b"".join(beast))
    out["csv"].write_text("".join(csv))
    out["avr"].write_text("".join(avr))
    out["avr-ts"].write_text("".join(avr_ts))
    return out


def run_replay(path: Path, no_store: bool, src: Path) -> tuple[float, float, dict[str, object]]:
    """(wall s, child CPU s, summary) of one ``skytrace replay``."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    cmd = [*SKYTRACE, "replay", str(path), "--json"]
    cmd += ["--no-store"] if no_store else ["--data-dir", str(data_dir)]
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(data_dir, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"replay failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    return wall, cpu, summary


def pymodes_rate(frames: list[bytes], times: np.ndarray) -> float | None:
    try:
        import pyModeS  # GPL, dev only: used in bench/ and never by the package
    except ImportError:
        return None
    decoder = pyModeS.PipeDecoder()
    msgs = [f[9:].hex() for f in frames]
    c0 = time.process_time()
    for m, t in zip(msgs, times.tolist(), strict=True):
        decoder.decode(m, timestamp=t)
    return len(msgs) / (time.process_time() - c0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dump1090_rate(beast: bytes, n_frames: int) -> tuple[float, float] | str:
    """(frames per CPU-second, wall s) of dump1090-mutability taking ``beast`` over TCP."""
    exe = shutil.which("dump1090-mutability")
    if exe is None:
        return "dump1090-mutability is not installed (apt-get install dump1090-mutability)"
    bi = _free_port()
    cmd = [exe, "--net-only", "--net-bind-address", "127.0.0.1", "--net-bi-port", str(bi)]
    for opt in ("--net-ri-port", "--net-ro-port", "--net-sbs-port", "--net-bo-port"):
        cmd += [opt, "0"]
    cmd += ["--net-heartbeat", "0", "--quiet", "--stats"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", bi), 1):
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                return "dump1090-mutability did not open its Beast input port"
            time.sleep(0.1)
        cpu0 = _proc_cpu_s(proc.pid)
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", bi)) as s:
            s.sendall(beast)
            s.shutdown(socket.SHUT_WR)
            # Its input buffer drains while it works; wait until its CPU time stops growing.
            last = -1.0
            while True:
                time.sleep(0.5)
                now = _proc_cpu_s(proc.pid)
                if now - last < 0.02:
                    break
                last = now
        wall = time.perf_counter() - t0
        cpu = _proc_cpu_s(proc.pid) - cpu0
        return n_frames / cpu, wall
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--formats", default="beast,csv,avr")
    ap.add_argument("--no-store", action="store_true", help="replay with --no-store")
    ap.add_argument("--no-others", action="store_true", help="skip pyModeS and dump1090")
    ap.add_argument("--pymodes-copies", type=int, default=1)
    ap.add_argument(
        "--src",
        type=Path,
        action="append",
        help="source tree(s) to replay with (e.g. a copy of src/ before a change); "
        "default: this checkout's src/",
    )
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()

    files = build_corpus(args.workdir, args.copies)
    results: dict[str, float] = {}
    srcs = args.src or [REPO / "src"]
    for fmt, src in ((f, s) for f in args.formats.split(",") for s in srcs):
        walls, cpus, summary = [], [], {}
        for _ in range(args.runs):
            wall, cpu, summary = run_replay(files[fmt], args.no_store, src)
            walls.append(wall)
            cpus.append(cpu)
        n = int(summary["frames"])  # type: ignore[call-overload]
        per_cpu = statistics.median(n / c for c in cpus)
        per_wall = statistics.median(n / w for w in walls)
        results[fmt] = per_cpu  # the last tree given wins
        label = "" if len(srcs) == 1 else f" [{src}]"
        print(
            f"skytrace replay {fmt:<7}{label} {n:>10,} frames: {per_cpu:>11,.0f} frames per CPU-s, "
            f"{per_wall:>11,.0f} frames/s wall (median of {args.runs}; CPU s "
            f"{', '.join(f'{c:.2f}' for c in cpus)}); positions {summary['positions']:,}, "
            f"aircraft {summary['aircraft']}, flights {summary['flights']}"
        )
    if args.no_others:
        return 0
    times, frames = _corpus_rows()
    best = results.get("beast", max(results.values()))
    rate = pymodes_rate(frames * args.pymodes_copies, np.tile(times, args.pymodes_copies))
    if rate is None:
        print("pyModeS: not importable (pip install -e '.[dev]')")
    else:
        print(
            f"pyModeS PipeDecoder      {len(frames) * args.pymodes_copies:>10,} frames: "
            f"{rate:>11,.0f} frames per CPU-s; skytrace beast replay / pyModeS = {best / rate:.1f}x"
        )
    # dump1090 takes the whole Beast corpus (its CPU clock ticks in 10 ms: one copy is ~40 ms)
    got = dump1090_rate(files["beast"].read_bytes(), len(frames) * args.copies)
    if isinstance(got, str):
        print(f"dump1090-mutability: {got}")
    else:
        d_rate, d_wall = got
        print(
            f"dump1090-mutability      {len(frames) * args.copies:>10,} frames: "
            f"{d_rate:>11,.0f} frames per CPU-s ({d_wall:.1f} s wall, --net-only, Beast over loopback); "
            f"skytrace beast replay / dump1090 = {best / d_rate:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
