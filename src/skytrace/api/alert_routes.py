"""Watch rules and alerts over HTTP: the rules (read; write with the token), a rule tried on
history, the alerts that fired with their delivery, and a live stream of new alerts.

    GET    /api/v1/watch                  the rules in force (and the rules file's error)
    GET    /api/v1/watch/{name}           one rule
    PUT    /api/v1/watch/{name}           add or replace a rule (token)
    DELETE /api/v1/watch/{name}           remove a rule (token)
    GET    /api/v1/watch/{name}/test      what it would have fired on in a window of history
    GET    /api/v1/alerts                 the journal: alerts that fired, delivery state
    WS     /api/v1/alerts/live            {"type": "alert", "seq": n, "alert": {...}} as they fire

Rules are the same as ``skytrace watch`` edits (``<data dir>/watch.toml``, docs/alerts.md);
a running pipeline picks a change up at its next batch. No route reads or writes a path the
client names: a rule sent here may not name an aircraft list file, a polygon file or a
JSON-lines file (those are set with ``skytrace watch add`` on the server). A rule's webhook
secret is never shown, only whether it has one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import Body, FastAPI, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response

from skytrace.alerts.delivery import alert_body
from skytrace.alerts.history import run_over_history
from skytrace.alerts.journal import AlertJournal
from skytrace.alerts.rules import RuleBook, WatchRule
from skytrace.api.compact import dumps
from skytrace.api.errors import ApiError, error_body
from skytrace.api.jsonable import json_response
from skytrace.api.params import MAX_LIMIT, check_page, parse_date, parse_window
from skytrace.api.services import Services
from skytrace.errors import WatchRuleError

__all__ = ["add_alert_routes"]

TEST_MAX_S: Final = 31 * 86_400.0  # the longest window a rule is tried on through the API
STREAM_POLL_S: Final = 0.5  # how often the alert stream looks for new alerts
_FILE_FIELDS: Final = ("aircraft_file", "jsonl")


def rule_json(rule: WatchRule) -> dict[str, Any]:
    """A rule as the API shows it: the rules file's fields, the secret replaced by a flag."""
    table = rule.to_toml_table()
    table.pop("secret", None)
    return {**table, "signed": bool(rule.secret), "enabled": rule.enabled}


class _Rules:
    """The rules file of the server's data directory, edited one request at a time."""

    def __init__(self, services: Services) -> None:
        ctx = services.context
        self.directory: Path | None = ctx.rules_dir or ctx.data_dir
        live_book = getattr(ctx.alerts, "book", None)
        self._book: RuleBook | None = live_book
        self.lock = threading.Lock()

    def book(self) -> RuleBook:
        if self._book is None:
            if self.directory is None:
                raise ApiError(
                    503, "no data directory: this server keeps no watch rules", code="no_store"
                )
            self._book = RuleBook(self.directory)
        self._book.reload()
        return self._book

    def find(self, name: str) -> WatchRule:
        for rule in self.book().rules():
            if rule.name == name:
                return rule
        raise ApiError(404, f"no watch rule named {name!r}", field="name")


def _rule_from_body(name: str, body: Any, base: Path | None) -> WatchRule:
    if not isinstance(body, dict):
        raise ApiError(400, "body: want a JSON object of rule fields", field="body")
    if body.get("name", name) != name:
        raise ApiError(400, "name: the body's name differs from the URL's", field="name")
    for key in _FILE_FIELDS:
        if body.get(key):
            raise ApiError(
                400,
                f"{key}: files are not named through the API; set it with "
                "`skytrace watch add` on the server",
                field=key,
            )
    areas = body.get("area") or []
    for area in [areas] if isinstance(areas, str) else areas:
        if isinstance(area, str) and area.strip().lower().startswith("polygon:"):
            raise ApiError(
                400,
                "area: polygon files are not named through the API; use circle:LAT,LON,KM, "
                "or set the polygon with `skytrace watch add` on the server",
                field="area",
            )
    values = {k: v for k, v in body.items() if k not in ("signed",)} | {"name": name}
    try:
        return WatchRule.build(values, base)
    except WatchRuleError as exc:
        raise ApiError(400, f"rule: {exc}", field="body") from None


def _window(
    date: str | None, since: str | None, until: str | None, max_s: float | None
) -> tuple[float | None, float | None]:
    if date and (since or until):
        raise ApiError(400, "date: give a date or since/until, not both", field="date")
    if date:
        return parse_date(date)
    return parse_window(since, until, max_s=max_s)


def add_alert_routes(app: FastAPI, services: Services) -> None:
    rules = _Rules(services)

    @app.get("/api/v1/watch", tags=["alerts"], summary="the watch rules in force")
    def watch_list() -> Response:
        """Every rule of the server's rules file; ``error`` says why a changed file was not
        taken (the previous rules stay in force)."""
        book = rules.book()
        return json_response(
            {"rules": [rule_json(r) for r in book.rules()], "error": book.error or None}
        )

    @app.get("/api/v1/watch/{name}", tags=["alerts"], summary="one watch rule")
    def watch_show(name: str) -> Response:
        return json_response({"rule": rule_json(rules.find(name))})

    @app.put("/api/v1/watch/{name}", tags=["alerts"], summary="add or replace a rule (token)")
    def watch_put(
        name: str,
        body: Annotated[Any, Body(description="rule fields, as in watch.toml")],
        authorization: Annotated[str | None, Header(description="Bearer <token>")] = None,
    ) -> Response:
        """The rule's fields as in the rules file (``on``, ``operator``, ``aircraft``,
        ``area``, ``webhook``, ...; docs/alerts.md). Replaces a rule of that name."""
        services.require_token(authorization)
        with rules.lock:
            book = rules.book()
            rule = _rule_from_body(name, body, rules.directory)
            existed = any(r.name == name for r in book.rules())
            book.save([r for r in book.rules() if r.name != name] + [rule])
        return json_response({"rule": rule_json(rule)}, 200 if existed else 201)

    @app.delete("/api/v1/watch/{name}", tags=["alerts"], summary="remove a rule (token)")
    def watch_delete(
        name: str,
        authorization: Annotated[str | None, Header(description="Bearer <token>")] = None,
    ) -> Response:
        services.require_token(authorization)
        with rules.lock:
            book = rules.book()
            rule = rules.find(name)
            book.save([r for r in book.rules() if r.name != rule.name])
        return json_response({"removed": rule.name})

    @app.get("/api/v1/watch/{name}/test", tags=["alerts"], summary="a rule tried on stored history")
    def watch_test(
        name: str,
        date: Annotated[str | None, Query(description="UTC day, YYYY-MM-DD")] = None,
        since: Annotated[str | None, Query(description="from (ISO 8601)")] = None,
        until: Annotated[str | None, Query(description="before (ISO 8601)")] = None,
    ) -> Response:
        """What the rule would have fired on over the window (at most 31 days), through the
        same engine as the live pipeline: for the same data, the same alerts and ids."""
        if not (date or (since and until)):
            raise ApiError(400, "date: give a date, or since and until", field="date")
        start, end = _window(date, since, until, TEST_MAX_S)
        rule = rules.find(name)
        refdata = services.refdata
        with services.reader() as reader:
            fired = run_over_history(rule, reader, start, end, refdata, refdata.areas)
        return json_response({"rule": rule.name, "alerts": [alert_body(a) for a in fired]})

    @app.get("/api/v1/alerts", tags=["alerts"], summary="alerts that fired, and their delivery")
    def alerts(
        request: Request,
        rule: Annotated[str | None, Query(description="one rule's alerts")] = None,
        date: Annotated[str | None, Query(description="UTC day of the event")] = None,
        since: Annotated[str | None, Query(description="from (ISO 8601)")] = None,
        until: Annotated[str | None, Query(description="before (ISO 8601)")] = None,
        limit: Annotated[int, Query(description=f"1..{MAX_LIMIT}")] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        """The journal, oldest first: each alert's body with ``delivery`` (delivered,
        dead-letter, dropped, pending, logged) and its attempts."""
        check_page(limit, offset)
        start, end = _window(date, since, until, None)
        if rules.directory is None:
            raise ApiError(503, "no data directory: this server keeps no alerts", code="no_store")
        journal = AlertJournal(rules.directory)
        entries = journal.read(start, end, rule)
        page = entries[offset : offset + limit]
        more = len(entries) > offset + limit
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        return json_response(
            {
                "alerts": [{**e.body, "delivery": e.state, "attempts": e.attempts} for e in page],
                "offset": offset,
                "limit": limit,
                "next": f"{nxt.path}?{nxt.query}" if more else None,
                "unreadable_lines": journal.bad_lines,
            }
        )

    @app.websocket("/api/v1/alerts/live")
    async def alerts_live(websocket: WebSocket) -> None:
        """New alerts as they fire; ``?since=SEQ`` resumes after a reconnect (the latest
        1,000 are kept)."""
        await websocket.accept()
        feed = services.context.alerts
        if feed is None:
            await _refuse(websocket, 503, "no live alerts: this server has no live pipeline")
            return
        text = websocket.query_params.get("since")
        if text is not None and not text.isdigit():
            await _refuse(websocket, 400, "since: want a sequence number", field="since")
            return
        seq = int(text) if text is not None else feed.recent.next_seq
        await _stream(websocket, feed, seq)


async def _refuse(
    websocket: WebSocket, status: int, message: str, field: str | None = None
) -> None:
    await websocket.send_text(dumps({"type": "error", **error_body(status, message, field=field)}))
    await websocket.close(code=1011 if status >= 500 else 1008)


async def _stream(websocket: WebSocket, feed: Any, seq: int) -> None:
    """Send the feed's alerts from ``seq`` on until the client goes."""
    closed = asyncio.create_task(_until_closed(websocket))
    try:
        while not closed.done():
            items, seq = feed.since(seq, 100)
            for n, body in items:
                await websocket.send_text(json.dumps({"type": "alert", "seq": n, "alert": body}))
            if not items:
                await asyncio.wait([closed], timeout=STREAM_POLL_S)
    except WebSocketDisconnect:
        pass
    finally:
        closed.cancel()
        with contextlib.suppress(BaseException):
            await closed


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it disconnects."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
