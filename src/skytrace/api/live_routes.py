"""Routes over the live view: aircraft now, one aircraft, receivers, open flights, status,
and the readsb/tar1090 files /data/aircraft.json and /data/receiver.json.

A history-only server (no live view) answers these with empty live data and says so
(``"live": false``), except one aircraft's detail (503 no_live_feed).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from skytrace import __version__
from skytrace.api.compact import FIELDS, LiveTable, bbox_mask, dumps, dumps_bytes
from skytrace.api.encoded import Encoded, accepts_gzip, encoded_response
from skytrace.api.errors import ApiError
from skytrace.api.jsonable import clean, json_response, record
from skytrace.api.params import BBox, parse_bbox, parse_bool, parse_hex_param, parse_source
from skytrace.api.services import Services
from skytrace.api.store_queries import coverage_bins, open_flights
from skytrace.model import ReceiverStats
from skytrace.store.present import flight_json

__all__ = ["add_live_routes"]

_TRACK_FIELDS = ("time_s", "lat", "lon", "altitude_ft", "groundspeed_kt")


def _receiver(stats: ReceiverStats) -> dict[str, Any]:
    return record(stats)


def _filtered(
    table: LiveTable,
    box: BBox | None,
    min_alt_ft: float | None,
    max_alt_ft: float | None,
    operator: str | None,
    typecode: str | None,
    sources: set[int] | None,
    military: bool | None,
) -> Response:
    v = table.values
    keep = bbox_mask(table.lat, table.lon, box) if box is not None else np.ones(len(v), bool)
    alt = v["altitude_ft"]
    known_alt = alt != np.iinfo(np.int32).min
    if min_alt_ft is not None:
        keep &= known_alt & (alt >= min_alt_ft)
    if max_alt_ft is not None:
        keep &= known_alt & (alt <= max_alt_ft)
    if operator is not None:
        keep &= v["operator"] == operator.strip().upper().encode("ascii", "replace")
    if typecode is not None:
        keep &= v["type_code"] == typecode.strip().upper().encode("ascii", "replace")
    if sources is not None:
        keep &= np.isin(v["source"], list(sources))
    if military is not None:
        keep &= v["military"] == military
    return Response(table.body(np.nonzero(keep)[0]), media_type="application/json")


async def _shared(request: Request, body: Encoded | Callable[[], Encoded]) -> Response:
    """A document shared by every client of one snapshot: built (when ``body`` is how to
    build it) and gzip-compressed in a worker thread, once; sent from the event loop."""
    if callable(body):
        body = await run_in_threadpool(body)
    if accepts_gzip(request) and not body.gzip_ready():
        await run_in_threadpool(body.gzip)
    return encoded_response(request, body, "application/json")


class _LatestDocument:
    """The encoded readsb aircraft.json of the latest snapshot version asked for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._body: Encoded | None = None

    def get(self, version: int) -> Encoded | None:
        with self._lock:
            return self._body if self._version == version else None

    def put(self, version: int, doc: dict[str, Any]) -> Encoded:
        with self._lock:
            if self._version == version and self._body is not None:
                return self._body
        body = Encoded(dumps_bytes(doc))
        with self._lock:
            if version >= self._version:
                self._version, self._body = version, body
        return body


def add_live_routes(app: FastAPI, services: Services) -> None:
    readsb_docs = _LatestDocument()

    @app.get("/api/v1/aircraft", tags=["live"], summary="all aircraft tracked now (compact)")
    async def aircraft_now(
        request: Request,
        bbox: Annotated[str | None, Query(description="S,W,N,E degrees")] = None,
        min_alt_ft: Annotated[float | None, Query()] = None,
        max_alt_ft: Annotated[float | None, Query()] = None,
        operator: Annotated[str | None, Query(description="ICAO operator, e.g. KOR")] = None,
        type: Annotated[str | None, Query(description="ICAO type designator, e.g. A148")] = None,
        source: Annotated[str | None, Query(description="e.g. adsb_icao,mlat")] = None,
        military: Annotated[str | None, Query(description="true or false")] = None,
    ) -> Response:
        """Compact rows (``fields`` names the columns), one per aircraft tracked now.

        Rows without a position have null lat/lon and are left out when ``bbox`` is given.
        """
        box = parse_bbox(bbox) if bbox else None
        sources = parse_source(source) if source else None
        mil = parse_bool(military, "military") if military is not None else None
        if min_alt_ft is not None and max_alt_ft is not None and max_alt_ft < min_alt_ft:
            raise ApiError(400, "max_alt_ft: must not be below min_alt_ft", field="max_alt_ft")
        if services.tables is None:
            doc = {"now": round(time.time(), 3), "version": 0, "live": False}
            return json_response({**doc, "fields": list(FIELDS), "aircraft": []})
        # The table and the all-aircraft document are built once per snapshot (in a worker
        # thread) and then served from the event loop without a thread hop; filtered answers
        # are cut in a worker thread.
        table = services.tables.current()
        if table is None:
            table = await run_in_threadpool(partial(services.tables.latest, stale_ok=True))
        filters = (box, min_alt_ft, max_alt_ft, operator, type, sources, mil)
        if all(f is None for f in filters):
            return await _shared(request, table.cached_body() or table.all_body)
        return await run_in_threadpool(
            _filtered, table, box, min_alt_ft, max_alt_ft, operator, type, sources, mil
        )

    @app.get("/api/v1/aircraft/{hex}", tags=["live"], summary="one aircraft tracked now")
    async def aircraft_detail(
        hex: Annotated[str, Path(description="ICAO address, 6 hex digits")],
    ) -> Response:
        """State, identity, receivers, current flight and its whole track so far
        (``trail``: [[time_s, lat, lon, altitude_ft, groundspeed_kt], ...])."""
        icao24 = parse_hex_param(hex)
        live = services.live
        detail = live.aircraft(icao24)
        if detail is None:
            raise ApiError(404, f"aircraft {hex} is not tracked now", field="hex")
        snapshot = live.snapshot()
        by_id = {r.receiver: r for r in snapshot.receivers}
        receivers = [
            _receiver(by_id[i]) if i in by_id else {"receiver": i} for i in detail.receiver_ids
        ]
        t = detail.track
        trail = (
            np.column_stack(
                [
                    np.round(t["time_s"], 3),
                    np.round(t["lat"], 5),
                    np.round(t["lon"], 5),
                    np.rint(t["altitude_ft"]),
                    np.rint(t["groundspeed_kt"]),
                ]
            ).tolist()
            if len(t)
            else []
        )
        return json_response(
            clean(
                {
                    "hex": f"{icao24:06x}",
                    "now": snapshot.now_s,
                    "state": record(detail.state),
                    "identity": record(detail.identity) if detail.identity else None,
                    "receivers": receivers,
                    "flight": flight_json(detail.flight) if detail.flight else None,
                    "trail_fields": list(_TRACK_FIELDS),
                    "trail": trail,
                }
            )
        )

    @app.get("/api/v1/receivers", tags=["live"], summary="receivers and what they cover")
    def receivers() -> Response:
        """Receivers with their statistics (live, else the store's last record; live rows
        say what MLAT knows of the receiver under ``mlat`` when it is on) and the area the
        network covered: 0.25° cells with the positions heard in each over the
        last 24 h of stored data (the store does not keep which receiver heard a position,
        so coverage is the network's, not per receiver)."""
        live_rows: list[dict[str, Any]] = []
        if services.context.live is not None:
            snapshot = services.live.snapshot()
            for r in snapshot.receivers:
                row = _receiver(r)
                if r.receiver in snapshot.mlat_receivers:
                    row["mlat"] = snapshot.mlat_receivers[r.receiver]
                live_rows.append(row)
        stored: list[dict[str, Any]] = []
        coverage: dict[str, Any] | None = None
        if services.pool is not None:
            with services.reader() as reader:
                cols, rows = reader.sql("SELECT * FROM receivers ORDER BY receiver")
                stored = [clean(dict(zip(cols, r, strict=True))) for r in rows]
                coverage = coverage_bins(reader)
        return json_response(
            {
                "live": bool(services.context.live),
                "receivers": live_rows or stored,
                "stored": stored,
                "coverage": coverage,
            }
        )

    @app.get("/api/v1/flights/open", tags=["live"], summary="flights in progress")
    def flights_open() -> Response:
        """Open flights: from the live detector, else the store's flights still open."""
        if services.context.live is not None:
            flights = services.live.snapshot().open_flights
        else:
            with services.reader() as reader:
                flights = open_flights(reader)
        return json_response(
            {
                "live": services.context.live is not None,
                "flights": [flight_json(f) for f in flights],
            }
        )

    @app.get("/api/v1/status", tags=["meta"], summary="version, mode, store and ingest")
    def status() -> Response:
        live = services.context.live
        store: dict[str, Any] = {"available": False}
        if services.pool is not None:
            try:
                with services.reader() as reader:
                    _, rows = reader.sql("SELECT count(*) FROM flights")
                store = {"available": True, "flights": int(rows[0][0])}
            except Exception as exc:  # the status page reports, it does not fail
                store = {"available": False, "message": str(exc)}
        return json_response(
            clean(
                {
                    "version": __version__,
                    "mode": "live" if live is not None else "history",
                    "wall_s": time.time(),
                    "store": store,
                    "ingest": live.stats() if live is not None else None,
                    "alerts": alerts.status() if (alerts := services.context.alerts) else None,
                    "writes": services.context.token is not None,
                }
            )
        )

    @app.get("/data/aircraft.json", tags=["tar1090"], summary="readsb/tar1090 aircraft.json")
    async def aircraft_json(request: Request) -> Response:
        if services.context.live is None:
            doc: dict[str, Any] = {"now": round(time.time(), 1), "messages": 0, "aircraft": []}
            return Response(dumps(doc), media_type="application/json")
        snapshot = services.live.snapshot()
        cached = readsb_docs.get(snapshot.version)
        return await _shared(
            request, cached or (lambda: readsb_docs.put(snapshot.version, snapshot.document))
        )

    @app.get("/data/receiver.json", tags=["tar1090"], summary="readsb/tar1090 receiver.json")
    def receiver_json() -> Response:
        doc: dict[str, Any] = {"version": f"skytrace {__version__}", "refresh": 1000, "history": 0}
        if services.context.live is not None:
            located = [
                r
                for r in services.live.snapshot().receivers
                if math.isfinite(r.lat) and math.isfinite(r.lon)
            ]
            if located:
                doc["lat"] = round(float(np.mean([r.lat for r in located])), 4)
                doc["lon"] = round(float(np.mean([r.lon for r in located])), 4)
        return Response(dumps(doc), media_type="application/json")
