"""A short-lived cache of history answers: the same GET within ``ttl_s`` is answered from
memory instead of asking DuckDB again.

Many clients ask the same history question at once — an airport board on a busy day, the
flight everybody is watching, a search linked from a news story — and each answer costs
10-40 ms of DuckDB over the Parquet snapshots. History readers are already allowed to lag
the writer by ``ApiContext.reader_max_age_s``; an answer reused for ``ttl_s`` (1 s by default)
adds at most that to the delay, and turns 200 clients asking once a second into about one
query a second. Requests for a question already being answered wait for that answer rather
than each asking DuckDB (when an entry expires under load, the first asks and the rest wait).

Only GET requests to the history routes (tag ``history``) are cached, and only whole 200
answers up to ``max_body_bytes``; the key is the path and the raw query string. Live routes
are never cached here (they share one document per live snapshot instead). Thread-safe: the
ASGI middleware runs on the event loop; the store is a dict guarded by a lock.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HistoryCache"]


@dataclass(frozen=True, slots=True)
class _Answer:
    start: Message  # http.response.start
    body: bytes
    stored_s: float


class HistoryCache:
    """ASGI middleware: GET answers of ``routes`` kept ``ttl_s`` (at most ``max_entries``)."""

    def __init__(
        self,
        app: ASGIApp,
        routes: Callable[[], Sequence[BaseRoute]],
        ttl_s: float = 1.0,
        max_entries: int = 512,
        max_body_bytes: int = 1 << 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self._routes = routes  # read at the first request: routes are added after this
        self._cacheable: Sequence[BaseRoute] | None = None
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, bytes], _Answer] = OrderedDict()
        # questions being answered now (event loop only): later askers wait for the answer
        self._inflight: dict[tuple[str, bytes], asyncio.Event] = {}
        self.hits = 0
        self.misses = 0

    def _is_cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET" or self.ttl_s <= 0:
            return False
        if self._cacheable is None:
            self._cacheable = [r for r in self._routes() if "history" in getattr(r, "tags", ())]
        return any(r.matches(scope)[0] is Match.FULL for r in self._cacheable)

    def _get(self, key: tuple[str, bytes]) -> _Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                return None
            if self._clock() - answer.stored_s > self.ttl_s:
                del self._answers[key]
                return None
            self._answers.move_to_end(key)
            return answer

    def _put(self, key: tuple[str, bytes], answer: _Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._is_cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        answer = self._get(key)
        if answer is None and (pending := self._inflight.get(key)) is not None:
            # the same question is being answered: wait for that answer, not a query of our own
            await pending.wait()
            answer = self._get(key)
        if answer is not None:
            self.hits += 1
            await send(answer.start)
            await send({"type": "http.response.body", "body": answer.body, "more_body": False})
            return
        self.misses += 1
        done = self._inflight.setdefault(key, asyncio.Event())
        try:
            await self._answer(key, scope, receive, send)
        finally:
            if self._inflight.get(key) is done:
                del self._inflight[key]
            done.set()

    async def _answer(
        self, key: tuple[str, bytes], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Ask the app, pass its answer on, and keep it when it is a whole 200 answer."""
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def recording_send(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                keep = message.get("status") == 200
            elif message["type"] == "http.response.body" and keep:
                body: bytes = message.get("body", b"")
                size += len(body)
                keep = size <= self.max_body_bytes
                chunks.append(body)
                if keep and not message.get("more_body", False) and start is not None:
                    self._put(key, _Answer(start, b"".join(chunks), self._clock()))
            await send(message)

        await self.app(scope, receive, recording_send)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            entries = len(self._answers)
        return {"hits": self.hits, "misses": self.misses, "entries": entries, "ttl_s": self.ttl_s}
