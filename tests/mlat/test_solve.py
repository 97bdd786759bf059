"""The TDOA solver on synthetic replies whose true positions are known."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.geo import haversine_km
from skytrace.mlat.geodesy import C_M_S, ecef_to_geodetic, geodetic_to_ecef
from skytrace.mlat.solve import REJECT_DOF, REJECT_RESIDUAL, solve_groups


def _replies(rng, n, rx_lat, rx_lon, sigma_s=40e-9):
    """n replies from random places inside the receivers' area, heard by all of them."""
    m = len(rx_lat)
    rx = geodetic_to_ecef(np.tile(rx_lat, (n, 1)), np.tile(rx_lon, (n, 1)), 50.0)
    lat = rng.uniform(min(rx_lat), max(rx_lat), n)
    lon = rng.uniform(min(rx_lon), max(rx_lon), n)
    height = rng.uniform(1_000, 11_000, n)
    ac = geodetic_to_ecef(lat, lon, height)
    t = np.linalg.norm(ac[:, None, :] - rx, axis=2) / C_M_S + rng.uniform(0, 10, n)[:, None]
    t += rng.normal(0, sigma_s, (n, m))
    return rx, t, np.full((n, m), sigma_s), np.ones((n, m), bool), lat, lon, height


RX_LAT = np.array([43.0, 43.4, 44.2, 44.6, 43.8, 44.9])
RX_LON = np.array([131.8, 133.0, 131.5, 133.4, 132.4, 132.0])


def test_geodesy_round_trip() -> None:
    lat = np.array([-89.9, -45.0, 0.0, 43.4, 89.9])
    lon = np.array([-179.0, 10.0, 0.0, 132.1, 45.0])
    h = np.array([0.0, 12_000.0, -100.0, 9_000.0, 500.0])
    back = ecef_to_geodetic(geodetic_to_ecef(lat, lon, h))
    np.testing.assert_allclose(back[0], lat, atol=1e-9)
    np.testing.assert_allclose(back[1], lon, atol=1e-9)
    np.testing.assert_allclose(back[2], h, atol=1e-3)


def test_accurate_and_honest_about_its_error() -> None:
    rng = np.random.default_rng(3)
    rx, t, sig, valid, lat, lon, height = _replies(rng, 3000, RX_LAT, RX_LON)
    alt = np.where(np.arange(3000) % 2 == 0, height + rng.normal(0, 30, 3000), np.nan)
    sol = solve_groups(rx, t, sig, valid, alt)
    assert sol.ok.mean() > 0.9
    err = haversine_km(sol.lat, sol.lon, lat, lon)[sol.ok] * 1000
    assert np.median(err) < 50
    assert np.percentile(err, 95) < 150
    # the error estimate means what it says: hardly any fix is beyond 3x of it
    assert np.mean(err > 3 * sol.error_m[sol.ok]) < 0.01
    # and it is not inflated either: half the fixes are within their estimate
    assert np.mean(err < sol.error_m[sol.ok]) > 0.5


def test_four_receivers_without_altitude_give_no_fix() -> None:
    rng = np.random.default_rng(4)
    rx, t, sig, valid, *_ = _replies(rng, 50, RX_LAT[:4], RX_LON[:4])
    sol = solve_groups(rx, t, sig, valid, np.full(50, np.nan))
    assert not sol.ok.any()
    assert (sol.why == REJECT_DOF).all()


def test_a_receiver_with_a_wrong_time_is_caught_by_the_residual() -> None:
    rng = np.random.default_rng(5)
    rx, t, sig, valid, _, _, height = _replies(rng, 200, RX_LAT, RX_LON)
    t[:, 2] += 3e-6  # one receiver 3 µs off (900 m of range)
    sol = solve_groups(rx, t, sig, valid, height)
    assert sol.ok.mean() < 0.05
    assert np.mean(sol.why == REJECT_RESIDUAL) > 0.8


def test_receivers_in_a_line_never_give_a_confident_wrong_fix() -> None:
    rng = np.random.default_rng(6)
    line_lat = np.array([43.0, 43.5, 44.0, 44.5, 45.0])
    line_lon = np.array([132.0, 132.25, 132.5, 132.75, 133.0])
    n = 500
    rx = geodetic_to_ecef(np.tile(line_lat, (n, 1)), np.tile(line_lon, (n, 1)), 50.0)
    lat = rng.uniform(43.0, 45.0, n)
    lon = rng.uniform(131.0, 134.0, n)
    height = rng.uniform(3_000, 11_000, n)
    ac = geodetic_to_ecef(lat, lon, height)
    t = np.linalg.norm(ac[:, None, :] - rx, axis=2) / C_M_S + rng.normal(0, 40e-9, (n, 5))
    sol = solve_groups(rx, t, np.full((n, 5), 40e-9), np.ones((n, 5), bool), height)
    err = haversine_km(sol.lat, sol.lon, lat, lon)[sol.ok] * 1000
    assert np.all(err < 3 * sol.error_m[sol.ok] + 50)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_time_is_not_a_measurement(bad: float) -> None:
    rng = np.random.default_rng(7)
    rx, t, sig, valid, _, _, height = _replies(rng, 10, RX_LAT, RX_LON)
    t[:, 0] = bad
    sol = solve_groups(rx, t, sig, valid, height)
    valid[:, 0] = False
    without = solve_groups(rx, t, sig, valid, height)
    np.testing.assert_array_equal(sol.ok, without.ok)
    np.testing.assert_allclose(sol.lat, without.lat)
    assert (sol.dof == 6 - 1 + 1 - 4).all()
