"""web: the pages — live map, aircraft panel, flight/airport/aircraft/receivers pages, playback.

``mount(app, context)`` adds the page routes and the static files (HTML shells, CSS, plain ES
modules, vendored Leaflet) to the FastAPI app that skytrace.api builds. The pages hold no
domain logic: they read the JSON API under /api/v1 and the live WebSocket. Nothing is loaded
from the internet: the base map is the country outlines the API serves; an online tile layer
is used only when configured (``WebOptions.tile_url`` or ``$SKYTRACE_TILE_URL``).
"""

from skytrace.web.pages import PAGES, WebOptions, mount, static_dir

__all__ = ["PAGES", "WebOptions", "mount", "static_dir"]
