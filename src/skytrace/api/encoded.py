"""Bodies encoded once and sent to many clients, plain or gzip-compressed as each asks.

At 25,000 aircraft the all-aircraft document is ~2.4 MB of JSON; 200 map or tar1090 clients
polling it is ~480 MB a round if each answer is encoded and sent plain. ``Encoded`` keeps one
document's bytes and makes its gzip form once, on the first client that accepts it (zlib
works outside the GIL, in a worker thread); every later client of the same snapshot gets the
same bytes object, about a sixth of the size.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from starlette.responses import Response

__all__ = ["Encoded", "accepts_gzip", "encoded_response"]

GZIP_LEVEL = 5  # ~6x smaller than the JSON at about a third of level 9's CPU
MIN_GZIP_BYTES = 1024  # below this the header costs more than it saves


@dataclass(slots=True)
class Encoded:
    """One response body, and its gzip form once a client has asked for it."""

    body: bytes
    _gzip: bytes | None = field(default=None, repr=False)

    def gzip(self) -> bytes:
        """The body gzip-compressed (made once; a race makes it twice, identically)."""
        if self._gzip is None:
            self._gzip = gzip.compress(self.body, GZIP_LEVEL, mtime=0)
        return self._gzip

    def gzip_ready(self) -> bool:
        return self._gzip is not None


def accepts_gzip(request: HTTPConnection) -> bool:
    """Whether the request's Accept-Encoding admits gzip (``gzip;q=0`` refuses it)."""
    for item in request.headers.get("accept-encoding", "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def encoded_response(
    request: HTTPConnection,
    encoded: Encoded,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``encoded`` as the client asked: gzip when accepted and worth it, else plain."""
    out = {**(headers or {}), "Vary": "Accept-Encoding"}
    if len(encoded.body) >= MIN_GZIP_BYTES and accepts_gzip(request):
        out["Content-Encoding"] = "gzip"
        return Response(encoded.gzip(), media_type=media_type, headers=out)
    return Response(encoded.body, media_type=media_type, headers=out)
