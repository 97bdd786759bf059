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


def test_stored_gnss_altitude_is_current_in_large_batches(shared_data: Path) -> None:
    """Issue 12: with 65,536-frame batches the stored GNSS altitude of KLM1302 (486257) was
    the value at the previous batch's end: 8 distinct values, half of them > 1,000 ft off the
    barometric altitude, while the decoded GNSS-minus-baro difference stays within ±425 ft."""
    frames = h.long_flight(shared_data / "modes" / "long_flight.csv")
    decoded = decode_batch(frames)
    tracker = Tracker()
    parts = []
    for lo in range(0, len(frames), 65536):
        idx = np.arange(lo, min(lo + 65536, len(frames)))
        parts.append(tracker.ingest(frames.take(idx), decoded.take(idx), 0.0).positions)
    pos = np.concatenate(parts)
    klm = pos[(pos["icao24"] == 0x486257) & ~pos["onground"]]
    geo, baro = klm["geo_altitude_ft"], klm["altitude_ft"]
    mine = np.asarray(decoded["icao"]) == 0x486257
    delta = np.asarray(decoded["geo_minus_baro_ft"])[mine]
    bound = float(np.nanmax(np.abs(delta))) + 1.0
    known = ~np.isnan(geo)
    assert known.mean() > 0.95
    assert np.abs(geo[known] - baro[known]).max() <= bound
    assert np.unique(geo[known]).size > 500
    # on the ground there is no barometric altitude: no GNSS altitude is made up either
    ground = pos[(pos["icao24"] == 0x486257) & pos["onground"]]
    assert np.isnan(ground["geo_altitude_ft"]).all()


def test_stored_motion_fields_are_nan_when_not_heard_recently() -> None:
    """A position after a long silence of velocity messages does not carry the old speed."""
    from skytrace.encode import airborne_position, airborne_velocity
    from skytrace.model import FrameBatch

    icao = 0x4840D6
    t0 = 1_700_000_000.0
    vel = airborne_velocity(icao, 250.0, 90.0, -64.0, gnss_minus_baro_ft=200.0)
    msgs = [bytes(vel.payload[0, : vel.length[0]])] * 2
    times = [t0 - 0.2, t0]
    for k in range(12):  # position pairs every 10 s; the velocity only at the start
        for odd in (False, True):
            m = airborne_position(icao, 52.0, 4.5 + 0.01 * k, 30000.0, odd)
            msgs.append(bytes(m.payload[0, : m.length[0]]))
            times.append(t0 + 1 + 10 * k + 0.5 * odd)
    frames = FrameBatch.from_messages(msgs, time_s=times, receiver=1)
    out = Tracker().ingest(frames, decode_batch(frames), times[-1]).positions
    assert out.size >= 8
    age = out["time_s"] - t0
    fresh, stale = age <= 60.0, age > 60.0
    assert fresh.any() and stale.any()
    assert np.allclose(out["groundspeed_kt"][fresh], 250.0, atol=1.0)
    assert np.allclose(out["geo_altitude_ft"][fresh], 30200.0, atol=30.0)
    for name in ("groundspeed_kt", "track_deg", "vertical_rate_fpm", "geo_altitude_ft"):
        assert np.isnan(out[name][stale]).all(), name
