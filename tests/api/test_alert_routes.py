"""Watch rules and alerts over HTTP: rules read freely and written only with the token, no
route naming a file, a rule tried on history giving the alerts the demo's live run fired
(same ids), the journal paged, and the live alert stream."""

from __future__ import annotations

import json
import math
import shutil
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from skytrace.alerts.live import LiveAlerts
from skytrace.api import ApiContext, create_app
from skytrace.model import POSITION_DTYPE, Event, EventKind
from tests.api.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def client(rules_dir: Path) -> TestClient:
    return TestClient(create_app(ApiContext(rules_dir=rules_dir, token=TOKEN)))


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_a_rule_put_is_in_the_file_listed_and_removed(client: TestClient, rules_dir: Path) -> None:
    assert client.get("/api/v1/watch").json() == {"rules": [], "error": None}
    rule = {"operator": ["kor"], "on": ["takeoff", "landing"], "secret": "s3cret",
            "webhook": "http://127.0.0.1:9/hook"}  # fmt: skip
    put = client.put("/api/v1/watch/koryo", json=rule, headers=AUTH)
    assert put.status_code == 201
    shown = put.json()["rule"]
    assert shown["operator"] == ["KOR"] and shown["signed"] is True
    assert "secret" not in shown and "s3cret" not in put.text
    stored = tomllib.loads((rules_dir / "watch.toml").read_text())["rule"]
    assert [(r["name"], r["operator"]) for r in stored] == [("koryo", ["KOR"])]
    assert [r["name"] for r in client.get("/api/v1/watch").json()["rules"]] == ["koryo"]
    again = client.put("/api/v1/watch/koryo", json={"aircraft": "7277cf"}, headers=AUTH)
    assert again.status_code == 200  # replaced, not added twice
    assert client.get("/api/v1/watch/koryo").json()["rule"]["aircraft"] == ["7277cf"]
    assert client.delete("/api/v1/watch/koryo", headers=AUTH).json() == {"removed": "koryo"}
    assert client.get("/api/v1/watch/koryo").status_code == 404
    assert client.delete("/api/v1/watch/koryo", headers=AUTH).status_code == 404


def test_writes_need_the_token(client: TestClient, rules_dir: Path) -> None:
    body = {"operator": "KOR"}
    assert client.put("/api/v1/watch/a", json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.put("/api/v1/watch/a", json=body, headers=wrong).status_code == 401
    assert client.delete("/api/v1/watch/a", headers=wrong).status_code == 401
    assert not (rules_dir / "watch.toml").exists()
    readonly = TestClient(create_app(ApiContext(rules_dir=rules_dir)))
    refused = readonly.put("/api/v1/watch/a", json=body, headers=AUTH)
    assert refused.status_code == 403 and _error(refused)["code"] == "writes_disabled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"aircraft_file": "/etc/passwd"}, "aircraft_file"),
        ({"jsonl": "x.jsonl"}, "jsonl"),
        ({"area": ["polygon:/etc/hosts"]}, "area"),
        ({"area": "POLYGON:zone.geojson"}, "area"),
        ({"on": ["nope"]}, "body"),
        ({"operator": ["KOREAN AIR"]}, "body"),
        ({"lost_minutes": -1}, "body"),
        ({"bogus": 1}, "body"),
        ({"name": "other"}, "name"),
        (["not", "an", "object"], "body"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    client: TestClient, rules_dir: Path, body: Any, field: str
) -> None:
    response = client.put("/api/v1/watch/r1", json=body, headers=AUTH)
    assert response.status_code == 400
    assert _error(response)["field"] == field
    assert not (rules_dir / "watch.toml").exists()


def test_a_rule_tried_on_history_fires_what_the_demo_fired(demo_dir: Path, tmp_path: Path) -> None:
    """The demo watched its featured aircraft live; the API's test of that rule over the
    stored history gives the same alerts, with the same ids."""
    journal = [json.loads(line) for line in (demo_dir / "alerts" / "alerts.jsonl").open()]
    assert {a["trigger"] for a in journal} >= {"takeoff", "landing"}
    client = TestClient(create_app(ApiContext(data_dir=demo_dir)))
    tried = client.get("/api/v1/watch/featured/test", params={"date": "2023-09-12"})
    assert tried.status_code == 200
    assert [a["alert_id"] for a in tried.json()["alerts"]] == [a["alert_id"] for a in journal]
    listed = client.get("/api/v1/alerts", params={"rule": "featured", "limit": 1})
    page = listed.json()
    assert [a["alert_id"] for a in page["alerts"]] == [journal[0]["alert_id"]]
    assert page["alerts"][0]["delivery"] == "logged"  # the demo's rule has no targets
    assert page["next"] is not None and "offset=1" in page["next"]
    assert client.get("/api/v1/watch/featured/test").status_code == 400  # no window
    long = {"since": "2023-01-01", "until": "2023-12-31"}
    assert _error(client.get("/api/v1/watch/featured/test", params=long))["field"] == "until"
    assert client.get("/api/v1/watch/nope/test", params={"date": "2023-09-12"}).status_code == 404


def test_a_torn_journal_line_is_counted_not_served(demo_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "alerts"
    shutil.copytree(demo_dir / "alerts", copy)
    with (copy / "alerts.jsonl").open("ab") as fh:
        fh.write(b'{"alert_id": "torn", "ti')
    client = TestClient(create_app(ApiContext(rules_dir=tmp_path)))
    body = client.get("/api/v1/alerts").json()
    assert body["unreadable_lines"] == 1
    assert "torn" not in [a["alert_id"] for a in body["alerts"]]


def _takeoff(icao24: int, time_s: float, flight: str = "a") -> Event:
    return Event(
        time_s=time_s, icao24=icao24, kind=EventKind.TAKEOFF, value="ZKPY",
        lat=39.2, lon=125.7, flight_id=f"{icao24:06x}-{flight}",
    )  # fmt: skip


def test_the_live_alert_stream_sends_new_alerts_and_resumes(tmp_path: Path) -> None:
    (tmp_path / "watch.toml").write_text(
        '[[rule]]\nname = "p671"\naircraft = ["7277cf"]\non = ["takeoff"]\n'
    )
    alerts = LiveAlerts(tmp_path, clock=lambda: math.nan)
    client = TestClient(create_app(ApiContext(rules_dir=tmp_path, alerts=alerts)))
    no_positions = np.zeros(0, POSITION_DTYPE)
    with client.websocket_connect("/api/v1/alerts/live") as ws:
        alerts.write(no_positions, [], [_takeoff(0x7277CF, 1.694e9), _takeoff(0x123456, 1.694e9)])
        message = ws.receive_json()
    assert message["type"] == "alert" and message["seq"] == 0
    assert message["alert"]["rule"] == "p671" and message["alert"]["aircraft"]["hex"] == "7277cf"
    alerts.write(no_positions, [], [_takeoff(0x7277CF, 1.694e9 + 1e4)])  # the same flight: no
    alerts.write(no_positions, [], [_takeoff(0x7277CF, 1.694e9 + 2e4, flight="b")])  # the next
    assert alerts.recent.next_seq == 2
    with client.websocket_connect("/api/v1/alerts/live?since=0") as ws:
        assert [ws.receive_json()["seq"] for _ in range(2)] == [0, 1]
    with client.websocket_connect("/api/v1/alerts/live?since=x") as ws:
        assert ws.receive_json()["error"]["field"] == "since"
    status = client.get("/api/v1/status").json()["alerts"]
    assert (status["rules"], status["fired"], status["rules_error"]) == (1, 2, "")
    history_only = TestClient(create_app(ApiContext(rules_dir=tmp_path)))
    with history_only.websocket_connect("/api/v1/alerts/live") as ws:
        assert ws.receive_json()["error"]["status"] == 503
