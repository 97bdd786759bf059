"""Routes over the history store: flight search, one flight (record, facts, events, track,
exports), airport boards, aircraft history, search, playback and area/time positions.

The same answers as the CLI from the same functions: StoreReader queries, flight_json /
event_json of skytrace.store.present, stored_facts of skytrace.flights.facts, and
skytrace.outputs.export. Lists are paged (``limit`` up to MAX_LIMIT, ``offset``) and say
where the next page is (``next``: a URL, or null at the end).
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Any, Final

import numpy as np
import numpy.typing as npt
from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import Response

from skytrace.api.errors import ApiError
from skytrace.api.jsonable import clean, json_response, record
from skytrace.api.params import (
    MAX_LIMIT,
    check_page,
    parse_bbox,
    parse_date,
    parse_hex_param,
    parse_window,
)
from skytrace.api.services import Services
from skytrace.api.store_queries import PLAYBACK_FIELDS, positions_window
from skytrace.errors import RefdataError, StoreError, UsageError
from skytrace.flights.facts import stored_facts
from skytrace.model import Flight
from skytrace.outputs.export import EXPORT_FORMATS, MEDIA_TYPES, export_track
from skytrace.store import FlightQuery, StoreReader
from skytrace.store.present import event_json, flight_json, parse_hex
from skytrace.store.reader import resolve_airport

__all__ = ["add_history_routes"]

TRACK_FIELDS: Final = (
    "time_s",
    "lat",
    "lon",
    "altitude_ft",
    "groundspeed_kt",
    "track_deg",
    "vertical_rate_fpm",
    "onground",
)
PLAYBACK_MAX_S: Final = 6 * 3600.0
PLAYBACK_MAX_ROWS: Final = 200_000
SEARCH_LIMIT: Final = 20


def _next_url(request: Request, offset: int, limit: int, more: bool) -> str | None:
    if not more:
        return None
    url = request.url.include_query_params(offset=offset + limit, limit=limit)
    return f"{url.path}?{url.query}"


def _flight(reader: StoreReader, flight_id: str) -> Flight:
    try:
        return reader.flight(flight_id.strip().lower())
    except StoreError as exc:  # the store is open, so this is an unknown id
        raise ApiError(404, str(exc), field="id") from None


def _airport_code(code: str, field: str) -> str:
    try:
        resolve_airport(code)
    except UsageError as exc:
        raise ApiError(400, f"{field}: {exc}", field=field) from None
    return code


def _track_rows(t: npt.NDArray[np.void]) -> list[list[Any]]:
    if not len(t):
        return []
    cols = [
        np.round(t["time_s"], 3).tolist(),
        np.round(t["lat"], 5).tolist(),
        np.round(t["lon"], 5).tolist(),
    ]
    for name in ("altitude_ft", "groundspeed_kt", "track_deg", "vertical_rate_fpm"):
        v = t[name].astype(np.float64)
        cols.append([None if math.isnan(x) else round(x) for x in v.tolist()])
    cols.append(t["onground"].tolist())
    return [list(r) for r in zip(*cols, strict=True)]


def _segments(flight: Flight, t: npt.NDArray[np.void]) -> list[dict[str, Any]]:
    """Observed stretches (split at reception gaps), the gaps, and inferred takeoff/landing
    legs (airport reference point to the first / from the last position)."""
    out: list[dict[str, Any]] = []
    if not len(t):
        return out
    times = t["time_s"]
    dep = flight.departure
    if dep is not None and dep.method == "inferred" and math.isfinite(dep.lat):
        out.append(
            {
                "kind": "inferred",
                "phase": "takeoff",
                "airport": dep.icao,
                "start_s": clean(flight.takeoff_s),
                "end_s": float(times[0]),
                "from": [dep.lat, dep.lon],
                "to": [float(t["lat"][0]), float(t["lon"][0])],
                "confidence": dep.confidence,
            }
        )
    start = 0
    for gap_start, gap_end in flight.gaps:
        cut = int(np.searchsorted(times, gap_end, side="left"))
        if start < cut <= len(t) - 1 and cut > 0:
            out.append(
                {
                    "kind": "observed",
                    "first": start,
                    "last": cut - 1,
                    "start_s": float(times[start]),
                    "end_s": float(times[cut - 1]),
                }
            )
            out.append(
                {
                    "kind": "gap",
                    "start_s": gap_start,
                    "end_s": gap_end,
                    "from_index": cut - 1,
                    "to_index": cut,
                }
            )
            start = cut
    out.append(
        {
            "kind": "observed",
            "first": start,
            "last": len(t) - 1,
            "start_s": float(times[start]),
            "end_s": float(times[-1]),
        }
    )
    arr = flight.arrival
    if arr is not None and arr.method == "inferred" and math.isfinite(arr.lat):
        out.append(
            {
                "kind": "inferred",
                "phase": "landing",
                "airport": arr.icao,
                "start_s": float(times[-1]),
                "end_s": clean(flight.landing_s),
                "from": [float(t["lat"][-1]), float(t["lon"][-1])],
                "to": [arr.lat, arr.lon],
                "confidence": arr.confidence,
            }
        )
    return out


def add_history_routes(app: FastAPI, services: Services) -> None:
    @app.get("/api/v1/flights", tags=["history"], summary="search stored flights")
    def flights(
        request: Request,
        date: Annotated[str | None, Query(description="UTC day, YYYY-MM-DD")] = None,
        since: Annotated[str | None, Query(description="departure from (ISO 8601)")] = None,
        until: Annotated[str | None, Query(description="departure before (ISO 8601)")] = None,
        from_: Annotated[str | None, Query(alias="from", description="ICAO/IATA")] = None,
        to: Annotated[str | None, Query(description="arrival airport, ICAO or IATA")] = None,
        operator: Annotated[str | None, Query(description="ICAO operator, e.g. KOR")] = None,
        type: Annotated[str | None, Query(description="ICAO type, e.g. A148")] = None,
        aircraft: Annotated[str | None, Query(description="hex or registration")] = None,
        callsign: Annotated[str | None, Query(description="exact, or with * and ?")] = None,
        limit: Annotated[int, Query(description=f"1..{MAX_LIMIT}")] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        """Flights ordered by departure (takeoff, else first seen); the CLI's filters."""
        check_page(limit, offset)
        start = end = None
        if date:
            start, end = parse_date(date)
        s2, e2 = parse_window(since, until)
        start = s2 if s2 is not None else start
        end = e2 if e2 is not None else end
        if start is not None and end is not None and end <= start:
            raise ApiError(400, "until: the window ends before it starts", field="until")
        for field, code in (("from", from_), ("to", to)):
            if code:
                _airport_code(code, field)
        icao24 = registration = None
        if aircraft:
            icao24 = parse_hex(aircraft)
            registration = aircraft if icao24 is None else None
        query = FlightQuery(
            start_s=start,
            end_s=end,
            origin=from_,
            destination=to,
            operator=operator,
            typecode=type,
            registration=registration,
            icao24=icao24,
            callsign=callsign,
            limit=offset + limit + 1,
        )
        with services.reader() as reader:
            found = reader.flights(query)
        page = found[offset : offset + limit]
        return json_response(
            {
                "flights": [flight_json(f) for f in page],
                "offset": offset,
                "limit": limit,
                "next": _next_url(request, offset, limit, len(found) > offset + limit),
            }
        )

    @app.get("/api/v1/flights/{id}", tags=["history"], summary="one flight with its facts")
    def flight(id: Annotated[str, Path(description="flight id")]) -> Response:
        """The record, the facts sentence with its evidence, and the flight's events."""
        with services.reader() as reader:
            f = _flight(reader, id)
            facts = stored_facts(reader, f.flight_id, services.country_name)
            events = reader.events(flight_id=f.flight_id)
        return json_response(
            {
                "flight": flight_json(f),
                "facts": clean(facts.to_dict()),
                "events": [event_json(e) for e in events],
            }
        )

    @app.get("/api/v1/flights/{id}/track", tags=["history"], summary="a flight's positions")
    def flight_track(id: Annotated[str, Path(description="flight id")]) -> Response:
        """Positions as rows of ``fields``, and ``segments``: observed stretches, reception
        gaps, and inferred takeoff/landing legs (drawn from the airport to the first / from
        the last position; marked "inferred")."""
        with services.reader() as reader:
            f = _flight(reader, id)
            t = reader.positions(f.icao24, f.first_seen_s, f.last_seen_s)
        return json_response(
            {
                "flight_id": f.flight_id,
                "fields": list(TRACK_FIELDS),
                "positions": _track_rows(t),
                "segments": clean(_segments(f, t)),
            }
        )

    @app.get("/api/v1/flights/{id}/export", tags=["history"], summary="export a flight")
    def flight_export(
        id: Annotated[str, Path(description="flight id")],
        format: Annotated[str, Query(description="csv, geojson, kml or parquet")] = "csv",
    ) -> Response:
        if format not in EXPORT_FORMATS:
            raise ApiError(400, f"format: use one of {', '.join(EXPORT_FORMATS)}", field="format")
        with services.reader() as reader:
            f = _flight(reader, id)
            t = reader.positions(f.icao24, f.first_seen_s, f.last_seen_s)
        data = export_track(t, format, f.flight_id, f)
        return Response(
            data,
            media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{f.flight_id}.{format}"'},
        )

    @app.get("/api/v1/airports/{code}", tags=["history"], summary="airport and its board")
    def airport(
        code: Annotated[str, Path(description="ICAO or IATA code")],
        date: Annotated[str | None, Query(description="UTC day, default today")] = None,
    ) -> Response:
        """The airport, and its departures and arrivals with takeoff / landing that day."""
        text = code.strip().upper()
        if len(text) not in (3, 4) or not text.isalnum():
            raise ApiError(400, f"code: {code!r} is not an ICAO (4) or IATA (3) code", field="code")
        try:
            info = services.refdata.airports.get(text)
        except RefdataError as exc:
            raise ApiError(404, str(exc), field="code") from None
        day = date or time.strftime("%Y-%m-%d", time.gmtime())
        start, end = parse_date(day)
        with services.reader() as reader:
            departures, arrivals = reader.board(info.icao, start, end)
        return json_response(
            {
                "airport": record(info),
                "date": day,
                "departures": [flight_json(f) for f in departures],
                "arrivals": [flight_json(f) for f in arrivals],
            }
        )

    @app.get("/api/v1/aircraft/{hex}/history", tags=["history"], summary="an aircraft's flights")
    def aircraft_history(
        request: Request,
        hex: Annotated[str, Path(description="ICAO address, 6 hex digits")],
        limit: Annotated[int, Query(description=f"1..{MAX_LIMIT}")] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        check_page(limit, offset)
        icao24 = parse_hex_param(hex)
        identity = services.refdata.identify(icao24)
        with services.reader() as reader:
            found = reader.flights(FlightQuery(icao24=icao24, limit=offset + limit + 1))
        known = (
            found
            or identity.registration
            or (services.refdata.aircraft is not None and services.refdata.aircraft.get(icao24))
        )
        if not known and not (services.context.live and services.live.aircraft(icao24)):
            raise ApiError(404, f"no flights and no reference data for aircraft {hex}", field="hex")
        return json_response(
            {
                "hex": f"{icao24:06x}",
                "identity": record(identity),
                "flights": [flight_json(f) for f in found[offset : offset + limit]],
                "offset": offset,
                "limit": limit,
                "next": _next_url(request, offset, limit, len(found) > offset + limit),
            }
        )

    @app.get("/api/v1/playback", tags=["history"], summary="positions in time order for replay")
    def playback(
        request: Request,
        since: Annotated[str | None, Query(description="start (ISO 8601 or epoch s)")] = None,
        until: Annotated[str | None, Query(description="end, at most 6 h after since")] = None,
        bbox: Annotated[str | None, Query(description="S,W,N,E degrees")] = None,
        flight: Annotated[
            str | None, Query(description="one flight id instead of a window")
        ] = None,
        limit: Annotated[int, Query(description=f"1..{PLAYBACK_MAX_ROWS}")] = 50_000,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        """Compact columns ``{"fields": [...], "rows": [...]}`` in time order; a window of at
        most 6 h (or one flight), at most ``limit`` rows per page."""
        check_page(limit, offset, PLAYBACK_MAX_ROWS)
        box = parse_bbox(bbox) if bbox else None
        with services.reader() as reader:
            if flight:
                f = _flight(reader, flight)
                t = reader.positions(f.icao24, f.first_seen_s, f.last_seen_s)
                rows = _playback_rows(t)
                if box is not None:
                    rows = [r for r in rows if _in_box(r[2], r[3], box)]
                more = len(rows) > offset + limit
                rows = rows[offset : offset + limit]
                window: tuple[float | None, float | None] = (f.first_seen_s, f.last_seen_s)
            else:
                if not (since and until):
                    field = "since" if not since else "until"
                    raise ApiError(400, f"{field}: give since and until, or flight", field=field)
                start, end = parse_window(since, until, max_s=PLAYBACK_MAX_S)
                assert start is not None and end is not None
                rows = positions_window(reader, start, end, box, limit + 1, offset)
                more = len(rows) > limit
                rows = rows[:limit]
                window = (start, end)
        return json_response(
            {
                "since_s": window[0],
                "until_s": window[1],
                "fields": list(PLAYBACK_FIELDS),
                "rows": rows,
                "next": _next_url(request, offset, limit, more),
            }
        )

    @app.get("/api/v1/positions", tags=["history"], summary="positions in an area and window")
    def positions(
        request: Request,
        since: Annotated[str, Query(description="start (ISO 8601 or epoch s)")],
        until: Annotated[str, Query(description="end, at most 24 h after since")],
        bbox: Annotated[str | None, Query(description="S,W,N,E degrees")] = None,
        limit: Annotated[int, Query(description=f"1..{MAX_LIMIT * 10}")] = 1000,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        check_page(limit, offset, MAX_LIMIT * 10)
        box = parse_bbox(bbox) if bbox else None
        start, end = parse_window(since, until, max_s=86_400.0)
        assert start is not None and end is not None
        with services.reader() as reader:
            rows = positions_window(reader, start, end, box, limit + 1, offset)
        return json_response(
            {
                "fields": list(PLAYBACK_FIELDS),
                "rows": rows[:limit],
                "offset": offset,
                "limit": limit,
                "next": _next_url(request, offset, limit, len(rows) > limit),
            }
        )

    @app.get("/api/v1/search", tags=["history"], summary="find flights, aircraft, airports")
    def search(q: Annotated[str, Query(min_length=1, max_length=64)]) -> Response:
        """Matches of ``q``: flights (id, callsign), aircraft (hex, registration), airports
        (ICAO, IATA, name) and live aircraft (hex, callsign, registration); 20 of each."""
        text = q.strip()
        if not text:
            raise ApiError(400, "q: give something to search for", field="q")
        return json_response(_search(services, text))


def _in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    south, west, north, east = box
    in_lon = west <= lon <= east if west <= east else (lon >= west or lon <= east)
    return south <= lat <= north and in_lon


def _playback_rows(t: npt.NDArray[np.void]) -> list[list[Any]]:
    from skytrace.model import Source

    labels = {int(s): s.label for s in Source}
    out = []
    for r, track in zip(t.tolist(), _track_rows(t), strict=True):
        (icao, _, _, _, _, _, _, _, _, _, src, _, squawk, callsign) = r
        time_s, lat, lon, alt, gs, trk, vr, ground = track
        out.append(
            [
                time_s,
                f"{icao:06x}",
                lat,
                lon,
                alt,
                gs,
                trk,
                vr,
                ground,
                callsign.decode("ascii", "replace").strip() or None,
                squawk.decode("ascii", "replace") or None,
                labels.get(src, "other"),
            ]
        )
    return out


def _search(services: Services, text: str) -> dict[str, Any]:
    upper = text.upper()
    icao24 = parse_hex(text)
    out: dict[str, Any] = {"q": text, "flights": [], "aircraft": [], "airports": [], "live": []}
    refdata = services.refdata
    # airports: by code, then by name
    airports = refdata.airports
    seen: set[str] = set()
    if len(upper) in (3, 4) and upper.isalnum():
        try:
            info = airports.get(upper)
            out["airports"].append(record(info))
            seen.add(info.icao)
        except RefdataError:
            pass
    if len(text) >= 3:
        names = services.airport_names()
        hits = np.nonzero(np.char.find(names, text.lower()) >= 0)[0][: SEARCH_LIMIT * 2]
        for i in hits.tolist():
            info = airports.info(i)
            if info.icao not in seen and len(out["airports"]) < SEARCH_LIMIT:
                out["airports"].append(record(info))
                seen.add(info.icao)
    # aircraft: hex or registration in reference data
    if icao24 is not None:
        out["aircraft"].append({"hex": f"{icao24:06x}", **record(refdata.identify(icao24))})
    if refdata.aircraft is not None:
        row = refdata.aircraft.find_registration(text)
        if row is not None:
            out["aircraft"].append(
                {"hex": f"{row.icao24:06x}", **record(refdata.identify(row.icao24))}
            )
    # flights: id, callsign (prefix), hex, registration
    if services.pool is not None:
        with services.reader() as reader:
            found: dict[str, Flight] = {}
            if "-" in text:
                try:
                    f = reader.flight(text.lower())
                    found[f.flight_id] = f
                except StoreError:
                    pass
            queries = [FlightQuery(callsign=f"{upper}*", limit=SEARCH_LIMIT)]
            if icao24 is not None:
                queries.append(FlightQuery(icao24=icao24, limit=SEARCH_LIMIT))
            queries.append(FlightQuery(registration=text, limit=SEARCH_LIMIT))
            for query in queries:
                for f in reader.flights(query):
                    found.setdefault(f.flight_id, f)
        ordered = sorted(found.values(), key=lambda f: -f.first_seen_s)[:SEARCH_LIMIT]
        out["flights"] = [flight_json(f) for f in ordered]
    # live aircraft
    if services.tables is not None:
        table = services.tables.latest()
        v = table.values
        key = upper.encode("ascii", "replace")
        match = np.char.startswith(v["callsign"], key) | (v["registration"] == key)
        if icao24 is not None:
            match |= v["icao24"] == icao24
        idx = np.nonzero(match)[0][:SEARCH_LIMIT]
        out["live"] = [table.rows[i] for i in idx.tolist()]
        out["live_fields"] = list(table.header()["fields"])
    return out
