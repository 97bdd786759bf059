"""``refdata fetch`` against a loopback HTTP server (never the internet)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.errors import RefdataError, UsageError
from skytrace.refdata import load_refdata
from skytrace.refdata.fetch import download
from tests.refdata.fixtures import write_aircraft


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_fetch_downloads_and_imports(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    write_aircraft(root)
    data_dir = tmp_path / "data"
    url = f"{base}/aircraft.csv.gz"
    assert main(["refdata", "fetch", "aircraft", "--url", url, "--data-dir", str(data_dir)]) == 0
    assert (data_dir / "refdata" / "downloads" / "aircraft.csv.gz").exists()
    assert load_refdata(data_dir).identify(0x7277CF).registration == "P-671"


def test_fetch_errors_are_clear(server: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = server
    with pytest.raises(RefdataError, match="HTTP 404"):
        download(f"{base}/missing.csv", tmp_path)
    assert not (tmp_path / "refdata" / "downloads" / "missing.csv").exists()
    with pytest.raises(UsageError, match="only http"):
        download("file:///etc/passwd", tmp_path)
    # A port nobody listens on: bind one, note it, close it.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RefdataError, match="download failed"):
        download(f"http://127.0.0.1:{port}/x.csv", tmp_path, timeout_s=5)


def test_fetch_without_a_known_file_needs_a_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["refdata", "fetch", "area", "--data-dir", str(tmp_path)]) == 2
    assert "give --url" in capsys.readouterr().err
