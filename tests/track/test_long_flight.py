"""Conformance on real frames: long_flight.csv (receiver on board Toulouse -> Amsterdam)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from skytrace.decode import decode_batch
from skytrace.geo import haversine_km
from skytrace.model import EventKind
from skytrace.track import Tracker
from tests.track import helpers as h

pytestmark = pytest.mark.conformance


@pytest.fixture(scope="module")
def replay(shared_data: Path):
    frames = h.long_flight(shared_data / "modes" / "long_flight.csv")
    decoded = decode_batch(frames)
    airports = h.AirportsData()
    tracker = Tracker(airports=airports)
    positions, events = [], []
    for lo in range(0, len(frames), 5000):
        idx = np.arange(lo, min(lo + 5000, len(frames)))
        f = frames.take(idx)
        now = float(f.time_s.max())
        out = tracker.ingest(f, decoded.take(idx), now)
        positions.append(out.positions)
        events += out.events + tracker.expire(now)
    return tracker, np.concatenate(positions), events, airports


def test_every_aircraft_and_many_positions(replay) -> None:
    _tracker, pos, events, _ = replay
    appeared = {e.icao24 for e in events if e.kind == EventKind.APPEARED}
    assert len(appeared) == 30  # the 30 aircraft of the recording, and no invented ones
    assert pos.size > 10_000
    assert np.all(np.diff(pos["time_s"]) >= -30)  # batches hand positions on in time order


def test_no_position_far_from_its_neighbours(replay) -> None:
    _, pos, _, _ = replay
    p = pos[np.lexsort((pos["time_s"], pos["icao24"]))]
    same = p["icao24"][1:] == p["icao24"][:-1]
    d = haversine_km(p["lat"][1:], p["lon"][1:], p["lat"][:-1], p["lon"][:-1])
    assert same.sum() > 10_000
    assert d[same].max() < 5.0


def test_every_surface_position_is_on_an_airport(replay) -> None:
    _, pos, _, airports = replay
    surface = pos[pos["onground"]]
    assert surface.size > 1000
    codes = set()
    points = zip(surface["lat"].round(3).tolist(), surface["lon"].round(3).tolist(), strict=True)
    for lat, lon in set(points):
        hit = airports.nearest_airport(lat, lon, 5.0)
        assert hit is not None, (lat, lon)
        codes.add(hit[0])
    assert codes == {"LFBO", "EHAM"}


def test_aircraft_json_of_the_replay(replay) -> None:
    tracker, pos, _, _ = replay
    doc = tracker.snapshot(float(pos["time_s"].max()))
    assert doc["aircraft"]
    assert all(re.fullmatch(r"~?[0-9a-f]{6}", ac["hex"]) for ac in doc["aircraft"])
    assert doc["messages"] == tracker.stats.messages
