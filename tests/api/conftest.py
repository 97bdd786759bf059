"""API test fixtures: a store made by the project's simulator (the short demo scenario, run
once per session), and a fake LiveView (the Protocol of skytrace.live.view) whose snapshots
the tests set row by row."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient

from skytrace.api import ApiContext, create_app
from skytrace.cli.main import main
from skytrace.live.view import LiveAircraft, LiveSnapshot, empty_live_aircraft, frozen_array
from skytrace.model import POSITION_DTYPE, AircraftIdentity, Event, Flight, ReceiverStats, Source
from skytrace.track.snapshot import AircraftState
from tests.cli.test_demo import SHORT

TOKEN = "test-token-3f9a"
DEMO_FLIGHT_HEX = 0x7277CF


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled by ``skytrace demo`` on the short scenario (30 simulated minutes):
    Air Koryo 7277CF from Yanji (departure inferred) to Vladivostok (landing observed)."""
    root = tmp_path_factory.mktemp("api-demo")
    scenario = root / "short.toml"
    scenario.write_text(SHORT)
    data_dir = root / "data"
    args = ["demo", "--scenario", str(scenario), "--data-dir", str(data_dir), "--duration", "1800"]
    assert main(args) == 0
    return data_dir


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store tests' small deterministic history (three aircraft on 2023-09-12)."""
    from tests.store.conftest import fill_store

    path = tmp_path_factory.mktemp("api-sample")
    fill_store(path)
    return path


def aircraft_state(icao24: int, **values: Any) -> AircraftState:
    """An AircraftState with unknown values (NaN, "", 0, -1 onground) except ``values``."""
    fill: dict[str, Any] = {}
    for f in dataclasses.fields(AircraftState):
        if f.default is not dataclasses.MISSING:
            continue
        kind = str(f.type)
        if kind == "float":
            fill[f.name] = math.nan
        elif kind == "str":
            fill[f.name] = ""
        elif kind == "bool":
            fill[f.name] = False
        elif kind == "Source":
            fill[f.name] = Source.ADSB
        else:
            fill[f.name] = 0
    fill.update(icao24=icao24, hex=f"{icao24:06x}", onground=-1)
    fill.update(values)
    return AircraftState(**fill)


def live_rows(*aircraft: dict[str, Any]) -> npt.NDArray[np.void]:
    """LIVE_AIRCRAFT_DTYPE rows, sorted by address, from dicts of column values."""
    rows = empty_live_aircraft(len(aircraft))
    for row, values in zip(rows, aircraft, strict=True):
        for name, value in values.items():
            row[name] = value
    return rows[np.argsort(rows["icao24"])]


class FakeLive:
    """A LiveView whose snapshots and events the test sets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._snapshot = LiveSnapshot(
            now_s=1_694_494_800.0,
            wall_s=0.0,
            version=0,
            aircraft=frozen_array(empty_live_aircraft(0)),
            document={"now": 1_694_494_800.0, "messages": 0, "aircraft": []},
        )
        self._events: list[tuple[int, Event]] = []
        self.details: dict[int, LiveAircraft] = {}

    def publish(
        self,
        aircraft: npt.NDArray[np.void],
        *,
        now_s: float | None = None,
        receivers: Sequence[ReceiverStats] = (),
        open_flights: Sequence[Flight] = (),
        mlat_receivers: dict[int, dict[str, Any]] | None = None,
    ) -> LiveSnapshot:
        with self._cond:
            old = self._snapshot
            now = old.now_s + 1.0 if now_s is None else now_s
            doc = {
                "now": now,
                "messages": 0,
                "aircraft": [
                    {"hex": f"{int(a):06x}", "type": "adsb_icao", "seen": 0.0}
                    for a in aircraft["icao24"]
                ],
            }
            self._snapshot = LiveSnapshot(
                now_s=now,
                wall_s=0.0,
                version=old.version + 1,
                aircraft=frozen_array(aircraft.copy()),
                document=doc,
                receivers=list(receivers),
                open_flights=list(open_flights),
                mlat_receivers=dict(mlat_receivers or {}),
            )
            self._cond.notify_all()
            return self._snapshot

    def add_events(self, *events: Event) -> None:
        with self._cond:
            for e in events:
                self._events.append((len(self._events), e))
            self._cond.notify_all()

    # -- LiveView ---------------------------------------------------------------------------

    def snapshot(self) -> LiveSnapshot:
        return self._snapshot

    def aircraft(self, icao24: int) -> LiveAircraft | None:
        return self.details.get(icao24)

    def events_since(self, seq: int, limit: int = 1000) -> tuple[list[tuple[int, Event]], int]:
        with self._lock:
            out = [(n, e) for n, e in self._events if n >= seq][:limit]
            return out, (out[-1][0] + 1 if out else len(self._events))

    async def wait(self, version: int, timeout_s: float) -> int:
        n_events = len(self._events)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            if self._snapshot.version > version or len(self._events) > n_events:
                break
            await asyncio.sleep(0.01)
        return self._snapshot.version

    def stats(self) -> dict[str, Any]:
        return {
            "frames": 0,
            "batches": 0,
            "queue_depth": 0,
            "lag_s": 0.0,
            "events": len(self._events),
            "events_dropped": 0,
            "snapshot_version": self._snapshot.version,
            "store": "off",
        }


def detail(icao24: int, n_track: int = 5) -> LiveAircraft:
    track = np.zeros(n_track, POSITION_DTYPE)
    track["icao24"] = icao24
    track["time_s"] = 1_694_494_800.0 + np.arange(n_track)
    track["lat"] = 43.0 + 0.01 * np.arange(n_track)
    track["lon"] = 132.0
    track["altitude_ft"] = 10_000.0
    track["groundspeed_kt"] = 300.0
    return LiveAircraft(
        state=aircraft_state(icao24, callsign="KOR153", lat=43.04, lon=132.0, altitude_ft=1e4),
        identity=AircraftIdentity(icao24=icao24, registration="P-671", typecode="A148"),
        flight=None,
        track=frozen_array(track),
        receiver_ids=[1],
    )


@pytest.fixture
def fake_live() -> FakeLive:
    return FakeLive()


@pytest.fixture
def live_client(fake_live: FakeLive, demo_dir: Path) -> Iterator[TestClient]:
    app = create_app(ApiContext(data_dir=demo_dir, live=fake_live, token=TOKEN))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def history_client(demo_dir: Path) -> Iterator[TestClient]:
    app = create_app(ApiContext(data_dir=demo_dir, live=None, token=None))
    with TestClient(app) as client:
        yield client
