"""``skytrace serve`` end to end on loopback, and ``skytrace receivers`` reading its stats."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.decode import decode_batch
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
    argv = [
        sys.executable, "-m", "skytrace", "serve", "--beast-in", "0", "--avr-in", "0",
        "--beast-out", "0", "--avr-out", "off", "--sbs-out", "0", "--data-dir", str(data_dir),
        "--no-store", "--duration", str(LIMIT_S), "--stats-interval", "0.2",
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
