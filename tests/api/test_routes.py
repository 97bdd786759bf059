"""The HTTP API in-process: every route answered, the one error shape, 400/404, paging,
token-guarded writes, the tar1090 files, exports and the geo layers.

The store is the short demo scenario's (tests/api/conftest.py: Air Koryo 7277CF from Yanji,
departure inferred, to Vladivostok); the live view is a fake with rows the tests set.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from skytrace.api import ApiContext, create_app
from skytrace.api.compact import FIELDS
from skytrace.model import ReceiverStats, Source
from skytrace.outputs.aircraft_json import DOCUMENT_KEYS
from skytrace.store import FlightQuery, open_reader
from skytrace.store.present import flight_json
from tests.api.conftest import DEMO_FLIGHT_HEX, TOKEN, FakeLive, detail, live_rows

KORYO = f"{DEMO_FLIGHT_HEX:06x}"


@pytest.fixture(scope="module")
def demo_flight(demo_dir: Path) -> Any:
    with open_reader(demo_dir) as reader:
        (flight,) = reader.flights(FlightQuery(icao24=DEMO_FLIGHT_HEX))
    return flight


def _three_aircraft(fake: FakeLive) -> None:
    fake.publish(
        live_rows(
            {
                "icao24": DEMO_FLIGHT_HEX,
                "lat": 43.123456,
                "lon": 132.1,
                "altitude_ft": 18000.4,
                "groundspeed_kt": 320.6,
                "track_deg": 75.0,
                "callsign": b"KOR153",
                "type_code": b"A148",
                "registration": b"P-671",
                "operator": b"KOR",
                "source": int(Source.ADSB),
                "squawk": 2000,
                "onground": 0,
                "category": b"A3",
            },
            {
                "icao24": 0x4CA2D1,
                "lat": 51.5,
                "lon": -0.4,
                "altitude_ft": 3000.0,
                "callsign": b"RYR1AB",
                "operator": b"RYR",
                "type_code": b"B738",
                "source": int(Source.MLAT),
                "military": False,
            },
            {
                "icao24": 0xAE1234,
                "lat": -10.0,
                "lon": 179.9,
                "altitude_ft": 30000.0,
                "callsign": b"RCH001",
                "military": True,
                "source": int(Source.ADSB),
            },
        ),
        receivers=[ReceiverStats(receiver=1, name="ru-vladivostok", lat=43.4, lon=132.1)],
    )


# -- every route --------------------------------------------------------------------------


def _example(path: str, flight_id: str, method: str = "get") -> str:
    # the demo's own watch rule is read; a rule of the test's own is written and removed
    rule = "featured" if method == "get" else "route-test"
    values = {"hex": KORYO, "id": flight_id, "code": "UHWW", "name": rule}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


QUERIES = {
    "/api/v1/playback": "?since=2023-09-12T05:00Z&until=2023-09-12T06:00Z",
    "/api/v1/positions": "?since=2023-09-12T05:00Z&until=2023-09-12T06:00Z&bbox=42,129,44,133",
    "/api/v1/search": "?q=KOR",
    "/api/v1/airports/{code}": "?date=2023-09-12",
    "/api/v1/flights": "?date=2023-09-12",
    "/api/v1/watch/{name}/test": "?date=2023-09-12",
}
BODIES = {("put", "/api/v1/watch/{name}"): {"operator": ["KOR"], "on": ["landing"]}}


def test_every_route_in_the_schema_answers(
    live_client: TestClient, fake_live: FakeLive, demo_flight: Any
) -> None:
    _three_aircraft(fake_live)
    fake_live.details[DEMO_FLIGHT_HEX] = detail(DEMO_FLIGHT_HEX)
    paths = live_client.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert len(paths) >= 19
    for path, methods in paths.items():
        for method in methods:
            url = _example(path, demo_flight.flight_id, method) + QUERIES.get(path, "")
            headers = {"Authorization": f"Bearer {TOKEN}"} if method != "get" else {}
            body = BODIES.get((method, path))
            r = live_client.request(method.upper(), url, headers=headers, json=body)
            assert r.status_code == (201 if method == "put" else 200), (method, url, r.text[:300])
            if r.headers["content-type"].startswith("application/json"):
                assert isinstance(r.json(), dict)


def test_openapi_and_docs_are_served_without_a_cdn(history_client: TestClient) -> None:
    schema = history_client.get("/openapi.json").json()
    assert "/api/v1/flights/{id}/track" in schema["paths"]
    page = history_client.get("/docs").text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert urls and all(u.startswith("/") or u.startswith("data:") for u in urls), urls
    for u in urls:
        if u.startswith("/"):
            assert history_client.get(u).status_code == 200, u


# -- the error shape -----------------------------------------------------------------------


ERRORS = [
    ("/api/v1/flights?date=2023-13-45", 400, "date"),
    ("/api/v1/flights?since=yesterday-ish", 400, "since"),
    ("/api/v1/flights?limit=0", 400, "limit"),
    ("/api/v1/flights?limit=100000", 400, "limit"),
    ("/api/v1/flights?limit=ten", 400, "limit"),
    ("/api/v1/flights?offset=-1", 400, "offset"),
    ("/api/v1/flights?from=ZZ", 400, "from"),
    ("/api/v1/flights/0000ff-20230912-0000", 404, "id"),
    ("/api/v1/flights/7277cf-20230912-0506/export?format=shp", 400, "format"),
    ("/api/v1/airports/XQXQ", 404, "code"),
    ("/api/v1/airports/not-a-code", 400, "code"),
    ("/api/v1/aircraft?bbox=1,2,3", 400, "bbox"),
    ("/api/v1/aircraft?bbox=50,0,40,10", 400, "bbox"),
    ("/api/v1/aircraft?source=radar", 400, "source"),
    ("/api/v1/aircraft?military=maybe", 400, "military"),
    ("/api/v1/aircraft/xyz", 400, "hex"),
    ("/api/v1/aircraft/abcdef", 404, "hex"),
    ("/api/v1/aircraft/xyz/history", 400, "hex"),
    ("/api/v1/playback?since=2023-09-12T05:00Z", 400, "until"),
    ("/api/v1/playback?since=2023-09-12T00:00Z&until=2023-09-13T00:00Z", 400, "until"),
    ("/api/v1/positions?since=2023-09-12T06:00Z&until=2023-09-12T05:00Z", 400, "until"),
    ("/api/v1/search?q=", 400, "q"),
    ("/api/v1/no-such-thing", 404, None),
]


@pytest.mark.parametrize(("url", "status", "field"), ERRORS)
def test_errors_have_one_shape_and_name_the_field(
    live_client: TestClient, url: str, status: int, field: str | None
) -> None:
    r = live_client.get(url)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "code", "message", "field"}
    assert err["status"] == status
    assert err["code"] == {400: "bad_request", 404: "not_found"}[status]
    assert err["field"] == field
    assert isinstance(err["message"], str) and err["message"]


def test_wrong_method_is_the_same_shape(live_client: TestClient) -> None:
    r = live_client.post("/api/v1/flights")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_a_history_only_server_says_there_is_no_live_feed(history_client: TestClient) -> None:
    r = history_client.get(f"/api/v1/aircraft/{KORYO}")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "no_live_feed"
    body = history_client.get("/api/v1/aircraft").json()
    assert body["aircraft"] == [] and body["live"] is False


def test_no_store_is_503_with_the_same_shape(fake_live: FakeLive) -> None:
    with TestClient(create_app(ApiContext(data_dir=None, live=fake_live))) as client:  # type: ignore[arg-type]
        r = client.get("/api/v1/flights")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "no_store"


# -- writes need the token -------------------------------------------------------------------


def test_writes_need_the_token(live_client: TestClient) -> None:
    assert live_client.post("/api/v1/admin/refresh").status_code == 401
    r = live_client.post("/api/v1/admin/refresh", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = live_client.post("/api/v1/admin/refresh", headers={"Authorization": f"Basic {TOKEN}"})
    assert r.status_code == 401
    ok = live_client.post("/api/v1/admin/refresh", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json() == {"refreshed": True}
    # still answers from the store afterwards
    assert live_client.get("/api/v1/flights").status_code == 200


def test_writes_are_refused_when_no_token_is_configured(history_client: TestClient) -> None:
    r = history_client.post("/api/v1/admin/refresh", headers={"Authorization": "Bearer x"})
    assert r.status_code == 403
    assert "--api-token" in r.json()["error"]["message"]


def test_cors_is_off_unless_configured(demo_dir: Path, history_client: TestClient) -> None:
    origin = {"Origin": "https://example.org"}
    r = history_client.get("/api/v1/status", headers=origin)
    assert "access-control-allow-origin" not in r.headers
    app = create_app(ApiContext(data_dir=demo_dir, cors_origins=("https://example.org",)))
    with TestClient(app) as client:
        r = client.get("/api/v1/status", headers=origin)
    assert r.headers["access-control-allow-origin"] == "https://example.org"


# -- history: the same answers as the CLI ------------------------------------------------------


def test_flight_search_matches_the_store_and_pages(
    live_client: TestClient, demo_dir: Path, demo_flight: Any
) -> None:
    body = live_client.get(
        "/api/v1/flights",
        params={"operator": "KOR", "from": "ZYYJ", "to": "UHWW", "date": "2023-09-12"},
    ).json()
    assert [f["flight_id"] for f in body["flights"]] == [demo_flight.flight_id]
    assert body["flights"][0] == json.loads(json.dumps(flight_json(demo_flight)))
    assert body["next"] is None
    none = live_client.get("/api/v1/flights", params={"operator": "ZZZ"}).json()
    assert none["flights"] == [] and none["next"] is None
    by_reg = live_client.get("/api/v1/flights", params={"aircraft": "P671"}).json()
    by_hex = live_client.get("/api/v1/flights", params={"aircraft": KORYO}).json()
    assert [f["flight_id"] for f in by_reg["flights"]] == [demo_flight.flight_id]
    assert by_hex["flights"] == by_reg["flights"]


def test_flight_search_pages_through_everything(sample_dir: Path) -> None:
    with open_reader(sample_dir) as reader:
        everything = [f.flight_id for f in reader.flights(FlightQuery())]
    assert len(everything) >= 3
    with TestClient(create_app(ApiContext(data_dir=sample_dir))) as client:
        seen: list[str] = []
        url: str | None = "/api/v1/flights?limit=2"
        pages = 0
        while url:
            page = client.get(url).json()
            assert 1 <= len(page["flights"]) <= 2
            seen += [f["flight_id"] for f in page["flights"]]
            url = page["next"]
            pages += 1
        assert seen == everything and pages == (len(everything) + 1) // 2
        past = client.get("/api/v1/flights", params={"offset": len(everything)}).json()
        assert past["flights"] == [] and past["next"] is None


def test_one_flight_has_facts_and_events(live_client: TestClient, demo_flight: Any) -> None:
    body = live_client.get(f"/api/v1/flights/{demo_flight.flight_id}").json()
    assert body["flight"]["flight_id"] == demo_flight.flight_id
    assert "Air Koryo" in body["facts"]["sentence"]
    topics = {e["topic"] for e in body["facts"]["evidence"]}
    assert {"takeoff", "landing"} <= topics
    assert all(e["flight_id"] == demo_flight.flight_id for e in body["events"])
    assert body["events"], "the flight crosses borders: it has area events"


def test_track_marks_the_inferred_takeoff(
    live_client: TestClient, demo_dir: Path, demo_flight: Any
) -> None:
    body = live_client.get(f"/api/v1/flights/{demo_flight.flight_id}/track").json()
    with open_reader(demo_dir) as reader:
        rows = reader.flight_positions(demo_flight.flight_id)
    assert len(body["positions"]) == len(rows) > 100
    t_col = body["fields"].index("time_s")
    times = [p[t_col] for p in body["positions"]]
    assert times == sorted(times)
    assert body["positions"][0][1] == pytest.approx(float(rows["lat"][0]), abs=1e-5)
    kinds = [s["kind"] for s in body["segments"]]
    assert "observed" in kinds
    (takeoff,) = [s for s in body["segments"] if s["kind"] == "inferred"]
    assert takeoff["phase"] == "takeoff" and takeoff["airport"] == "ZYYJ"
    assert takeoff["from"] == pytest.approx([demo_flight.departure.lat, demo_flight.departure.lon])
    assert takeoff["to"] == pytest.approx(body["positions"][0][1:3], abs=1e-5)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml", "parquet"])
def test_exports(live_client: TestClient, demo_flight: Any, fmt: str) -> None:
    r = live_client.get(f"/api/v1/flights/{demo_flight.flight_id}/export", params={"format": fmt})
    assert r.status_code == 200
    assert f'filename="{demo_flight.flight_id}.{fmt}"' in r.headers["content-disposition"]
    n = demo_flight.n_positions
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) >= n * 0.9 and rows[0]["icao24"] == KORYO
    elif fmt == "geojson":
        doc = r.json()
        assert doc["features"][0]["geometry"]["type"] == "LineString"
    elif fmt == "kml":
        assert r.text.startswith("<?xml") and "<kml" in r.text
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(r.content))
        assert table.num_rows >= n * 0.9


def test_airport_board(live_client: TestClient, demo_flight: Any) -> None:
    body = live_client.get("/api/v1/airports/VVO", params={"date": "2023-09-12"}).json()
    assert body["airport"]["icao"] == "UHWW"
    assert demo_flight.flight_id in [f["flight_id"] for f in body["arrivals"]]
    other_day = live_client.get("/api/v1/airports/UHWW", params={"date": "2023-09-13"}).json()
    assert other_day["arrivals"] == []


def test_aircraft_history(live_client: TestClient, demo_flight: Any) -> None:
    body = live_client.get(f"/api/v1/aircraft/{KORYO}/history").json()
    assert body["identity"]["registration"] == "P-671"
    assert [f["flight_id"] for f in body["flights"]] == [demo_flight.flight_id]
    assert live_client.get("/api/v1/aircraft/00000a/history").status_code == 404


def test_search_finds_flights_aircraft_airports(
    live_client: TestClient, fake_live: FakeLive, demo_flight: Any
) -> None:
    _three_aircraft(fake_live)
    body = live_client.get("/api/v1/search", params={"q": "kor153"}).json()
    assert demo_flight.flight_id in [f["flight_id"] for f in body["flights"]]
    assert [r[0] for r in body["live"]] == [KORYO]
    body = live_client.get("/api/v1/search", params={"q": "P-671"}).json()
    assert [a["hex"] for a in body["aircraft"]] == [KORYO]
    body = live_client.get("/api/v1/search", params={"q": "vladivostok"}).json()
    assert "UHWW" in [a["icao"] for a in body["airports"]]
    body = live_client.get("/api/v1/search", params={"q": demo_flight.flight_id}).json()
    assert [f["flight_id"] for f in body["flights"]] == [demo_flight.flight_id]


def test_playback_is_in_time_order_bounded_and_paged(
    live_client: TestClient, demo_flight: Any
) -> None:
    window = {"since": "2023-09-12T05:00Z", "until": "2023-09-12T05:30Z"}
    full = live_client.get("/api/v1/playback", params={**window, "limit": 200_000}).json()
    t = full["fields"].index("time_s")
    times = [r[t] for r in full["rows"]]
    assert len(times) > 100 and times == sorted(times)
    page = live_client.get("/api/v1/playback", params={**window, "limit": 50}).json()
    assert page["rows"] == full["rows"][:50] and page["next"]
    second = live_client.get(page["next"]).json()
    assert second["rows"] == full["rows"][50:100]
    one = live_client.get("/api/v1/playback", params={"flight": demo_flight.flight_id}).json()
    hexes = {r[full["fields"].index("hex")] for r in one["rows"]}
    assert hexes == {KORYO}
    assert (
        live_client.get("/api/v1/playback", params={**window, "limit": 200_001}).status_code == 400
    )


def test_positions_in_a_box(live_client: TestClient) -> None:
    window = {"since": "2023-09-12T05:00Z", "until": "2023-09-12T05:30Z"}
    box = "43.0,131.0,43.5,132.5"
    body = live_client.get(
        "/api/v1/positions", params={**window, "bbox": box, "limit": 10_000}
    ).json()
    f = body["fields"]
    lat, lon = f.index("lat"), f.index("lon")
    assert body["rows"]
    assert all(43.0 <= r[lat] <= 43.5 and 131.0 <= r[lon] <= 132.5 for r in body["rows"])
    elsewhere = live_client.get("/api/v1/positions", params={**window, "bbox": "-10,-10,0,0"})
    assert elsewhere.json()["rows"] == []


# -- live --------------------------------------------------------------------------------------


def test_all_aircraft_compact_and_filtered(live_client: TestClient, fake_live: FakeLive) -> None:
    _three_aircraft(fake_live)
    body = live_client.get("/api/v1/aircraft").json()
    assert body["fields"] == list(FIELDS)
    assert body["version"] == fake_live.snapshot().version
    rows = {r[0]: dict(zip(FIELDS, r, strict=True)) for r in body["aircraft"]}
    k = rows[KORYO]
    assert k["lat"] == 43.12346 and k["altitude_ft"] == 18000 and k["groundspeed_kt"] == 321
    assert k["callsign"] == "KOR153" and k["squawk"] == "2000" and k["onground"] is False
    assert k["source"] == "adsb_icao" and k["vertical_rate_fpm"] is None

    def hexes(**params: str) -> set[str]:
        return {r[0] for r in live_client.get("/api/v1/aircraft", params=params).json()["aircraft"]}

    assert hexes(bbox="40,120,50,140") == {KORYO}
    assert hexes(bbox="-20,170,0,-170") == {"ae1234"}  # across the antimeridian
    assert hexes(min_alt_ft="5000") == {KORYO, "ae1234"}
    assert hexes(max_alt_ft="5000") == {"4ca2d1"}
    assert hexes(operator="kor") == {KORYO}
    assert hexes(type="B738") == {"4ca2d1"}
    assert hexes(source="mlat") == {"4ca2d1"}
    assert hexes(military="true") == {"ae1234"}


def test_shared_documents_are_gzip_compressed_once_per_snapshot(
    live_client: TestClient, fake_live: FakeLive
) -> None:
    many = [
        {"icao24": 0x300000 + i, "lat": 40.0 + i / 100, "lon": 10.0, "callsign": b"DLH%d" % i}
        for i in range(300)
    ]
    fake_live.publish(live_rows(*many))
    for path in ("/api/v1/aircraft", "/data/aircraft.json"):
        plain = live_client.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        gz = live_client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert gz.headers["content-encoding"] == "gzip"
        assert gz.headers["vary"] == "Accept-Encoding"
        assert int(gz.headers["content-length"]) < len(plain.content) / 3
        assert gz.json() == plain.json()  # the client decompressed it
        refused = live_client.get(path, headers={"Accept-Encoding": "gzip;q=0"})
        assert "content-encoding" not in refused.headers
    # a new snapshot is a new document, not the cached one
    fake_live.publish(live_rows(*many[:5]))
    for path in ("/api/v1/aircraft", "/data/aircraft.json"):
        doc = live_client.get(path, headers={"Accept-Encoding": "gzip"}).json()
        assert len(doc["aircraft"]) == 5


def test_requests_get_the_previous_table_while_the_next_is_built(fake_live: FakeLive) -> None:
    from skytrace.api.compact import LiveTables

    tables = LiveTables(fake_live)  # type: ignore[arg-type]
    fake_live.publish(live_rows({"icao24": 0x300001, "lat": 1.0, "lon": 2.0}))
    first = tables.latest()
    fake_live.publish(live_rows({"icao24": 0x300002, "lat": 1.0, "lon": 2.0}))
    with tables._lock:  # another thread is building the new table
        assert tables.latest(stale_ok=True) is first
    newest = tables.latest(stale_ok=True)
    assert newest.snapshot.version == fake_live.snapshot().version
    assert [r[0] for r in newest.rows] == ["300002"]


def test_one_aircraft_detail(live_client: TestClient, fake_live: FakeLive) -> None:
    _three_aircraft(fake_live)
    fake_live.details[DEMO_FLIGHT_HEX] = detail(DEMO_FLIGHT_HEX, n_track=7)
    body = live_client.get(f"/api/v1/aircraft/{KORYO.upper()}").json()
    assert body["state"]["callsign"] == "KOR153"
    assert body["identity"]["registration"] == "P-671"
    assert [r["name"] for r in body["receivers"]] == ["ru-vladivostok"]
    assert len(body["trail"]) == 7 and body["trail_fields"][0] == "time_s"


def test_tar1090_files(live_client: TestClient, fake_live: FakeLive) -> None:
    _three_aircraft(fake_live)
    doc = live_client.get("/data/aircraft.json").json()
    assert set(DOCUMENT_KEYS) <= set(doc)
    assert {a["hex"] for a in doc["aircraft"]} == {KORYO, "4ca2d1", "ae1234"}
    rx = live_client.get("/data/receiver.json").json()
    assert set(rx) == {"version", "refresh", "history", "lat", "lon"}
    assert isinstance(rx["refresh"], int) and rx["lat"] == pytest.approx(43.4)


def test_open_flights_and_status(
    live_client: TestClient, fake_live: FakeLive, demo_flight: Any
) -> None:
    fake_live.publish(live_rows(), open_flights=[demo_flight])
    body = live_client.get("/api/v1/flights/open").json()
    assert [f["flight_id"] for f in body["flights"]] == [demo_flight.flight_id]
    status = live_client.get("/api/v1/status").json()
    assert status["mode"] == "live" and status["store"]["available"] is True
    assert status["ingest"]["snapshot_version"] == fake_live.snapshot().version


def test_live_receivers_say_what_mlat_knows_of_them(
    live_client: TestClient, fake_live: FakeLive
) -> None:
    synced = {"state": "synced", "synced_pairs": 4, "clock_noise_ns": 50.0, "resets": 0,
              "fixes": 99}  # fmt: skip
    fake_live.publish(
        live_rows(),
        receivers=[ReceiverStats(receiver=1, name="a"), ReceiverStats(receiver=2, name="b")],
        mlat_receivers={1: synced},
    )
    rows = live_client.get("/api/v1/receivers").json()["receivers"]
    assert [r.get("mlat") for r in rows] == [synced, None]


def test_receivers_cover_where_positions_were_heard(
    live_client: TestClient, fake_live: FakeLive
) -> None:
    _three_aircraft(fake_live)
    body = live_client.get("/api/v1/receivers").json()
    assert [r["name"] for r in body["receivers"]] == ["ru-vladivostok"]
    cells = body["coverage"]["cells"]
    assert sum(n for _, _, n in cells) > 100
    # the scenario flies from Yanji to Vladivostok: 42-44 N, 129-133 E
    assert all(42 <= la <= 44 and 129 <= lo <= 133 for la, lo, _ in cells)


# -- geo ---------------------------------------------------------------------------------------


def test_countries_geojson_is_cut_at_the_antimeridian_and_cacheable(
    history_client: TestClient,
) -> None:
    r = history_client.get("/api/v1/geo/countries")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert len(r.content) < 1_000_000
    doc = r.json()
    codes = {f["properties"]["code"] for f in doc["features"]}
    assert {"RU", "FJ", "KP", "US"} <= codes
    for feature in doc["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                xy = np.asarray(ring)
                assert np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90)
                jumps = np.abs(np.diff(xy[:, 0])) > 180
                # only along a pole (Antarctica closes through it), never across the map
                assert np.all(np.abs(xy[1:, 1][jumps]) == 90), feature["properties"]["code"]
    again = history_client.get(
        "/api/v1/geo/countries", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    zipped = history_client.get("/api/v1/geo/countries", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip"
    assert json.loads(
        zipped.content if zipped.content[:1] == b"{" else gzip.decompress(zipped.content)
    )


def test_firs_are_empty_when_none_are_imported(history_client: TestClient) -> None:
    assert history_client.get("/api/v1/geo/firs").json()["features"] == []


def test_geo_layers_are_shared_by_apps_until_the_layer_changes(tmp_path: Path) -> None:
    from skytrace.api.geo import GeoCache
    from skytrace.refdata.importers import import_refdata

    data = tmp_path / "data"
    data.mkdir()

    def firs() -> dict[str, Any]:
        with TestClient(create_app(ApiContext(data_dir=data, live=None))) as client:
            doc: dict[str, Any] = client.get("/api/v1/geo/firs").json()
            return doc

    assert firs()["features"] == []
    ring = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    fir = {"type": "Feature", "properties": {"id": "ZZZZ"},
           "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
    layer = tmp_path / "firs.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [fir]}))
    import_refdata(layer, "firs", data)
    assert [f["properties"]["code"] for f in firs()["features"]] == ["ZZZZ"]
    # every app of the process gets the one built document, not a build of its own
    assert GeoCache(data).countries() is GeoCache(data).countries()
    assert GeoCache(data).firs() is GeoCache(data).firs()
