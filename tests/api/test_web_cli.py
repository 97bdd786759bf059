"""``skytrace web`` refuses bad arguments clearly; the API over the real LiveRuntime."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skytrace.api import ApiContext, create_app
from skytrace.app import RuntimeOptions, open_runtime
from skytrace.cli.main import main
from skytrace.live.runtime import LiveOptions, LiveRuntime
from tests.live.frames import T0, FakeWall, cruise_frames


def test_web_needs_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--data-dir", str(tmp_path / "empty"), "--port", "0"]) == 2
    assert "--port 0" in capsys.readouterr().err
    assert main(["web", "--data-dir", str(tmp_path / "empty")]) == 6
    assert "no history store" in capsys.readouterr().err


def test_web_serves_a_store_on_loopback(
    sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    import httpx
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    served: list[uvicorn.Server] = []
    real_run = uvicorn.run

    def run(app: object, **kw: object) -> None:  # the command's server, stoppable by the test
        server = uvicorn.Server(uvicorn.Config(app, **kw))  # type: ignore[arg-type]
        served.append(server)
        server.run()

    uvicorn.run = run  # type: ignore[assignment]
    try:
        thread = threading.Thread(
            target=main, args=(["web", "--data-dir", str(sample_dir), "--port", str(port)],)
        )
        thread.start()
        deadline = time.monotonic() + 60
        while not (served and served[0].started) and time.monotonic() < deadline:
            time.sleep(0.05)
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/status")
        assert r.status_code == 200 and r.json()["mode"] == "history"
    finally:
        if served:
            served[0].should_exit = True
        uvicorn.run = real_run  # type: ignore[assignment]
        thread.join(30)
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_the_api_over_the_real_live_runtime(sample_dir: Path) -> None:
    wall = FakeWall(T0 + 30)
    opts = RuntimeOptions(data_dir=None, refdata=False)  # type: ignore[arg-type]
    options = LiveOptions(tick_s=0.05, publish_interval_s=0.05)
    with open_runtime(None, opts) as rt, LiveRuntime(rt, options, wall_clock=wall) as live:
        live.submit(cruise_frames(0x7277CF, n=40))
        live.publish_and_wait()
        app = create_app(ApiContext(data_dir=sample_dir, live=live))
        with TestClient(app) as client:
            rows = client.get("/api/v1/aircraft").json()["aircraft"]
            assert [r[0] for r in rows] == ["7277cf"]
            assert rows[0][6] == "KOR151"
            one = client.get("/api/v1/aircraft/7277cf").json()
            assert one["state"]["callsign"] == "KOR151" and len(one["trail"]) > 10
            doc = client.get("/data/aircraft.json").json()
            assert [a["hex"] for a in doc["aircraft"]] == ["7277cf"]
            with client.websocket_connect("/api/v1/live") as ws:
                assert [r[0] for r in ws.receive_json()["aircraft"]] == ["7277cf"]
