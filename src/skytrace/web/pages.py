"""The page routes: one small HTML shell per page, filled in by that page's ES module.

Routes (all GET, HTML):

    /                      live map (aircraft, search, filters, side panel)
    /flight/{flight_id}    one flight: track (inferred parts dashed), profile, facts, events
    /airport/{code}        departures and arrivals board by date
    /aircraft/{hex}        one aircraft and its flights
    /receivers             receivers, their statistics and the areas they cover
    /playback              history playback with a time slider (?flight=<id>, ?t=, ?bbox=)
    /static/...            CSS, JS and the vendored Leaflet (cacheable)

Each shell carries the page's configuration as JSON (title, whether live data exists, an
optional online tile URL) so the scripts need no extra request to start. Path parameters
are checked here so a malformed address gets a clear 400 page rather than an empty map.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["PAGES", "WebOptions", "mount", "static_dir"]

PAGES: Final = ("map", "flight", "airport", "aircraft", "receivers", "playback")

_HEX: Final = re.compile(r"~?[0-9a-fA-F]{6}")
_AIRPORT: Final = re.compile(r"[A-Za-z0-9]{3,4}")
_FLIGHT_ID: Final = re.compile(r"[0-9A-Za-z~._:-]{1,64}")


@dataclass(frozen=True, slots=True)
class WebOptions:
    """How the pages look; the defaults need no network at all.

    ``tile_url`` is a Leaflet tile URL template (``https://tile.example/{z}/{x}/{y}.png``)
    drawn under the country outlines when set; ``tile_attribution`` is shown with it.
    """

    tile_url: str | None = None
    tile_attribution: str = ""
    theme: str = "dark"  # "dark" or "light"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> WebOptions:
        """Options from the environment: ``$SKYTRACE_TILE_URL``,
        ``$SKYTRACE_TILE_ATTRIBUTION`` and ``$SKYTRACE_THEME`` (dark or light)."""
        theme = os.environ.get("SKYTRACE_THEME", "dark")
        return cls(
            tile_url=os.environ.get("SKYTRACE_TILE_URL") or None,
            tile_attribution=os.environ.get("SKYTRACE_TILE_ATTRIBUTION", ""),
            theme=theme if theme in ("dark", "light") else "dark",
        )


def static_dir() -> Path:
    """The directory of the pages' static files inside the installed package."""
    return Path(str(files("skytrace.web") / "static"))


_NAV: Final = (
    ("map", "/", "Live map"),
    ("playback", "/playback", "Playback"),
    ("receivers", "/receivers", "Receivers"),
)


def _shell(page: str, title: str, config: dict[str, Any], main_html: str = "") -> str:
    nav = "".join(
        f'<a href="{href}"{" aria-current=page" if key == page else ""}>{label}</a>'
        for key, href, label in _NAV
    )
    # </ cannot close the script element from inside the JSON
    config_json = json.dumps(config).replace("</", "<\\/")
    theme = html.escape(str(config.get("theme", "dark")))
    return f"""<!doctype html>
<html lang="en" data-theme="{theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="/static/css/skytrace.css">
<script id="skytrace-config" type="application/json">{config_json}</script>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script type="module" src="/static/js/{page}.js"></script>
</head>
<body class="page-{page}">
<header class="topbar">
  <a class="brand" href="/"><span class="brand-mark">&#9992;</span> skytrace</a>
  <form class="search" role="search" autocomplete="off">
    <input type="search" name="q" placeholder="Callsign, registration, hex, flight, airport"
      aria-label="Search">
    <div class="search-results" hidden></div>
  </form>
  <nav>{nav}</nav>
</header>
<main id="main">{main_html}</main>
</body>
</html>
"""


def _error_page(status: int, message: str, config: dict[str, Any]) -> HTMLResponse:
    box = (
        '<section class="page-body"><div class="doc">'
        f'<div class="error-box">{html.escape(message)}</div></div></section>'
    )
    body = _shell("error", f"skytrace: {message}", {**config, "error": message}, box)
    return HTMLResponse(body, status_code=status)


def mount(app: FastAPI, context: Any, options: WebOptions | None = None) -> None:
    """Add the page routes and /static to ``app`` (built by skytrace.api.create_app).

    ``context`` is the API's ApiContext: its ``title`` names the pages and ``live`` (None =
    history only) tells the map whether to open the live stream.
    """
    opts = options or WebOptions.from_env()
    base = {
        "title": getattr(context, "title", None) or "skytrace",
        "live": getattr(context, "live", None) is not None,
        "history": getattr(context, "data_dir", None) is not None,
        "tile_url": opts.tile_url,
        "tile_attribution": opts.tile_attribution,
        "theme": opts.theme,
        **opts.extra,
    }

    def page(name: str, title: str, **params: str) -> HTMLResponse:
        config = {**base, "page": name, "params": params}
        return HTMLResponse(
            _shell(name, f"{title} · {base['title']}", config),
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/", include_in_schema=False)
    def map_page() -> HTMLResponse:
        return page("map", "Live map")

    @app.get("/flight/{flight_id}", include_in_schema=False)
    def flight_page(flight_id: str) -> HTMLResponse:
        if not _FLIGHT_ID.fullmatch(flight_id):
            return _error_page(400, f"not a flight id: {flight_id!r}", base)
        return page("flight", f"Flight {flight_id}", flight_id=flight_id)

    @app.get("/airport/{code}", include_in_schema=False)
    def airport_page(code: str, request: Request) -> HTMLResponse:
        if not _AIRPORT.fullmatch(code):
            return _error_page(400, f"not an airport code: {code!r} (ICAO or IATA)", base)
        date = request.query_params.get("date", "")
        return page("airport", f"Airport {code.upper()}", code=code.upper(), date=date)

    @app.get("/aircraft/{hex_id}", include_in_schema=False)
    def aircraft_page(hex_id: str) -> HTMLResponse:
        if not _HEX.fullmatch(hex_id):
            return _error_page(400, f"not an aircraft address: {hex_id!r} (6 hex digits)", base)
        return page("aircraft", f"Aircraft {hex_id.lower()}", hex=hex_id.lower())

    @app.get("/receivers", include_in_schema=False)
    def receivers_page() -> HTMLResponse:
        return page("receivers", "Receivers")

    @app.get("/playback", include_in_schema=False)
    def playback_page(request: Request) -> HTMLResponse:
        q = request.query_params
        flight = q.get("flight", "")
        if flight and not _FLIGHT_ID.fullmatch(flight):
            return _error_page(400, f"not a flight id: {flight!r}", base)
        return page("playback", "Playback", flight=flight, t=q.get("t", ""), bbox=q.get("bbox", ""))

    app.mount("/static", StaticFiles(directory=static_dir()), name="skytrace-static")
