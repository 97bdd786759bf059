"""``create_app``: the FastAPI app of skytrace — routes, error shape, auth, docs, CORS, pages.

- Every JSON route is under /api/v1 (live_routes, history_routes, push), plus the tar1090
  files under /data and the geo layers under /api/v1/geo.
- Reads need nothing. Writes (POST /api/v1/admin/...) need ``Authorization: Bearer <token>``
  equal to ApiContext.token (compared in constant time); with no token configured every
  write is refused (403).
- /openapi.json and /docs work offline: Swagger UI is served from the package
  (skytrace/api/static, refreshed by scripts/vendor_api_docs.sh), never from a CDN.
- CORS is off unless ApiContext.cors_origins lists origins.
- The pages (skytrace.web's ``mount``) are served by the same app.

No route reads or writes a file whose path the client names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from skytrace import __version__
from skytrace.api.alert_routes import add_alert_routes
from skytrace.api.context import ApiContext
from skytrace.api.encoded import accepts_gzip
from skytrace.api.errors import install_error_handlers
from skytrace.api.geo import GeoCache, GeoDocument
from skytrace.api.history_routes import add_history_routes
from skytrace.api.jsonable import json_response
from skytrace.api.live_routes import add_live_routes
from skytrace.api.microcache import HistoryCache
from skytrace.api.push import add_push_route
from skytrace.api.services import Services

__all__ = ["create_app"]

STATIC_DIR = Path(__file__).parent / "static"
DOCS_ASSETS = "/api/static"


def _geo_response(request: Request, doc: GeoDocument) -> Response:
    headers = {"ETag": doc.etag, "Cache-Control": "public, max-age=86400"}
    if request.headers.get("if-none-match") == doc.etag:
        return Response(status_code=304, headers=headers)
    headers["Vary"] = "Accept-Encoding"
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(doc.gzip, media_type="application/geo+json", headers=headers)
    return Response(doc.body, media_type="application/geo+json", headers=headers)


def create_app(context: ApiContext) -> FastAPI:
    """The API (and, when skytrace.web provides it, the pages) over ``context``."""
    services = Services(context)
    geo = GeoCache(context.data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(
        title=context.title,
        version=__version__,
        description="skytrace HTTP API: live aircraft, flights and history. See docs/api.md.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    if context.history_cache_s > 0:
        app.add_middleware(HistoryCache, routes=lambda: app.routes, ttl_s=context.history_cache_s)
    if context.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(context.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.mount(DOCS_ASSETS, StaticFiles(directory=STATIC_DIR), name="api-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{context.title} API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url="data:,",
        )

    add_live_routes(app, services)
    add_history_routes(app, services)
    add_push_route(app, services)
    add_alert_routes(app, services)

    @app.get("/api/v1/geo/countries", tags=["geo"], summary="country outlines (GeoJSON)")
    def geo_countries(request: Request) -> Response:
        """Land outlines of every country skytrace knows, cut at the antimeridian,
        simplified; cacheable (ETag)."""
        return _geo_response(request, geo.countries())

    @app.get("/api/v1/geo/firs", tags=["geo"], summary="imported FIRs (GeoJSON)")
    def geo_firs(request: Request) -> Response:
        return _geo_response(request, geo.firs())

    @app.post("/api/v1/admin/refresh", tags=["admin"], summary="re-read the store now")
    def admin_refresh(
        authorization: Annotated[str | None, Header(description="Bearer <token>")] = None,
    ) -> Response:
        """Drop the cached history readers so the next request sees the store as it is
        now (readers otherwise refresh on their own every few seconds). Needs the token."""
        services.require_token(authorization)
        services.refresh_readers()
        return json_response({"refreshed": True})

    _mount_pages(app, context)
    return app


def _mount_pages(app: FastAPI, context: ApiContext) -> None:
    from skytrace.web import mount

    mount(app, context)
