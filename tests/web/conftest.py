"""Browser-test fixtures: the running site (session), Debian's chromium through Playwright,
and pages that record console errors and wait for the page's ready flag."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.site import Site, build_site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> Path:
    """Debian's chromium; the browser tests cannot run without it (they never skip)."""
    found = CHROMIUM if CHROMIUM.exists() else None
    if found is None and (which := shutil.which("chromium")):
        found = Path(which)
    if found is None:
        pytest.fail(
            "the browser tests need Debian's chromium at /usr/bin/chromium: install it with "
            "`bash scripts/test.sh` (or `sudo apt-get install chromium`)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with build_site(tmp_path_factory.mktemp("web-site")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


class PageErrors:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.messages.append(f"uncaught: {exc}"))

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.messages.append(f"console: {msg.text} at {msg.location.get('url', '')}")


@pytest.fixture
def page_errors() -> list[PageErrors]:
    return []


def open_page(
    browser: Any, site: Site, path: str, errors: list[PageErrors], viewport: dict[str, int]
) -> Any:
    page = browser.new_page(viewport=viewport)
    errors.append(PageErrors(page))
    page.goto(site.base_url + path)
    page.wait_for_function("window.skytraceReady === true", timeout=30_000)
    return page


@pytest.fixture
def desktop(browser: Any, site: Site, page_errors: list[PageErrors]) -> Iterator[Any]:
    """open(path) -> a 1280x800 page of the site, ready (window.skytraceReady)."""
    pages: list[Any] = []

    def opener(path: str, viewport: dict[str, int] = DESKTOP) -> Any:
        pages.append(open_page(browser, site, path, page_errors, viewport))
        return pages[-1]

    yield opener
    for p in pages:
        p.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot for people to look at (tests/web/screenshots/, git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
