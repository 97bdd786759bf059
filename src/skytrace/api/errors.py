"""The API's one JSON error shape, and how every failure is turned into it.

    {"error": {"status": 404, "code": "not_found", "message": "...", "field": null}}

``ApiError`` is what handlers raise (with the query or path field at fault, when there is
one). Installed handlers map everything else onto the same shape: FastAPI's request
validation errors (400, naming the field), Starlette's HTTP errors (unknown route 404, wrong
method 405), skytrace's UsageError (400), StoreError (503: no store), and any other
exception (500, logged, with no internals in the body).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from skytrace.errors import RefdataError, SkytraceError, StoreError, UsageError

__all__ = ["CODES", "ApiError", "error_body", "install_error_handlers"]

log = logging.getLogger(__name__)

CODES: Final[dict[int, str]] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "bad_request",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An answer other than 200, raised by a handler."""

    def __init__(
        self, status: int, message: str, *, field: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.field = field


def error_body(
    status: int, message: str, *, field: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code or CODES.get(status, "error"),
            "message": message,
            "field": field,
        }
    }


def _response(
    status: int,
    message: str,
    *,
    field: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(status, message, field=field, code=code)
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_field(error: dict[str, Any]) -> str | None:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body", "header")]
    return ".".join(loc) or None


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure of ``app`` to the one error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _response(exc.status, exc.message, field=exc.field, code=exc.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        field = _validation_field(first)
        message = str(first.get("msg", "invalid request"))
        if field:
            message = f"{field}: {message}"
        return _response(400, message, field=field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such route: {request.url.path}"
        return _response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(UsageError)
    async def _usage(request: Request, exc: UsageError) -> JSONResponse:
        return _response(400, str(exc))

    @app.exception_handler(RefdataError)
    async def _refdata(request: Request, exc: RefdataError) -> JSONResponse:
        return _response(503, f"reference data: {exc}")

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        return _response(503, str(exc), code="no_store")

    @app.exception_handler(SkytraceError)
    async def _skytrace(request: Request, exc: SkytraceError) -> JSONResponse:
        return _response(400, str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return _response(500, "internal error (see the server log)")
