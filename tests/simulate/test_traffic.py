"""Traffic model: the seed flight's profile, line of sight, and the cruise model."""

from __future__ import annotations

import numpy as np

from skytrace.geo import haversine_km
from skytrace.simulate.radio import ReceiverNetwork, horizon_km
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario
from skytrace.simulate.traffic import (
    CruiseTraffic,
    ScenarioTraffic,
    build_profile,
)

SEED = load_scenario(builtin_scenario_path())
KOR = next(f for f in SEED.flights if f.icao24 == 0x7277CF)


def test_seed_flight_profile_is_gate_to_gate_in_about_an_hour() -> None:
    zkpy, uhww = SEED.airports["ZKPY"], SEED.airports["UHWW"]
    p = build_profile(KOR, zkpy, uhww)
    assert np.all(np.diff(p.t_s) >= 0)
    assert p.takeoff_s == KOR.takeoff_s
    assert 50 * 60 < p.landing_s - p.takeoff_s < 70 * 60
    assert p.onground[0] and p.onground[-1]
    assert haversine_km(p.lat[0], p.lon[0], zkpy.lat, zkpy.lon) < 3.0
    assert haversine_km(p.lat[-1], p.lon[-1], uhww.lat, uhww.lon) < 3.0
    assert p.altitude_ft.max() == KOR.cruise_altitude_ft
    air = ~p.onground
    assert np.all(np.abs(p.vertical_rate_fpm[air]) < 4000)
    assert p.vertical_rate_fpm[air].max() > 1500 and p.vertical_rate_fpm[air].min() < -1000
    assert p.groundspeed_kt.max() <= 441
    # Lift-off on the runway heading (runway 01: 0.7°).
    lift = np.searchsorted(p.t_s, p.takeoff_s)
    assert abs(p.track_deg[lift] - 0.7) < 2.0
    assert p.departure_runway == "01" and p.arrival_runway == "07R"


def test_scenario_traffic_state_interpolates_all_flights() -> None:
    traffic = ScenarioTraffic([KOR], SEED.airports)
    st = traffic.state(KOR.takeoff_s + 1800)
    assert len(st) == 1 and not st.onground[0]
    assert st.altitude_ft[0] == KOR.cruise_altitude_ft
    before = traffic.state(KOR.takeoff_s - 3600)
    assert len(before) == 0
    later = traffic.state(KOR.takeoff_s + 1810)
    moved = haversine_km(st.lat[0], st.lon[0], later.lat[0], later.lon[0])
    assert abs(moved - st.groundspeed_kt[0] * 1.852 / 360) < 0.2


def test_horizon_formula() -> None:
    assert abs(float(horizon_km(100.0, 10000.0)) - 4.12 * 110) < 1e-9


def test_no_seed_receiver_sees_pyongyang_below_10000_ft() -> None:
    net = ReceiverNetwork(SEED.receivers, np.random.default_rng(0))
    zkpy = SEED.airports["ZKPY"]
    # The airport and a 10 km ring around it, from the ground up to 10,000 ft.
    ang = np.radians(np.arange(0, 360, 15))
    lat = np.concatenate([[zkpy.lat], zkpy.lat + 0.09 * np.cos(ang)])
    lon = np.concatenate([[zkpy.lon], zkpy.lon + 0.116 * np.sin(ang)])
    for alt in (0.0, 5000.0, 10000.0):
        pairs = net.pairs(lat, lon, np.full(lat.shape, alt))
        assert pairs.count.sum() == 0, alt


def test_vladivostok_receivers_see_the_runway_on_the_ground() -> None:
    net = ReceiverNetwork(SEED.receivers, np.random.default_rng(0))
    uhww = SEED.airports["UHWW"]
    pairs = net.pairs(np.array([uhww.lat]), np.array([uhww.lon]), np.array([uhww.elevation_ft]))
    names = {net.names[r] for r in pairs.receiver}
    assert "ru-vladivostok-airport" in names


def test_cruise_traffic_moves_at_its_speed() -> None:
    rng = np.random.default_rng(3)
    lat = np.array([43.4, 37.5, 35.2, 48.5])
    lon = np.array([132.1, 126.4, 128.9, 135.2])
    traffic = CruiseTraffic(50, lat, lon, rng, 0.0)
    a, b = traffic.state(100.0), traffic.state(110.0)
    moved = haversine_km(a.lat, a.lon, b.lat, b.lon)
    expected = a.groundspeed_kt * 1.852 / 360
    wrapped = moved > 2 * expected  # a route that looped back to its origin in between
    assert np.all(np.abs(moved - expected)[~wrapped] < 0.05)
    assert len(np.unique(traffic.icao24)) == 50


def test_turboprops_climb_less_steeply_and_stay_below_their_ceiling() -> None:
    from dataclasses import replace

    zkpy, uhww = SEED.airports["ZKPY"], SEED.airports["UHWW"]
    jet = build_profile(KOR, zkpy, uhww)
    prop = build_profile(replace(KOR, typecode="AT76", cruise_altitude_ft=31000), zkpy, uhww)
    assert prop.altitude_ft.max() == 25000
    assert prop.vertical_rate_fpm.max() < jet.vertical_rate_fpm.max()
    assert prop.landing_s - prop.takeoff_s > jet.landing_s - jet.takeoff_s
