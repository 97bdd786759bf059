"""The pages in real headless Chromium against the real API over a short simulated scenario.

Expected values come from the scenario (registrations, callsigns), the live view the server
reads (which aircraft are tracked) and the API's own answers (the facts sentence), never from
the page itself.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import numpy as np
import pytest

from skytrace.simulate.scenario import parse_scenario
from tests.web.conftest import PHONE, PageErrors, open_page, screenshot
from tests.web.site import SCENARIO, SEED_CALLSIGN, SEED_HEX, SEED_REGISTRATION, Site

REGISTRATIONS = {
    f"{icao:06x}": spec.registration for icao, spec in parse_scenario(SCENARIO).aircraft.items()
}


def live_hexes(site: Site) -> set[str]:
    """Addresses the live view tracks with a position (what the map should draw)."""
    rows = site.live.snapshot().aircraft  # type: ignore[attr-defined]
    has = np.isfinite(rows["lat"]) & np.isfinite(rows["lon"])
    return {f"{int(a):06x}" for a in rows["icao24"][has]}


def drawn(page: Any) -> list[dict[str, Any]]:
    """The aircraft the canvas layer drew: hex and container point."""
    return page.evaluate(
        """() => { const d = window.skytraceLayer.drawn; const out = [];
        for (let i = 0; i < d.n; i++) out.push({hex: d.refs[i].hex, x: d.xs[i], y: d.ys[i],
          lat: d.refs[i].lat, lon: d.refs[i].lon});
        return out; }"""
    )


def no_errors(errors: list[PageErrors]) -> list[str]:
    return [m for e in errors for m in e.messages]


def test_the_map_loads_with_no_console_errors_and_shows_the_live_aircraft(
    site: Site, desktop: Any, page_errors: list[PageErrors]
) -> None:
    page = desktop("/")
    expected = live_hexes(site)
    assert len(expected) >= 3  # the scenario's three flights are airborne at LIVE_AT_S
    page.wait_for_function(f"window.skytraceLayer.drawn.n >= {len(expected)}", timeout=15_000)
    assert {a["hex"] for a in drawn(page)} == expected
    status = page.locator(".status-line").inner_text()
    assert f"{len(expected)} aircraft" in status and "live" in status
    screenshot(page, "map")
    assert no_errors(page_errors) == []


def test_multilaterated_aircraft_are_ringed_and_the_legend_says_so(
    site: Site, desktop: Any
) -> None:
    page = desktop("/")
    page.wait_for_function(f"window.skytraceLayer.aircraft.has('{SEED_HEX}')", timeout=15_000)
    assert "MLAT position" in page.locator(".legend").inner_text()
    assert page.evaluate("window.skytraceLayer.drawn.mlat") == []  # the scenario is ADS-B
    # the seed aircraft's position now comes from multilateration (as a row would say)
    ring = page.evaluate(
        f"""() => {{ const layer = window.skytraceLayer;
        const a = layer.aircraft.get('{SEED_HEX}'); a.source = 'mlat';
        window.skytraceMap.setView([a.lat, a.lon], 8, {{animate: false}}); layer.redraw();
        const d = layer.drawn; const i = d.refs.indexOf(a);
        const c = layer._canvas; const r = c.width / c.clientWidth;
        // the ring's first dash starts on the right of the icon, at its height
        const half = 11; const x = Math.round((d.xs[i] + half + 1) * r);
        const y = Math.round(d.ys[i] * r);
        const px = c.getContext('2d').getImageData(x - 1, y - 1, 3, 3).data;
        let best = 0; for (let k = 0; k < px.length; k += 4)
          best = Math.max(best, px[k] + px[k + 1] - 2 * px[k + 2]);
        return {{ mlat: d.mlat, yellow: best }}; }}"""
    )
    assert ring["mlat"] == [SEED_HEX]
    assert ring["yellow"] > 200  # #f5c542: red and green high, blue low
    screenshot(page, "map-mlat")


def test_clicking_an_isolated_aircraft_opens_its_panel(site: Site, desktop: Any) -> None:
    page = desktop("/")
    page.wait_for_function(f"window.skytraceLayer.aircraft.has('{SEED_HEX}')", timeout=15_000)
    # centre the seed flight at a zoom where no other aircraft is within 20 px of it
    page.evaluate(
        f"""() => {{ const a = window.skytraceLayer.aircraft.get('{SEED_HEX}');
        window.skytraceMap.setView([a.lat, a.lon], 8, {{animate: false}}); }}"""
    )
    page.wait_for_timeout(300)
    points = {a["hex"]: a for a in drawn(page)}
    seed = points[SEED_HEX]
    others = [a for h, a in points.items() if h != SEED_HEX]
    assert all(math.hypot(a["x"] - seed["x"], a["y"] - seed["y"]) > 20 for a in others)
    page.mouse.click(seed["x"], seed["y"] + page.locator("#map").bounding_box()["y"])
    reg = page.locator(".panel .reg")
    reg.wait_for(timeout=10_000)
    assert reg.inner_text() == REGISTRATIONS[SEED_HEX] == SEED_REGISTRATION
    panel = page.locator(".panel")
    page.wait_for_function("document.querySelector('.panel .chart svg') !== null", timeout=10_000)
    text = panel.inner_text()
    assert SEED_CALLSIGN in text and "ZKPY" in text and "inferred" in text
    assert "Air Koryo" in text and "A148" in text
    screenshot(page, "map-panel")


def test_search_finds_a_flight_and_opens_its_page(site: Site, desktop: Any) -> None:
    page = desktop("/")
    page.locator("form.search input").fill(SEED_CALLSIGN)
    flight_row = page.locator(".search-row", has=page.locator(".badge-flight")).first
    flight_row.wait_for(timeout=10_000)
    assert SEED_CALLSIGN in flight_row.inner_text()
    screenshot(page, "search")
    flight_row.click()
    page.wait_for_url(f"**/flight/{site.seed_flight().flight_id}")
    page.wait_for_function("window.skytraceReady === true", timeout=30_000)
    assert SEED_CALLSIGN in page.locator("h1").inner_text()


def test_search_finds_a_live_aircraft_and_selects_it_on_the_map(site: Site, desktop: Any) -> None:
    page = desktop("/")
    page.locator("form.search input").fill(SEED_REGISTRATION)
    live_row = page.locator(".search-row", has=page.locator(".badge-live")).first
    live_row.wait_for(timeout=10_000)
    assert SEED_CALLSIGN in live_row.inner_text()
    live_row.click()
    reg = page.locator(".panel .reg")
    reg.wait_for(timeout=10_000)
    assert reg.inner_text() == SEED_REGISTRATION
    assert page.evaluate("window.skytraceLayer.selected") == SEED_HEX
    assert page.url.endswith(f"/?hex={SEED_HEX}")  # still the map, not another page


def test_the_flight_page_shows_the_track_an_inferred_segment_and_the_facts(
    site: Site, desktop: Any, page_errors: list[PageErrors]
) -> None:
    flight = site.seed_flight()
    assert flight.departure is not None and flight.departure.method == "inferred"
    page = desktop(f"/flight/{flight.flight_id}")
    api = httpx.get(f"{site.base_url}/api/v1/flights/{flight.flight_id}", timeout=30).json()
    assert page.locator(".sentence").inner_text() == api["facts"]["sentence"]
    rows = page.locator("table.evidence tbody tr")
    assert rows.count() == len(api["facts"]["evidence"]) > 0
    observed = page.locator("path.observed-line")
    assert observed.count() > 0
    inferred = page.locator("path.inferred-line")
    assert inferred.count() == 1  # the takeoff from ZKPY; the landing at UHWW was observed
    assert inferred.get_attribute("stroke-dasharray")
    assert page.locator(".chart svg .inferred").count() == 1
    exports = page.locator(".exports a[download]")
    assert exports.count() == 4
    for i in range(4):
        href = exports.nth(i).get_attribute("href")
        assert httpx.get(site.base_url + href, timeout=30).status_code == 200
    page.set_viewport_size({"width": 1280, "height": 1000})
    screenshot(page, "flight")
    assert no_errors(page_errors) == []


def test_playback_moves_an_aircraft_when_the_slider_moves(site: Site, desktop: Any) -> None:
    flight = site.seed_flight()
    page = desktop(f"/playback?flight={flight.flight_id}")
    slider = page.locator(".player .slider")
    start = float(slider.get_attribute("min"))
    end = float(slider.get_attribute("max"))
    assert start <= flight.first_seen_s + 1 and end >= flight.last_seen_s - 1

    def seed_at(t: float) -> dict[str, Any]:
        slider.fill(str(int(t)))
        page.wait_for_timeout(150)
        found = [a for a in drawn(page) if a["hex"] == SEED_HEX]
        assert len(found) == 1, f"the seed aircraft is not drawn at {t}"
        return found[0]

    first = seed_at(start + 600)
    clock_first = page.locator(".player .clock").inner_text()
    later = seed_at(start + 1800)
    assert page.locator(".player .clock").inner_text() != clock_first
    assert (later["lat"], later["lon"]) != (first["lat"], first["lon"])
    assert later["lat"] > first["lat"] and later["lon"] > first["lon"]  # north-east to UHWW
    screenshot(page, "playback")


def test_the_phone_viewport_shows_the_panel_as_a_bottom_sheet(site: Site, desktop: Any) -> None:
    page = desktop(f"/?hex={SEED_HEX}", PHONE)
    reg = page.locator(".panel .reg")
    reg.wait_for(timeout=15_000)
    page.wait_for_function(
        f"document.querySelector('.panel .reg').textContent === '{SEED_REGISTRATION}'"
    )
    box = page.locator(".panel").bounding_box()
    assert box["width"] == PHONE["width"]
    assert box["y"] > PHONE["height"] * 0.3 and box["y"] + box["height"] == pytest.approx(
        PHONE["height"], abs=1
    )
    screenshot(page, "phone-panel")


def test_the_airport_board_lists_the_seed_arrival(site: Site, desktop: Any) -> None:
    flight = site.seed_flight()
    page = desktop("/airport/UHWW?date=2023-09-12")
    arrivals = page.locator(".card", has=page.locator("h2", has_text="Arrivals"))
    assert SEED_CALLSIGN in arrivals.inner_text()
    link = arrivals.locator(f"a[href='/flight/{flight.flight_id}']")
    assert link.count() == 1
    screenshot(page, "airport")


def test_the_aircraft_page_lists_its_flights(site: Site, desktop: Any) -> None:
    page = desktop(f"/aircraft/{SEED_HEX}")
    assert SEED_REGISTRATION in page.locator("h1").inner_text()
    assert page.locator("table.flights tbody tr").count() == 1


def test_the_receivers_page_lists_every_receiver(site: Site, desktop: Any) -> None:
    page = desktop("/receivers")
    expected = [r.name for r in parse_scenario(SCENARIO).receivers]
    rows = page.locator(".receivers-table tbody tr")
    assert rows.count() == len(expected) == 6
    assert [rows.nth(i).locator("td b").inner_text() for i in range(6)] == expected
    assert page.locator("path.receiver-marker").count() == len(expected)  # on the map
    screenshot(page, "receivers")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/aircraft/zzzzzz", "not an aircraft address"),
        ("/airport/X", "not an airport code"),
        ("/flight/a%20b", "not a flight id"),
        ("/playback?flight=a%20b", "not a flight id"),
    ],
)
def test_malformed_page_addresses_get_a_400_page_that_says_why(
    site: Site, path: str, message: str
) -> None:
    response = httpx.get(site.base_url + path, timeout=30)
    assert response.status_code == 400
    assert message in response.text
    assert '<link rel="icon" href="data:,">' in response.text


def test_the_pages_load_nothing_from_outside(site: Site) -> None:
    for path in ("/", f"/flight/{site.seed_flight().flight_id}", "/playback", "/receivers"):
        html = httpx.get(site.base_url + path, timeout=30).text
        assert "http://" not in html.replace(site.base_url, "") and "https://" not in html


def test_a_history_only_server_says_so_on_the_map_and_still_plays_back(
    site: Site, browser: Any, page_errors: list[PageErrors]
) -> None:
    from skytrace.api import ApiContext, create_app
    from tests.web.conftest import DESKTOP
    from tests.web.site import serve_app

    app = create_app(ApiContext(data_dir=site.data_dir, live=None))
    with serve_app(app) as url:
        history = Site(url, site.data_dir, site.flights, None)
        page = open_page(browser, history, "/", page_errors, DESKTOP)
        # the page learns there is no live feed when the push stream answers (no_live_feed)
        page.wait_for_function(
            "document.querySelector('.status-line').innerText.includes('history only')",
            timeout=30_000,
        )
        status = page.locator(".status-line").inner_text()
        assert "0 aircraft" in status and "history only" in status
        page.locator(".status-line a[href='/playback']").click()
        page.wait_for_url("**/playback")
        page.wait_for_function("window.skytraceReady === true", timeout=30_000)
        examples = page.locator(".examples a").all_inner_texts()
        assert examples[0] == SEED_CALLSIGN  # the demo's flight is offered first
        page.close()
    assert no_errors(page_errors) == []
