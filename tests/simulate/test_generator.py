"""The frame generator: real frames, deterministic, duplicated across receivers, with clocks."""

from __future__ import annotations

import numpy as np

from skytrace.decode import decode_batch
from skytrace.decode.cpr import airborne_local
from skytrace.geo import haversine_km
from skytrace.model import FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import parse_scenario

from .test_scenario import GOOD

# Two receivers beside each other near Vladivostok, so every reply is heard twice or so.
TWO_RX = GOOD.replace(
    '[[receivers]]\nname = "rx"\nlat = 43.4\nlon = 132.1\n',
    '[[receivers]]\nname = "rx-a"\nlat = 43.4\nlon = 132.1\naltitude_m = 200\n\n'
    '[[receivers]]\nname = "rx-b"\nlat = 43.5\nlon = 132.0\naltitude_m = 200\n',
)


def _run(seed: int, duration_s: float = 240.0) -> tuple[Simulation, FrameBatch]:
    sim = Simulation.from_scenario(parse_scenario(TWO_RX), seed=seed, duration_s=duration_s)
    return sim, FrameBatch.concat(list(sim.batches()))


def test_frames_are_valid_mode_s_from_the_scenario_aircraft() -> None:
    sim, frames = _run(1)
    assert len(frames) > 1000
    d = decode_batch(frames)
    assert np.all(d.ok)
    df = d["df"]
    assert set(np.unique(df)) >= {4, 5, 11, 17, 20, 21}
    es = df == 17
    clean = es & d["crc_ok"] & ~d["crc_corrected"]
    assert set(np.unique(d["icao"][clean])) == {0x1500AB}
    # Bit errors are rare but present in a few hundred seconds of frames.
    assert 0 < sim.generator.stats.bit_errors < 0.01 * len(frames)
    assert np.all(np.diff(frames.time_s) >= 0)
    assert set(np.unique(frames.receiver)) == {1, 2}
    assert frames.receivers == {1: "rx-a", 2: "rx-b"}
    assert np.all((frames.signal_dbfs < 0) & (frames.signal_dbfs > -60))


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    _, a = _run(5, 60.0)
    _, b = _run(5, 60.0)
    _, c = _run(6, 60.0)
    assert np.array_equal(a.payload, b.payload) and np.array_equal(a.time_s, b.time_s)
    assert len(a) != len(c) or not np.array_equal(a.time_s, c.time_s)


def test_one_reply_is_heard_by_both_receivers_with_their_own_clocks() -> None:
    sim, frames = _run(2, 120.0)
    keys = [bytes(p) for p in frames.payload]
    by_msg: dict[bytes, list[int]] = {}
    for i, k in enumerate(keys):
        by_msg.setdefault(k, []).append(i)
    dup = [rows for rows in by_msg.values() if len({int(frames.receiver[r]) for r in rows}) == 2]
    assert len(dup) > 0.3 * len(by_msg)
    net = sim.generator.network
    for rx in (1, 2):
        rows = np.flatnonzero(frames.receiver == rx)
        dt = np.diff(frames.time_s[rows])
        dticks = np.diff(frames.receiver_ticks[rows].astype(np.float64))
        rate = 12e6 * (1 + net.clock_drift_ppm[rx - 1] * 1e-6)
        assert np.all(np.abs(dticks - dt * rate) <= 2.0)


def test_message_rates_per_aircraft() -> None:
    sim, _ = _run(3, 200.0)
    by_kind = sim.generator.stats.by_kind
    airborne_s = by_kind["velocity"] / 2.0  # velocity is sent 2/s while airborne
    assert airborne_s > 0
    assert abs(by_kind["airborne_position"] / airborne_s - 2.0) < 0.1
    assert abs(by_kind["identification"] / (sim.end_s - sim.start_s) - 0.2) < 0.05


def test_encoded_positions_are_where_the_traffic_model_put_the_aircraft() -> None:
    sim, frames = _run(4, 300.0)
    d = decode_batch(frames)
    pos = (d["df"] == 17) & (d["typecode"] == 11) & d["crc_ok"] & ~d["crc_corrected"]
    rows = np.flatnonzero(pos)
    traffic = sim.generator.traffic
    # Transmission time = arrival - propagation (< 2 ms here): sample the model there.
    truth = traffic.sample(np.zeros(rows.shape[0], np.int64), frames.time_s[rows])  # type: ignore[attr-defined]
    lat, lon, ok = airborne_local(
        d["cpr_lat"][rows], d["cpr_lon"][rows], d["cpr_format"][rows] == 1, truth.lat, truth.lon
    )
    assert np.all(ok)
    err_km = haversine_km(lat, lon, truth.lat, truth.lon)
    assert np.percentile(err_km, 99) < 0.6
    assert np.all(np.abs(d["altitude_ft"][rows] - truth.altitude_ft) < 100)


class _FakeDatabase:
    """Two real-looking A319s of the Russian block and one B738 elsewhere."""

    def __init__(self) -> None:
        self.icao24 = np.array([0x150001, 0x150002, 0x780001], np.uint32)
        self.values = {"typecode": np.array(["A319", "B738"])}
        self.codes = {"typecode": np.array([0, 0, 1], np.int32)}


def test_background_addresses_come_from_the_aircraft_database_when_loaded() -> None:
    from skytrace.simulate.build import background_flights

    from .test_scenario import BACKGROUND

    sc = parse_scenario(GOOD + BACKGROUND)
    flights = background_flights(sc, np.random.default_rng(0), _FakeDatabase())
    assert len(flights) == 5
    addresses = [f.icao24 for f in flights]
    assert set(addresses[:2]) == {0x150001, 0x150002}  # the database's, while unused ones last
    assert all(0x100000 <= a <= 0x1FFFFF for a in addresses)
    assert len(set(addresses)) == 5
    assert all(f.callsign.startswith("SHU") and f.typecode == "A319" for f in flights)
    without = background_flights(sc, np.random.default_rng(0))
    assert all(0x100000 <= f.icao24 <= 0x1FFFFF for f in without)


def test_world_simulation_frames_arrive_in_order_across_batches() -> None:
    from skytrace.simulate.build import world_simulation

    sim = world_simulation(300, 100, seed=2, duration_s=20.0)
    batches = list(sim.batches())
    assert len(batches) == 20
    frames = FrameBatch.concat(batches)
    assert len(frames) > 5000
    assert np.all(np.diff(frames.time_s) >= 0)
    d = decode_batch(frames)
    assert np.all(d.ok)
    heard = set(np.unique(d["icao"][(d["df"] == 17) & d["crc_ok"] & ~d["crc_corrected"]]))
    assert heard <= {int(a) for a in sim.generator.traffic.icao24}  # type: ignore[attr-defined]
    assert len(heard) > 50
