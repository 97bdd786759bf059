"""``skytrace serve`` end to end on loopback, and ``skytrace receivers`` reading its stats."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from skytrace.cli import serve as serve_cli
from skytrace.cli.main import main
from skytrace.decode import decode_batch
from skytrace.live.ingest import LiveIngestServer
from skytrace.live.runtime import LiveOptions, LiveRuntime
from skytrace.outputs.feeds import FeedOutputs
from skytrace.sources.beast import BeastParser

LIMIT_S = 60.0


def wait_for_file(path: Path, timeout_s: float = 20.0) -> None:
    end = time.monotonic() + timeout_s
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.02)


def test_serve_feeds_beast_and_sbs_out_and_writes_receiver_stats(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = (shared_data / "modes" / "sample_dump1090.beast").read_bytes()
    ports_file = tmp_path / "ports.json"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "watch.toml").write_text(  # the sample's aircraft, first seen: one alert
        '[[rule]]\nname = "seen"\naircraft = ["48520a"]\non = ["first-seen"]\n'
        'jsonl = "seen.jsonl"\n'
    )
    argv = [
        sys.executable, "-m", "skytrace", "serve", "--beast-in", "0", "--avr-in", "0",
        "--beast-out", "0", "--avr-out", "off", "--sbs-out", "0", "--data-dir", str(data_dir),
        "--no-store", "--duration", str(LIMIT_S), "--stats-interval", "0.2", "--http", "off",
        "--ports-json", str(ports_file), "--aircraft-json", str(tmp_path / "aircraft.json"),
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_file(ports_file)
        ports = json.loads(ports_file.read_text())
        assert set(ports) == {"beast-in", "avr-in", "beast-out", "sbs-out"}
        beast_out = socket.create_connection(("127.0.0.1", ports["beast-out"]), timeout=LIMIT_S)
        sbs_out = socket.create_connection(("127.0.0.1", ports["sbs-out"]), timeout=LIMIT_S)
        time.sleep(0.5)  # let the server register both clients
        with socket.create_connection(("127.0.0.1", ports["beast-in"]), timeout=10) as feeder:
            feeder.sendall(b"KEY anonymous\n" + sample)
            frames = BeastParser().feed(sample, 0.0)
            expected = FeedOutputs()._forward_rows(frames, decode_batch(frames))
            parser = BeastParser()
            got: list[bytes] = []
            while len(got) < len(expected):
                chunk = beast_out.recv(65536)
                if not chunk:
                    break
                b = parser.feed(chunk, 0.0)
                got += [b.message_bytes(i) for i in range(len(b))]
            assert got == [frames.message_bytes(int(i)) for i in expected]
            sbs_text = ""
            while "48520A" not in sbs_text:  # the sample's aircraft
                sbs_text += sbs_out.recv(1 << 20).decode()
            assert sbs_text.startswith("MSG,")
        beast_out.close()
        sbs_out.close()
        time.sleep(0.5)  # one more statistics interval after the feeder left
    finally:
        proc.send_signal(signal.SIGTERM)  # a clean stop, as a service manager does
        _, err = proc.communicate(timeout=LIMIT_S)
    assert proc.returncode == 0, err
    assert "stopped; 239 frames" in err
    aircraft = json.loads((tmp_path / "aircraft.json").read_text())
    assert "48520a" in {a["hex"] for a in aircraft["aircraft"]}
    assert "alert seen: first-seen — 48520a" in err  # printed as it fired
    delivered = [json.loads(line) for line in (data_dir / "alerts" / "seen.jsonl").open()]
    assert [(a["rule"], a["trigger"], a["aircraft"]["hex"]) for a in delivered] == [
        ("seen", "first-seen", "48520a")
    ]

    assert main(["receivers", "--json", "--data-dir", str(data_dir)]) == 0
    doc = json.loads(capsys.readouterr().out)
    (feeder_stats,) = [r for r in doc["receivers"] if r["frames"] > 0]
    assert feeder_stats["frames"] == 239 and feeder_stats["bad_frames"] == 0
    assert feeder_stats["garbage_bytes"] == 0
    assert feeder_stats["connected"] is False  # the feeder hung up before the last snapshot
    assert feeder_stats["bytes_in"] == len(sample)  # the KEY line is not frame traffic
    assert abs(feeder_stats["clock_rate_hz"] / 12e6 - 1) < 2e-3
    assert main(["receivers", "--data-dir", str(data_dir)]) == 0
    assert "127.0.0.1" in capsys.readouterr().out


def test_receivers_without_a_running_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["receivers", "--data-dir", str(tmp_path)]) == 4
    assert "skytrace serve" in capsys.readouterr().err


def test_serve_argument_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--require-feeder-key", "--data-dir", str(tmp_path)]) == 2
    assert "needs feeders" in capsys.readouterr().err
    assert main(["serve", "--bind", "localhost:1", "--data-dir", str(tmp_path)]) == 2
    assert main(["serve", "--connect", "nohost", "--data-dir", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        main(["serve", "--beast-in", "99999"])
    assert main(["serve", "--retention-days", "-1", "--data-dir", str(tmp_path)]) == 2
    assert "--retention-days" in capsys.readouterr().err
    assert main(["serve", "--retention-days", "3", "--no-store"]) == 2
    assert "needs a store" in capsys.readouterr().err


def test_retention_days_reach_the_store(tmp_path: Path) -> None:
    """An explicit setting is the only way retention turns on (issue 18)."""
    from skytrace.app import RuntimeOptions, open_runtime

    options = RuntimeOptions(data_dir=tmp_path, store_options={"retention_days": 7.0})
    with open_runtime(tmp_path, options) as rt:
        assert rt.store.retention_days == 7.0
    with open_runtime(tmp_path) as rt:
        assert rt.store.retention_days == 0.0


# -- in-process serve: live state, wall-clock ageing, HTTP on the same loop ---------------


class _Running:
    """``serve`` running in a thread of this process (its own event loop)."""

    def __init__(self) -> None:
        self.server: LiveIngestServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ports: dict[str, int] = {}
        self.code: int | None = None
        self.error: BaseException | None = None

    def stop(self) -> None:
        assert self.loop is not None and self.server is not None
        self.loop.call_soon_threadsafe(self.server.stop)


@contextmanager
def serve_in_thread(
    tmp_path: Path,
    extra: list[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    live_factory: Callable[[Any], LiveRuntime] = LiveRuntime,
    app_factory: Callable[[Any], Any] | None = None,
) -> Iterator[_Running]:
    running = _Running()

    class Recording(LiveIngestServer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            running.server = self
            running.loop = asyncio.get_running_loop()

    monkeypatch.setattr(serve_cli, "LiveIngestServer", Recording)
    parser = argparse.ArgumentParser()
    serve_cli.add_arguments(parser)
    ports_file = tmp_path / "ports.json"
    args = parser.parse_args(
        ["--beast-in", "0", "--avr-in", "off", "--beast-out", "off", "--avr-out", "off",
         "--sbs-out", "off", "--duration", str(LIMIT_S), "--ports-json", str(ports_file),
         "--data-dir", str(tmp_path / "data"), *extra]
    )  # fmt: skip
    config = serve_cli._server_config(args)
    (tmp_path / "data").mkdir(exist_ok=True)

    def run() -> None:
        try:
            running.code = asyncio.run(
                serve_cli._serve(args, config, tmp_path / "data", app_factory, live_factory)
            )
        except BaseException as exc:
            running.error = exc

    thread = threading.Thread(target=run)
    thread.start()
    try:
        end = time.monotonic() + LIMIT_S
        while not ports_file.exists() and thread.is_alive():
            assert time.monotonic() < end, "serve never listened"
            time.sleep(0.02)
        if running.error is not None:
            raise running.error
        running.ports = json.loads(ports_file.read_text())
        yield running
    finally:
        if running.server is not None and thread.is_alive():
            running.stop()
        thread.join(LIMIT_S)
    if running.error is not None:
        raise running.error
    assert running.code == 0


def _read_json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _wait_json(path: Path, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    end = time.monotonic() + LIMIT_S
    while True:
        if path.exists():
            doc = _read_json(path)
            if condition(doc):
                return doc
        assert time.monotonic() < end, f"{path} never satisfied the condition"
        time.sleep(0.05)


def test_aircraft_json_with_no_aircraft_logs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "aircraft.json"
    caplog.set_level(logging.WARNING)
    extra = ["--no-store", "--http", "off", "--stats-interval", "0.05", "--aircraft-json", str(out)]
    with serve_in_thread(tmp_path, extra, monkeypatch):
        doc = _wait_json(out, lambda d: True)
        time.sleep(0.3)  # several more statistics intervals with nothing tracked
    assert doc["aircraft"] == [] and _read_json(out)["aircraft"] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


class _Wall:
    """The real wall clock plus an offset the test moves (the feed stopped long ago)."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset_s


def test_after_the_feed_stops_aircraft_age_and_disappear(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = (shared_data / "modes" / "sample_dump1090.beast").read_bytes()
    out = tmp_path / "aircraft.json"
    wall = _Wall()

    def live_factory(rt: Any) -> LiveRuntime:
        return LiveRuntime(rt, LiveOptions(tick_s=0.05, publish_interval_s=0.05), wall_clock=wall)

    extra = ["--no-store", "--http", "off", "--stats-interval", "0.05", "--aircraft-json", str(out)]
    with serve_in_thread(tmp_path, extra, monkeypatch, live_factory=live_factory) as running:
        with socket.create_connection(("127.0.0.1", running.ports["beast-in"]), timeout=10) as s:
            s.sendall(sample)
        first = _wait_json(out, lambda d: any(a["hex"] == "48520a" for a in d["aircraft"]))
        (seen_first,) = [a["seen"] for a in first["aircraft"] if a["hex"] == "48520a"]
        wall.offset_s = 120.0  # two minutes without a frame
        aged = _wait_json(out, lambda d: d["now"] >= first["now"] + 120)
        (ac,) = [a for a in aged["aircraft"] if a["hex"] == "48520a"]
        assert ac["seen"] >= seen_first + 119 and "lat" not in ac  # no stale position shown
        wall.offset_s = 400.0  # beyond the tracker's 300 s: gone
        _wait_json(out, lambda d: d["aircraft"] == [])
    assert _read_json(out)["aircraft"] == []  # the file written at the stop agrees


def test_serve_answers_the_api_on_its_own_loop(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """skytrace.api in-process on an ephemeral port: status, live aircraft, aircraft.json."""
    sample = (shared_data / "modes" / "sample_dump1090.beast").read_bytes()
    monkeypatch.setenv("SKYTRACE_API_TOKEN", "s3cret")
    with serve_in_thread(tmp_path, ["--http", "0"], monkeypatch) as running:
        base = f"http://127.0.0.1:{running.ports['http']}"
        with socket.create_connection(("127.0.0.1", running.ports["beast-in"]), timeout=10) as s:
            s.sendall(sample)
        end = time.monotonic() + LIMIT_S
        while True:
            status = httpx.get(f"{base}/api/v1/status", timeout=LIMIT_S)
            assert status.status_code == 200
            body = status.json()
            if body["ingest"]["frames"] == 239 and body["ingest"]["aircraft"] >= 1:
                break
            assert time.monotonic() < end, body
            time.sleep(0.05)
        tar1090 = httpx.get(f"{base}/data/aircraft.json", timeout=LIMIT_S).json()
        hexes = {a["hex"] for a in tar1090["aircraft"]}
    assert body["mode"] == "live" and body["writes"] is True
    assert body["ingest"]["store"] == "writing"
    assert "48520a" in hexes


def test_http_is_answered_while_the_pipeline_is_stuck_in_a_batch(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = (shared_data / "modes" / "sample_dump1090.beast").read_bytes()
    entered, release = threading.Event(), threading.Event()

    class Gate:
        def write(self, positions: Any, flights: Any, events: Any) -> None:
            if len(positions):
                entered.set()
                assert release.wait(LIMIT_S)

    def live_factory(rt: Any) -> LiveRuntime:
        rt.attach(Gate())
        return LiveRuntime(rt)

    extra = ["--http", "0", "--no-store"]
    with serve_in_thread(tmp_path, extra, monkeypatch, live_factory=live_factory) as running:
        base = f"http://127.0.0.1:{running.ports['http']}"
        with socket.create_connection(("127.0.0.1", running.ports["beast-in"]), timeout=10) as s:
            s.sendall(sample)
        assert entered.wait(LIMIT_S)  # the pipeline thread is inside a batch
        try:
            during = httpx.get(f"{base}/api/v1/status", timeout=LIMIT_S).json()
        finally:
            release.set()
    assert during["ingest"]["frames"] == 0  # answered before the batch was done
    assert 0 < during["ingest"]["submitted_frames"] <= 239


def test_http_port_and_token_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    serve_cli.add_arguments(parser)
    args = parser.parse_args(["--http", "off", "--cors-origin", "http://a", "--cors-origin", "b"])
    assert args.http is None and args.cors_origin == ["http://a", "b"]
    assert parser.parse_args([]).http == 8080
    with pytest.raises(SystemExit):
        parser.parse_args(["--http", "http"])
    assert "not a port number" in capsys.readouterr().err


def test_no_store_writes_nothing_to_the_default_data_directory(tmp_path: Path) -> None:
    """Issue 12: `serve --no-store` left receivers.json in the user's data directory."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "SKYTRACE_DATA_DIR"}
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    argv = [
        sys.executable, "-m", "skytrace", "serve", "--no-store", "--duration", "0.5",
        "--http", "off", "--beast-in", "0", "--avr-in", "0", "--beast-out", "0",
        "--avr-out", "0", "--sbs-out", "0", "--stats-interval", "0.1",
    ]  # fmt: skip
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=LIMIT_S)
    assert done.returncode == 0, done.stderr
    assert "nothing written" in done.stderr
    assert not any(p.is_file() for p in home.rglob("*")), sorted(home.rglob("*"))


def _serve_proc(data_dir: Path, ports_file: Path, *extra: str) -> subprocess.Popen[str]:
    argv = [
        sys.executable, "-m", "skytrace", "serve", "--data-dir", str(data_dir), "--http", "off",
        "--beast-in", "0", "--avr-in", "0", "--beast-out", "0", "--avr-out", "off",
        "--sbs-out", "off", "--ports-json", str(ports_file), "--duration", str(LIMIT_S),
        "--stats-interval", "0.5", *extra,
    ]  # fmt: skip
    return subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)


def _stored_positions(data_dir: Path) -> int:
    from skytrace.store import open_reader

    with open_reader(data_dir) as reader:
        _, rows = reader.sql("SELECT count(*) FROM positions")
    return int(rows[0][0])


def test_a_server_pulling_another_servers_beast_out_stores_what_it_stores(
    tmp_path: Path,
) -> None:
    """Issue 12: a chained server stored 1,425 positions where the first stored 538 from the
    same frames. Receiver ids travel with the frames (readsb's 0xe3), so the second server
    keeps each receiver's copies and clocks apart, as the first did."""
    first = _serve_proc(tmp_path / "a", tmp_path / "a.json")
    second = None
    try:
        wait_for_file(tmp_path / "a.json")
        ports = json.loads((tmp_path / "a.json").read_text())
        second = _serve_proc(
            tmp_path / "b",
            tmp_path / "b.json",
            "--connect",
            f"127.0.0.1:{ports['beast-out']}:beast",
        )
        wait_for_file(tmp_path / "b.json")
        time.sleep(1.0)  # the pull connection is up
        # near live pace: both servers time frames by arrival, which a much faster push
        # compresses (at 20x real time their batch boundaries, and so a few CPR pairs, differ)
        simulate = [
            sys.executable, "-m", "skytrace", "simulate", "--to",
            f"127.0.0.1:{ports['beast-in']}", "--duration", "90", "--speed", "6",
        ]  # fmt: skip
        subprocess.run(simulate, check=True, capture_output=True, timeout=LIMIT_S)
        time.sleep(2.0)  # the last frames pass through the first server to the second
    finally:
        said = []
        for proc in (first, second):  # the first one first: its output ends, then the second
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                said.append(proc.communicate(timeout=LIMIT_S)[1])
    assert first.returncode == 0 and second is not None and second.returncode == 0
    stored_a, stored_b = _stored_positions(tmp_path / "a"), _stored_positions(tmp_path / "b")
    assert stored_a > 1000
    assert abs(stored_b - stored_a) <= 0.005 * stored_a, (stored_a, stored_b, said)


def test_mlat_runs_with_the_receivers_placed_and_times_frames_by_their_clocks(
    tmp_path: Path,
) -> None:
    """serve multilaterates when it knows where receivers are (a positions file, or feeders
    placed in --config); MLAT needs each receiver's clock, so frames are timed by it."""
    from skytrace.cli.mlat_options import mlat_stage
    from skytrace.errors import UsageError
    from skytrace.simulate.scenario import builtin_scenario_path

    parser = argparse.ArgumentParser()
    serve_cli.add_arguments(parser)
    feeders = [("roof", 43.4, 132.1), ("shed", math.nan, math.nan)]
    stage = mlat_stage(parser.parse_args([]), feeders)
    assert stage is not None and stage.book.resolve({1: "roof", 2: "shed"})[0].name == "roof"
    assert mlat_stage(parser.parse_args(["--no-mlat"]), feeders) is None
    assert mlat_stage(parser.parse_args([])) is None  # nobody placed: no MLAT
    with pytest.raises(UsageError, match="--mlat needs receiver positions"):
        mlat_stage(parser.parse_args(["--mlat"]))
    argv = [
        sys.executable, "-m", "skytrace", "serve", "--data-dir", str(tmp_path), "--http", "off",
        "--beast-in", "0", "--avr-in", "0", "--beast-out", "off", "--avr-out", "off",
        "--sbs-out", "off", "--duration", "0.5",
        "--receiver-positions", str(builtin_scenario_path()),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=LIMIT_S)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "MLAT on: 15 receivers placed; frames timed by the receivers' 12 MHz clocks" in said
    assert "(0 MLAT fixes)" in said
