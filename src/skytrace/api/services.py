"""What the route handlers share: the context, fresh history readers, refdata, live tables.

``Services`` is built once per app by ``create_app``. History readers come from a
``skytrace.live.readers.ReaderPool`` (each request borrows one; it is refreshed when older
than ``ApiContext.reader_max_age_s``, so answers follow a running writer within seconds
without reopening per request). Thread-safe: handlers run in the server's thread pool.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from skytrace.api.compact import LiveTables
from skytrace.api.context import ApiContext
from skytrace.api.errors import ApiError
from skytrace.live.readers import ReaderPool
from skytrace.live.view import LiveView
from skytrace.store import StoreReader

__all__ = ["Services"]


class Services:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.pool = (
            ReaderPool(context.data_dir, max_age_s=context.reader_max_age_s)
            if context.data_dir is not None
            else None
        )
        self.tables = LiveTables(context.live) if context.live is not None else None
        self._refdata_lock = threading.Lock()

    @property
    def live(self) -> LiveView:
        if self.context.live is None:
            raise ApiError(
                503, "no live feed: this server serves history only", code="no_live_feed"
            )
        return self.context.live

    def require_token(self, authorization: str | None) -> None:
        """Refuse a write unless ``Authorization: Bearer <the configured token>`` came with it
        (compared in constant time); 403 when this server takes no writes at all."""
        expected = self.context.token
        if not expected:
            raise ApiError(
                403,
                "writes are disabled on this server: start it with --api-token "
                "(or $SKYTRACE_API_TOKEN) to allow them",
                code="writes_disabled",
            )
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            raise ApiError(401, "this needs 'Authorization: Bearer <token>'", field="Authorization")
        if not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise ApiError(401, "wrong API token", field="Authorization")

    @contextmanager
    def reader(self) -> Iterator[StoreReader]:
        """A fresh history reader for the duration of the block (503 without a store)."""
        if self.pool is None:
            raise ApiError(
                503, "no history store: this server has no data directory", code="no_store"
            )
        with self.pool.reader() as reader:
            yield reader

    @cached_property
    def refdata(self) -> Any:
        if self.context.refdata is not None:
            return self.context.refdata
        from skytrace.refdata import load_refdata

        with self._refdata_lock:
            return load_refdata(self.context.data_dir)

    @cached_property
    def _airport_names(self) -> Any:
        import numpy as np

        return np.char.lower(np.asarray(self.refdata.airports.name, dtype=str))

    def airport_names(self) -> Any:
        """Airport names in lower case, row for row with refdata.airports (cached)."""
        return self._airport_names

    def country_name(self, code: str) -> str:
        """The country's name from reference data, the code itself when unknown."""
        try:
            return str(self.refdata.areas.country_name(code) or code)
        except Exception:  # names are decoration: never fail an answer for one
            return code

    def refresh_readers(self) -> None:
        """Replace the reader pool: every later request opens a reader on the store as it is
        now (readers lent out finish their request and are closed)."""
        old = self.pool
        if old is None:
            return
        self.pool = ReaderPool(old.data_dir, max_age_s=old.max_age_s)
        old.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
