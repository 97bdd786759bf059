"""Take the README's screenshots (docs/img/map.png, docs/img/flight.png) from the built-in
demo scenario (KOR151 among its background traffic), the way the browser tests drive the pages.

    .venv/bin/python -m tests.web.docs_screenshots [--live-at S]

Not a test: run it by hand after the pages change, look at the images, commit them.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from skytrace.simulate.scenario import builtin_scenario_path
from tests.web.conftest import CHROMIUM_ARGS, chromium_path
from tests.web.site import SEED_HEX, build_site

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--live-at", type=float, default=2400.0, help="seconds into the demo")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    text = builtin_scenario_path().read_text()
    with tempfile.TemporaryDirectory() as tmp, build_site(Path(tmp), text, args.live_at) as site:
        seed = site.seed_flight()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(chromium_path()), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{site.base_url}/?hex={SEED_HEX}")
            page.wait_for_function("window.skytraceReady === true", timeout=60_000)
            page.wait_for_function("document.querySelector('.panel .chart svg') !== null")
            page.evaluate(
                f"""() => {{ const a = window.skytraceLayer.aircraft.get('{SEED_HEX}');
                window.skytraceMap.setView([a.lat + 0.3, a.lon + 2.2], 6, {{animate: false}}); }}"""
            )
            page.wait_for_timeout(1500)
            page.screenshot(path=str(DOCS_IMG / "map.png"))
            page.goto(f"{site.base_url}/flight/{seed.flight_id}")
            page.wait_for_function("window.skytraceReady === true", timeout=60_000)
            page.set_viewport_size({"width": 1280, "height": 1000})
            page.wait_for_timeout(800)
            page.screenshot(path=str(DOCS_IMG / "flight.png"))
            browser.close()
    print(f"wrote {DOCS_IMG / 'map.png'} and {DOCS_IMG / 'flight.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
