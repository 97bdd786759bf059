"""The live push stream (WebSocket /api/v1/live): snapshot first, deltas inside the client's
box at most once a second per aircraft, removals, events, bad messages; and the per-client
diff (ClientView) on its own with a controlled clock."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from skytrace.api.compact import FIELDS, LiveTable
from skytrace.api.push import MIN_INTERVAL_S, ClientView
from skytrace.live.view import LiveSnapshot, frozen_array
from skytrace.model import Event, EventKind
from tests.api.conftest import FakeLive, live_rows

A, B, C = 0x7277CF, 0x4CA2D1, 0xAE1234
KOREA = [40.0, 125.0, 45.0, 135.0]


def _rows(lat_a: float = 43.0, *, with_c: bool = True, callsign_b: bytes = b"RYR1AB") -> Any:
    aircraft = [
        {"icao24": A, "lat": lat_a, "lon": 132.0, "altitude_ft": 18000.0, "callsign": b"KOR153"},
        {"icao24": B, "lat": 51.5, "lon": -0.4, "altitude_ft": 3000.0, "callsign": callsign_b},
    ]
    if with_c:
        aircraft.append({"icao24": C, "lat": 42.0, "lon": 130.0, "altitude_ft": 30000.0})
    return live_rows(*aircraft)


def _table(rows: Any, version: int) -> LiveTable:
    snap = LiveSnapshot(
        now_s=1e9 + version, wall_s=0.0, version=version, aircraft=frozen_array(rows), document={}
    )
    return LiveTable.build(snap)


def _receive_until(ws: Any, kind: str, limit: int = 50) -> dict[str, Any]:
    for _ in range(limit):
        msg = ws.receive_json()
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind} message in {limit}")


def test_snapshot_then_deltas_inside_the_box(live_client: TestClient, fake_live: FakeLive) -> None:
    fake_live.publish(_rows())
    with live_client.websocket_connect("/api/v1/live?bbox=40,125,45,135") as ws:
        first = ws.receive_json()
        assert first["type"] == "snapshot" and first["fields"] == list(FIELDS)
        assert sorted(r[0] for r in first["aircraft"]) == ["7277cf", "ae1234"]
        # A moves, C leaves (no longer tracked), B (outside the box) changes. The removal
        # goes out at once; A's move once a second has passed since A was sent.
        fake_live.publish(_rows(lat_a=43.5, with_c=False, callsign_b=b"RYR2CD"))
        upserts: list[list[Any]] = []
        removed: list[str] = []
        for _ in range(5):
            delta = _receive_until(ws, "delta")
            assert delta["version"] == fake_live.snapshot().version
            upserts += delta["upsert"]
            removed += delta["remove"]
            if upserts:
                break
        assert [r[0] for r in upserts] == ["7277cf"]
        assert upserts[0][FIELDS.index("lat")] == 43.5
        assert removed == ["ae1234"]


def test_a_new_box_brings_its_aircraft_and_removes_the_others(
    live_client: TestClient, fake_live: FakeLive
) -> None:
    fake_live.publish(_rows())
    with live_client.websocket_connect("/api/v1/live") as ws:
        first = ws.receive_json()
        assert sorted(r[0] for r in first["aircraft"]) == ["4ca2d1", "7277cf", "ae1234"]
        ws.send_json({"bbox": [50.0, -10.0, 60.0, 10.0]})
        delta = _receive_until(ws, "delta")
        assert delta["upsert"] == [] or [r[0] for r in delta["upsert"]] == ["4ca2d1"]
        assert sorted(delta["remove"]) == ["7277cf", "ae1234"]


def test_events_as_they_happen_inside_the_box(live_client: TestClient, fake_live: FakeLive) -> None:
    fake_live.publish(_rows())
    fake_live.add_events(Event(1e9, A, EventKind.APPEARED))  # before connecting: not sent
    with live_client.websocket_connect("/api/v1/live?bbox=40,125,45,135") as ws:
        ws.receive_json()
        fake_live.add_events(
            Event(1e9 + 1, B, EventKind.TAKEOFF, "EGLL", lat=51.47, lon=-0.45),  # outside
            Event(1e9 + 2, A, EventKind.LANDING, "UHWW", flight_id="x", lat=43.4, lon=132.1),
        )
        event = _receive_until(ws, "event")
        assert event["event"]["kind"] == "landing" and event["event"]["value"] == "UHWW"
        assert event["seq"] == 2


def test_a_bad_message_gets_an_error_in_the_api_shape(
    live_client: TestClient, fake_live: FakeLive
) -> None:
    fake_live.publish(_rows())
    with live_client.websocket_connect("/api/v1/live") as ws:
        ws.receive_json()
        ws.send_text("not json")
        err = _receive_until(ws, "error")["error"]
        assert err["status"] == 400 and err["field"] == "message"
        ws.send_json({"bbox": [10, 20, 5, 30]})
        err = _receive_until(ws, "error")["error"]
        assert err["field"] == "bbox"


def test_history_only_server_refuses_the_stream(history_client: TestClient) -> None:
    with history_client.websocket_connect("/api/v1/live") as ws:
        msg = ws.receive_json()
    assert msg["type"] == "error" and msg["error"]["code"] == "no_live_feed"


# -- the diff itself ---------------------------------------------------------------------------


def test_at_most_one_update_per_aircraft_per_interval() -> None:
    view = ClientView()
    rows, removed = view.diff(_table(_rows(), 1), now_s=100.0, everything=True)
    assert len(rows) == 3 and removed == []
    # changed again 0.3 s later: held back
    rows, _ = view.diff(_table(_rows(lat_a=43.1), 2), now_s=100.3)
    assert rows == []
    rows, _ = view.diff(_table(_rows(lat_a=43.2), 3), now_s=100.6)
    assert rows == []
    # once the interval has passed, the latest values go out
    rows, _ = view.diff(_table(_rows(lat_a=43.2), 4), now_s=100.0 + MIN_INTERVAL_S)
    assert [(r[0], r[1]) for r in rows] == [("7277cf", 43.2)]
    # nothing changed: nothing sent
    rows, removed = view.diff(_table(_rows(lat_a=43.2), 5), now_s=105.0)
    assert rows == [] and removed == []


def test_box_across_the_antimeridian() -> None:
    rows = live_rows(
        {"icao24": 1, "lat": -17.0, "lon": 179.5},
        {"icao24": 2, "lat": -17.0, "lon": -179.5},
        {"icao24": 3, "lat": -17.0, "lon": 0.0},
        {"icao24": 4},  # no position: never inside a box
    )
    view = ClientView()
    view.bbox = (-20.0, 170.0, -10.0, -170.0)
    sent, _ = view.diff(_table(rows, 1), now_s=0.0, everything=True)
    assert sorted(r[0] for r in sent) == ["000001", "000002"]


@pytest.mark.parametrize("n", [0, 1, 1000])
def test_compact_rows_round_trip_the_values(n: int) -> None:
    rng = np.random.default_rng(n)
    rows = live_rows(
        *[
            {
                "icao24": i + 1,
                "lat": rng.uniform(-90, 90),
                "lon": rng.uniform(-180, 180),
                "altitude_ft": rng.uniform(0, 40000),
            }
            for i in range(n)
        ]
    )
    table = _table(rows, 1)
    assert len(table.rows) == n
    for r, src in zip(table.rows, rows, strict=True):
        assert r[1] == pytest.approx(src["lat"], abs=5e-6)
        assert r[4] == round(float(src["altitude_ft"]))
