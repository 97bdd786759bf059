"""The live push stream, WebSocket /api/v1/live: deltas of the client's box and events.

Protocol (JSON text messages):

client -> server, at any time:  {"bbox": [S, W, N, E]}   (W > E wraps the antimeridian;
                                  null or absent = the whole world)
server -> client:
    {"type": "snapshot", "now", "version", "fields": [...], "aircraft": [rows]}   first
    {"type": "delta", "now", "version", "upsert": [rows], "remove": [hex, ...]}
    {"type": "event", "seq": n, "event": {...}}      as they happen (inside the box when
                                                     the event has a position)
    {"type": "error", "error": {...the API error shape...}}   a bad client message

Rows are the compact rows of skytrace.api.compact (only aircraft with a position). An
aircraft is sent at most once per ``MIN_INTERVAL_S`` (a change in between waits and is sent
with its latest values); ``remove`` lists aircraft that left the box or stopped being tracked.
A box change answers with a delta (the newly visible aircraft, and removals).

Each client has a bounded outgoing queue (``QUEUE_MESSAGES``); a client that falls that far
behind is disconnected (close code 1013) instead of slowing the server or the others.
The diff against what the client has is vectorized (numpy) per snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, Final

import numpy as np
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from skytrace.api.compact import COMPACT_DTYPE, LiveTable, bbox_mask, dumps, hex_of
from skytrace.api.errors import ApiError, error_body
from skytrace.api.params import BBox, parse_bbox
from skytrace.api.services import Services
from skytrace.model import Event
from skytrace.store.present import event_json

__all__ = ["MIN_INTERVAL_S", "QUEUE_MESSAGES", "ClientView", "add_push_route"]

log = logging.getLogger(__name__)

MIN_INTERVAL_S: Final = 1.0
QUEUE_MESSAGES: Final = 64
WAIT_S: Final = 1.0


class ClientView:
    """What one client has been sent, and the diff of a new table against it."""

    def __init__(self) -> None:
        self.bbox: BBox | None = None
        self.icao = np.zeros(0, np.uint32)  # sorted
        self.values = np.zeros(0, COMPACT_DTYPE)
        self.sent_s = np.zeros(0, np.float64)

    def diff(
        self, table: LiveTable, now_s: float, *, everything: bool = False
    ) -> tuple[list[list[Any]], list[str]]:
        """(rows to upsert, hexes to remove); updates what the client has."""
        inside = np.nonzero(bbox_mask(table.lat, table.lon, self.bbox))[0]
        cur = table.values[inside]
        n_old = len(self.icao)
        pos = np.searchsorted(self.icao, cur["icao24"])
        pos_c = np.minimum(pos, max(n_old - 1, 0))
        found = (
            (pos < n_old) & (self.icao[pos_c] == cur["icao24"])
            if n_old
            else np.zeros(len(cur), bool)
        )
        if n_old:
            changed = ~found | (self.values[pos_c] != cur)
            due = ~found | (now_s - self.sent_s[pos_c] >= MIN_INTERVAL_S)
        else:
            changed = due = np.ones(len(cur), bool)
        send = changed & due if not everything else np.ones(len(cur), bool)
        gone = (
            ~np.isin(self.icao, cur["icao24"], assume_unique=True) if n_old else np.zeros(0, bool)
        )
        removed = [hex_of(a) for a in self.icao[gone].tolist()]
        values = cur.copy()
        sent_s = np.full(len(cur), now_s)
        keep_old = found & ~send
        if keep_old.any():
            values[keep_old] = self.values[pos_c[keep_old]]
            sent_s[keep_old] = self.sent_s[pos_c[keep_old]]
        self.icao, self.values, self.sent_s = cur["icao24"].copy(), values, sent_s
        idx = inside[send]
        return [table.rows[i] for i in idx.tolist()], removed


def _event_inside(event: Event, bbox: BBox | None) -> bool:
    if bbox is None or event.lat != event.lat or event.lon != event.lon:
        return True
    lat = np.array([event.lat])
    lon = np.array([event.lon])
    return bool(bbox_mask(lat, lon, bbox)[0])


def _parse_client_message(text: str) -> tuple[bool, BBox | None]:
    """(has a bbox key, the box) from a client message; ApiError when malformed."""
    try:
        msg = json.loads(text)
    except ValueError:
        raise ApiError(400, "message: not JSON", field="message") from None
    if not isinstance(msg, dict) or "bbox" not in msg:
        raise ApiError(400, 'message: want {"bbox": [S, W, N, E]}', field="message")
    box = msg["bbox"]
    if box is None:
        return True, None
    if not isinstance(box, list) or len(box) != 4:
        raise ApiError(400, "bbox: want [S, W, N, E]", field="bbox")
    return True, parse_bbox(",".join(str(v) for v in box))


def add_push_route(app: FastAPI, services: Services) -> None:
    @app.websocket("/api/v1/live")
    async def live_stream(websocket: WebSocket) -> None:
        await websocket.accept()
        if services.tables is None or services.context.live is None:
            await websocket.send_text(
                dumps(
                    error_body(
                        503, "no live feed: this server serves history only", code="no_live_feed"
                    )
                    | {"type": "error"}
                )
            )
            await websocket.close(code=1011)
            return
        await _serve_client(websocket, services)


async def _serve_client(websocket: WebSocket, services: Services) -> None:
    live = services.context.live
    tables = services.tables
    assert live is not None and tables is not None
    view = ClientView()
    query_box = websocket.query_params.get("bbox")
    if query_box:
        try:
            view.bbox = parse_bbox(query_box)
        except ApiError as exc:
            await websocket.send_text(
                dumps({"type": "error", **error_body(400, exc.message, field=exc.field)})
            )
            await websocket.close(code=1008)
            return
    outbox: asyncio.Queue[Any] = asyncio.Queue(QUEUE_MESSAGES)
    box_changed = asyncio.Event()
    dropped = False

    def put(message: dict[str, Any]) -> None:
        nonlocal dropped
        try:
            outbox.put_nowait(dumps(message))
        except asyncio.QueueFull:
            dropped = True

    async def sender() -> None:
        while True:
            await websocket.send_text(await outbox.get())

    async def receiver() -> None:
        while True:
            text = await websocket.receive_text()
            try:
                _, box = _parse_client_message(text)
            except ApiError as exc:
                put({"type": "error", **error_body(exc.status, exc.message, field=exc.field)})
                continue
            view.bbox = box
            box_changed.set()

    table = await asyncio.to_thread(tables.latest)
    rows, _ = view.diff(table, time.monotonic(), everything=True)
    put({"type": "snapshot", **table.header(), "aircraft": rows})
    _, seq = live.events_since(2**62, 1)
    tasks = [asyncio.create_task(sender()), asyncio.create_task(receiver())]
    version = table.snapshot.version
    try:
        while not dropped and not any(t.done() for t in tasks):
            waiter = asyncio.create_task(live.wait(version, WAIT_S))
            changed = asyncio.create_task(box_changed.wait())
            await asyncio.wait([waiter, changed, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for t in (waiter, changed):
                if not t.done():
                    t.cancel()
            box_changed.clear()
            events, seq = live.events_since(seq, 1000)
            for n, event in events:
                if _event_inside(event, view.bbox):
                    put({"type": "event", "seq": n, "event": event_json(event)})
            table = (
                tables.latest()
                if live.snapshot().version == table.snapshot.version
                else (await asyncio.to_thread(tables.latest))
            )
            version = table.snapshot.version
            upsert, remove = view.diff(table, time.monotonic())
            if upsert or remove:
                put({"type": "delta", **_delta_header(table), "upsert": upsert, "remove": remove})
        if dropped:
            log.info("push client too slow: disconnected (queue of %d full)", QUEUE_MESSAGES)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    websocket.close(code=1013, reason="too slow: updates queued up"), 1.0
                )
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


def _delta_header(table: LiveTable) -> dict[str, Any]:
    head = table.header()
    head.pop("fields")
    return head
