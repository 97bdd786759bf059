"""skytrace.web.mount on a bare FastAPI app, in-process (no browser): routes, the page
configuration, the vendored files, and bad path parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from skytrace.web import PAGES, WebOptions, mount, static_dir


@dataclass(frozen=True)
class Context:
    title: str = "my tracker"
    live: Any = None
    data_dir: Path | None = None


def client(options: WebOptions | None = None, context: Context | None = None) -> TestClient:
    app = FastAPI()
    mount(app, context or Context(), options or WebOptions())
    return TestClient(app)


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="skytrace-config" type="application/json">(.*?)</script>', html)
    assert found, "no configuration in the page"
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("path", "page", "params"),
    [
        ("/", "map", {}),
        ("/flight/7277cf-20230912-0213", "flight", {"flight_id": "7277cf-20230912-0213"}),
        ("/airport/uhww?date=2023-09-12", "airport", {"code": "UHWW", "date": "2023-09-12"}),
        ("/aircraft/7277CF", "aircraft", {"hex": "7277cf"}),
        ("/receivers", "receivers", {}),
        ("/playback?flight=x-1&t=5", "playback", {"flight": "x-1", "t": "5", "bbox": ""}),
    ],
)
def test_each_page_gets_its_script_and_configuration(
    path: str, page: str, params: dict[str, str]
) -> None:
    response = client().get(path)
    assert response.status_code == 200
    assert f'src="/static/js/{page}.js"' in response.text
    config = page_config(response.text)
    assert config["page"] == page
    assert config["params"] == params
    assert config["title"] == "my tracker" and config["live"] is False
    assert (static_dir() / "js" / f"{page}.js").is_file()


def test_every_page_script_exists() -> None:
    for page in (*PAGES, "error"):
        assert (static_dir() / "js" / f"{page}.js").is_file()


def test_the_tile_layer_is_off_unless_configured() -> None:
    assert page_config(client().get("/").text)["tile_url"] is None
    options = WebOptions(tile_url="https://tiles.example.org/{z}/{x}/{y}.png", theme="light")
    html = client(options).get("/").text
    assert page_config(html)["tile_url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'data-theme="light"' in html


def test_options_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYTRACE_TILE_URL", "https://t.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("SKYTRACE_THEME", "neon")
    options = WebOptions.from_env()
    assert options.tile_url == "https://t.example/{z}/{x}/{y}.png"
    assert options.theme == "dark"  # unknown themes fall back to dark


def test_the_configuration_cannot_close_its_script_element() -> None:
    html = client(context=Context(title="</script><script>alert(1)</script>")).get("/").text
    assert page_config(html)["title"] == "</script><script>alert(1)</script>"
    assert "<title>Live map · &lt;/script&gt;" in html


def test_the_vendored_leaflet_is_served_with_its_licence() -> None:
    c = client()
    js = c.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and "Leaflet 1.9.4" in js.text[:200]
    assert c.get("/static/vendor/leaflet/leaflet.css").status_code == 200
    assert "Redistribution and use in source and binary forms" in (
        c.get("/static/vendor/leaflet/LICENSE").text
    )
    assert c.get("/static/css/skytrace.css").status_code == 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/aircraft/12345", "not an aircraft address"),
        ("/aircraft/12345g", "not an aircraft address"),
        ("/airport/TOOLONG", "not an airport code"),
        ("/airport/U-W", "not an airport code"),
        ("/flight/" + "x" * 65, "not a flight id"),
        ("/playback?flight=%3Cb%3E", "not a flight id"),
    ],
)
def test_bad_path_parameters_answer_400_with_an_escaped_message(path: str, message: str) -> None:
    response = client().get(path)
    assert response.status_code == 400
    assert message in response.text
    assert "<b>" not in response.text.split("<main", 1)[1]


def test_without_chromium_the_browser_tests_fail_naming_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.web import conftest

    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"bash scripts/test.sh"):
        conftest.chromium_path()
