"""``skytrace simulate``: files, a loopback server, world mode and clear errors."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import BeastParser
from tests.simulate.test_scenario import GOOD


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(
        GOOD.replace("lat = 43.4\nlon = 132.1\n", "lat = 43.4\nlon = 132.1\naltitude_m = 150\n")
    )
    return path


def test_simulate_to_beast_and_avr_files(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "mini.beast"
    assert (
        main(["simulate", "--scenario", str(scenario), "--out", str(out), "--duration", "120"]) == 0
    )
    frames = BeastParser().feed(out.read_bytes())
    assert len(frames) > 100
    avr = tmp_path / "mini.avr"
    assert (
        main(["simulate", "--scenario", str(scenario), "--out", str(avr), "--duration", "60"]) == 0
    )
    assert len(AvrParser().feed(avr.read_bytes())) > 50
    assert avr.read_bytes().startswith(b"@")


def test_simulate_pushes_beast_to_a_loopback_server(scenario: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(20)
    port = server.getsockname()[1]
    received = bytearray()

    def serve() -> None:
        conn, _ = server.accept()
        conn.settimeout(20)
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        code = main(
            [
                "simulate",
                "--scenario",
                str(scenario),
                "--to",
                f"127.0.0.1:{port}",
                "--speed",
                "0",
                "--duration",
                "60",
            ]
        )
        thread.join(20)
    finally:
        server.close()
    assert code == 0
    parser = BeastParser()
    assert len(parser.feed(bytes(received))) > 50
    assert parser.counters.receiver_id_frames > 0 and parser.counters.bad_frames == 0


def test_world_mode_writes_frames(tmp_path: Path) -> None:
    out = tmp_path / "world.beast"
    args = [
        "simulate",
        "--aircraft",
        "200",
        "--receivers",
        "50",
        "--duration",
        "5",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert len(BeastParser().feed(out.read_bytes())) > 100


def test_bad_scenario_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('icao = "UHHH"', 'icao = "ZZZZ"'))
    code = main(["simulate", "--scenario", str(bad), "--out", str(tmp_path / "x.beast")])
    assert code == 7
    assert "unknown airport 'ZZZZ'" in capsys.readouterr().err


def test_connection_refused_and_missing_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: refused
    code = main(["simulate", "--to", f"127.0.0.1:{port}", "--duration", "1"])
    assert code == 2
    assert "cannot connect" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulate", "--duration", "1"])
    assert main(["simulate", "--aircraft", "0", "--out", str(tmp_path / "w")]) == 2
